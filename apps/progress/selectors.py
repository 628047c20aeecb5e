"""Monthly report reads."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.projects.selectors import project_is_own

from .models import ProgressReport


def progress_report_list(*, user) -> QuerySet[ProgressReport]:
    return ProgressReport.objects.select_related("project", "created_by", "submitted_by", "reviewed_by")


def progress_report_is_own(user, report: ProgressReport) -> bool:
    return project_is_own(user, report.project)
