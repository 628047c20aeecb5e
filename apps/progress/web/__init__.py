"""The 月报 pages (fill in, edit, review): a way in beside the progress API."""
