"""Milestone reads, with lights; who may change which milestone."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from apps.lights.selectors import annotate_milestone_lights, light_context
from apps.projects.selectors import is_office, project_is_own

from .models import Milestone


def milestone_list(*, user, today: dt.date | None = None) -> QuerySet[Milestone]:
    """Milestones of active projects with `light`, project and department, in one query."""
    qs = Milestone.objects.select_related("project", "responsible_dept").filter(project__archived_at__isnull=True)
    return annotate_milestone_lights(qs, light_context(today=today or timezone.localdate()))


def milestone_is_own(user, milestone: Milestone) -> bool:
    """Departments change the milestones they are responsible for, and those of their own projects."""
    if is_office(user):
        return True
    if user.department_id and milestone.responsible_dept_id == user.department_id:
        return True
    return user.role == "department" and project_is_own(user, milestone.project)
