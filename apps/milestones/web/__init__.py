"""The milestone pages of the dossier (办结, 撤销办结, 变更记录): a way in beside the milestones API."""
