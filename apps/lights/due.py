"""Reading what is due: the due-item registry (`apps.core.due`: each domain app registers its kinds)
narrowed to a leader, a department or a region, and the office's monthly due day.

The overdue list, a leader's list, the lights, the reminder sweep, the leader digest and the send
task's settled check all read the registry's kinds (`apps.core.due.kinds()`), so they cannot
disagree. An item belongs to a leader when the leader is its own leader or a 包保领导 of its project.

What counts as live, started, a report period and its deadline comes from the notions
(`apps.projects.notions`, `apps.workcalendar.periods`) through the kinds. How long an item stays
yellow past its due date is the lights' business (`apps.lights.selectors`), not the registry's: an
item past due is overdue here.

`past=True` asks for the items as they stood on the morning of `today` (a date gone by: the lights of
an earlier month): an item settled on or after `today` (a milestone done later, a problem resolved
later, a report submitted later, a project started later) counts as open then.

"Due soon" is the kind's warning-rule window (lists, lights, the digest); a kind whose warning rule
is switched off is due for nobody. Reminders fire by their own rule's steps: the sweep reads the
same items up to its earliest "before" step, so with the default windows (7 working days; 3 for
reports) it reads exactly the overdue list's items.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.core.due import DEFAULT_DUE_DAY, kinds
from apps.projects.models import Project, ProjectResponsibility, ResponsibilityRole
from apps.workcalendar.services import WorkdayIndex

from .models import RuleCode, WarningRule


def report_due_day() -> int:
    """The 月报报送 rule's due day (one query; the default when the office has no row). Handed to the
    registry at start-up (`LightsConfig.ready`), which reads it for the kinds of a period."""
    day = WarningRule.objects.filter(code=RuleCode.REPORT_FILING).values_list("report_due_day", flat=True).first()
    return day or DEFAULT_DUE_DAY


def leader_q(leader_id: int) -> Q:
    """Rows (ROW_KEYS) that belong to a leader: its own items, or items of projects it leads."""
    # An uncorrelated IN (subquery): PostgreSQL hashes the leader's projects once, where a
    # correlated EXISTS was run row by row over every open item (3 s against 43 000 items).
    leads = ProjectResponsibility.objects.filter(role=ResponsibilityRole.LEAD_LEADER, leader_id=leader_id).values("project_id")
    return Q(own_leader_ref=leader_id) | Q(project_ref__in=leads)


def region_q(region_id: int) -> Q:
    in_region = Project.objects.filter(Q(region_id=region_id) | Q(region__parent_id=region_id), pk=OuterRef("project_ref"))
    return Q(Exists(in_region))


def due_rows(
    code: str,
    *,
    today: dt.date,
    until: dt.date,
    due_day: int,
    leader: int | None = None,
    department: int | None = None,
    region: int | None = None,
    past: bool = False,
    index: WorkdayIndex | None = None,
) -> list[QuerySet]:
    """The open rows of one kind due on or before `until`, narrowed to a leader, department or region
    (with `past`, as they stood on the morning of `today`, a day gone by)."""
    sources = kinds()[code].sources(today=today, until=until, due_day=due_day, past=past, index=index)
    narrowed = []
    for qs in sources:
        if leader:
            qs = qs.filter(leader_q(leader))
        if department:
            qs = qs.filter(dept_ref=department)
        if region:
            qs = qs.filter(region_q(region))
        narrowed.append(qs)
    return narrowed


def project_leaders(project_ids: set[int]) -> dict[int, list[int]]:
    """Each project's 包保领导 ids (one query)."""
    result: dict[int, list[int]] = {}
    rows = ProjectResponsibility.objects.filter(
        project_id__in=project_ids, role=ResponsibilityRole.LEAD_LEADER, leader_id__isnull=False
    ).values_list("project_id", "leader_id")
    for project_id, leader_id in rows.order_by("id"):
        result.setdefault(project_id, []).append(leader_id)
    return result


def item_leaders(row: dict, leaders_of_project: dict[int, list[int]]) -> list[int]:
    """The leaders an item belongs to (the same rule as `leader_q`)."""
    ids = list(leaders_of_project.get(row["project_ref"], ()))
    if row["own_leader_ref"] and row["own_leader_ref"] not in ids:
        ids.append(row["own_leader_ref"])
    return ids
