"""The milestone due kind (要件/节点): an open milestone of a live project is due on its planned date."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet

from apps.core.due import DueKind, DueKindCode
from apps.projects.due import due_values
from apps.projects.notions import is_live, live_q
from apps.workcalendar.services import WorkdayIndex

from .models import CLOSED_STATUSES, Milestone, MilestoneStatus

MILESTONE_OPEN = live_q("project__") & Q(planned_date__isnull=False) & ~Q(status__in=CLOSED_STATUSES)


def milestone_open_on(day: dt.date) -> Q:
    """Milestones open on the morning of `day`: open now, or done on or after `day`."""
    done_later = Q(status=MilestoneStatus.DONE, actual_date__gte=day)
    return live_q("project__") & Q(planned_date__isnull=False) & (~Q(status__in=CLOSED_STATUSES) | done_later)


def _milestone_is_open(m: Milestone) -> bool:
    return m.planned_date is not None and m.status not in CLOSED_STATUSES and is_live(m.project)


def _milestone_sources(
    *, today, until: dt.date, due_day: int, at: dt.date | None = None, past: bool = False, index: WorkdayIndex | None = None
) -> list[QuerySet]:
    qs = Milestone.objects.filter(milestone_open_on(today) if past else MILESTONE_OPEN, planned_date__lte=until)
    return [
        due_values(
            qs,
            project_path="project_id",
            due=F("planned_date"),
            title=F("name"),
            dept=F("responsible_dept_id"),
            own_leader=None,
            project_ref=F("project_id"),
            project_name=F("project__name"),
        )
    ]


MILESTONE = DueKind(
    DueKindCode.MILESTONE,
    "要件/节点",
    order=10,
    rule_code="milestone_due",  # apps.lights.models.RuleCode.MILESTONE_DUE (tests/lights/test_due_registry.py)
    sources=_milestone_sources,
    link_pattern="/projects/{project_ref}/#milestone-{id}",
    open_q=MILESTONE_OPEN,
    open_obj=_milestone_is_open,
    model=Milestone,
    watch=("project", "planned_date", "status", "actual_date", "name", "responsible_dept"),
)
