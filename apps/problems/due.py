"""The problem due kind (问题): an open problem is due on its deadline (解决时限); a problem raised for a
whole area has no project."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet

from apps.core.due import DueKind, DueKindCode
from apps.projects.due import due_values, start_of
from apps.projects.notions import is_live, live_q
from apps.workcalendar.services import WorkdayIndex

from .models import PROBLEM_CLOSED_STATUSES, Problem

PROBLEM_OPEN = (Q(project__isnull=True) | live_q("project__")) & Q(deadline__isnull=False) & ~Q(status__in=PROBLEM_CLOSED_STATUSES)


def problem_open_on(day: dt.date) -> Q:
    """Problems open on the morning of `day`: raised before it, and open now or settled on or after it."""
    settled_later = Q(status__in=PROBLEM_CLOSED_STATUSES, resolved_at__gte=start_of(day))
    live = Q(project__isnull=True) | live_q("project__")
    return live & Q(deadline__isnull=False, raised_on__lt=day) & (~Q(status__in=PROBLEM_CLOSED_STATUSES) | settled_later)


def _problem_is_open(p: Problem) -> bool:
    live = p.project is None or is_live(p.project)
    return p.deadline is not None and p.status not in PROBLEM_CLOSED_STATUSES and live


def _problem_sources(
    *, today, until: dt.date, due_day: int, at: dt.date | None = None, past: bool = False, index: WorkdayIndex | None = None
) -> list[QuerySet]:
    qs = Problem.objects.filter(problem_open_on(today) if past else PROBLEM_OPEN, deadline__lte=until)
    return [
        due_values(
            qs,
            project_path="project_id",
            due=F("deadline"),
            title=F("description"),
            dept=F("responsible_dept_id"),
            own_leader=F("coordinating_leader_id"),
            project_ref=F("project_id"),
            project_name=F("project__name"),
        )
    ]


PROBLEM = DueKind(
    DueKindCode.PROBLEM,
    "问题",
    order=20,
    rule_code="problem_due",  # apps.lights.models.RuleCode.PROBLEM_DUE (tests/lights/test_due_registry.py)
    sources=_problem_sources,
    link_pattern="/projects/{project_ref}/#problem-{id}",
    open_q=PROBLEM_OPEN,
    open_obj=_problem_is_open,
    model=Problem,
    watch=("project", "deadline", "status", "raised_on", "description", "responsible_dept", "coordinating_leader"),
)
