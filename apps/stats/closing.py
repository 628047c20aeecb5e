"""The month close (filled in by the close work): frozen per-project rows of a closed period."""

from __future__ import annotations


def frozen_rows(*, year: int, month: int, project_ids) -> dict | None:
    """The frozen rows of a closed (year, month) narrowed to `project_ids`, or None while it is open."""
    return None
