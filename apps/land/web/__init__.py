"""The land pages of the dossier (征地拆迁 parcels): a way in beside the land API."""
