"""Tombstones of deleted rows, read from the history tables (django-simple-history keeps a '-'
record for every delete), so sync clients learn about deletions made in the admin too."""

from __future__ import annotations

import datetime as dt

from apps.land.models import LandAcquisition
from apps.milestones.models import Milestone
from apps.problems.models import Problem
from apps.progress.models import ProgressReport
from apps.projects.models import Project

RESOURCES = {
    "projects": Project,
    "milestones": Milestone,
    "progress-reports": ProgressReport,
    "problems": Problem,
    "land-acquisitions": LandAcquisition,
}


def deletions_since(*, resource: str, since: dt.datetime | None):
    """(id, deleted_at) of rows of `resource` deleted after `since`, oldest first."""
    history = RESOURCES[resource].history.model
    qs = history.objects.filter(history_type="-")
    if since is not None:
        qs = qs.filter(history_date__gt=since)
    return qs.order_by("history_date", "history_id").values("id", "history_date", "history_id")
