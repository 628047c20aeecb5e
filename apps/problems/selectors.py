"""Problem and notice reads, with lights (who may change which problem: apps/accounts/policy.py)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from apps.lights.selectors import annotate_problem_lights, light_context

from .models import Problem, SupervisionNotice


def problem_list(*, user, today: dt.date | None = None) -> QuerySet[Problem]:
    qs = Problem.objects.select_related("project", "responsible_dept", "coordinating_leader")
    return annotate_problem_lights(qs, light_context(today=today or timezone.localdate()))


def notice_list(*, user) -> QuerySet[SupervisionNotice]:
    return SupervisionNotice.objects.select_related("target_dept").prefetch_related("projects", "problems")
