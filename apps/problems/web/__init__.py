"""The problem pages of the dossier (提出, 办结, 销号): a way in beside the problems API."""
