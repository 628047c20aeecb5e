"""Milestone reads, with lights (who may change which milestone: apps/accounts/policy.py)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from apps.lights.selectors import annotate_milestone_lights, light_context
from apps.projects.notions import on_ledger_q

from .models import Milestone


def milestone_list(*, user, today: dt.date | None = None) -> QuerySet[Milestone]:
    """Milestones of active projects with `light`, project and department, in one query."""
    qs = Milestone.objects.select_related("project", "responsible_dept").filter(on_ledger_q("project__"))
    return annotate_milestone_lights(qs, light_context(today=today or timezone.localdate()))
