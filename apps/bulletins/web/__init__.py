"""The 通报 pages: a way in beside the bulletins API."""
