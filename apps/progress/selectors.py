"""Monthly report reads."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ProgressReport


def progress_report_list(*, user) -> QuerySet[ProgressReport]:
    return ProgressReport.objects.select_related("project", "created_by", "submitted_by", "reviewed_by")
