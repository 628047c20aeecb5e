"""Department and region rankings (单位排名): each unit's projects, open overdue and due-soon items,
on-time rate and rank.

Rules:
- A department's project count is the projects it leads (牵头单位: every figure's meaning of "a
  department's projects", apps.projects.notions); its page also lists the projects where it is 配合 or
  属地, under that label. A region's are those located in it or in one of its sub-regions (the
  `region` filter). Only live projects (not archived, not withdrawn) count.
- Open overdue (red) and due-soon (yellow) items come from the due-item registry
  (`apps.lights.overdue.due_items`), read once for every unit: an item belongs to its responsible
  department (else the project's 牵头单位), and to the region of its project and that region's parent.
- On-time rate (按期完成率): of the milestones and problems due this year before today
  (apps.milestones.notions.due_this_year_q over today's month: an item due today can still be done
  on time), the share done on or before its due date (done_on_time_q; a 不涉及 milestone is no
  obligation and is not counted). A problem is done
  on time when it is 已办结 or 已销号 and the earliest record of it — the first history row showing it
  办结/销号, or its 销号 time — falls on or before its deadline (dates in Asia/Shanghai). Items of
  withdrawn or archived projects are left out, as in the registry. No item due: no rate.
- Rank (排名): units with a rate first, by rate (exact fraction, higher first), then by fewer open
  overdue items; units with no rate after them, by fewer overdue items. Units equal on both share a
  rank and the next rank skips (1, 2, 2, 4); within a tie they are listed in the unit's own order.
  A unit with no project and no item at all is not listed.

Every figure is read by aggregate queries grouped by unit: the number of queries does not depend on
the number of units, projects or items.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate

from apps.lights.overdue import OverdueItem, due_items, lit_counts
from apps.lights.selectors import LightContext, stored_answers
from apps.milestones.models import Milestone
from apps.milestones.notions import due_this_year_q
from apps.organization.models import Department, Region
from apps.problems.models import PROBLEM_CLOSED_STATUSES, Problem
from apps.projects.due import lead_responsible
from apps.projects.models import ProjectResponsibility, ResponsibilityRole
from apps.projects.notions import FIGURE_DEPT_ROLE, live_projects, live_q
from apps.workcalendar.periods import Period

from . import formulas
from .selectors import MILESTONE_ON_TIME

DEPARTMENT = "department"
REGION = "region"
KIND_LABELS = {DEPARTMENT: "责任单位", REGION: "乡镇（街道）/园区"}


@dataclass
class UnitFigures:
    kind: str  # DEPARTMENT or REGION
    id: int
    name: str
    order: tuple = ()  # the unit's own list order (sort order, then name or code)
    project_count: int = 0
    overdue: int = 0  # open items past due (red)
    due_soon: int = 0  # open items due within their warning window (yellow)
    due_count: int = 0  # milestones and problems due this year before today
    on_time_count: int = 0  # of those, done on or before the due date
    rank: int | None = None

    @property
    def on_time(self) -> Fraction | None:
        return Fraction(self.on_time_count, self.due_count) if self.due_count else None

    @property
    def on_time_rate(self) -> Decimal | None:
        """按期完成率 in per cent (unrounded; the page rounds for display)."""
        rate = formulas.ratio(self.on_time_count, self.due_count)
        return None if rate is None else rate * formulas.HUNDRED

    @property
    def late_count(self) -> int:
        return self.due_count - self.on_time_count

    @property
    def is_listed(self) -> bool:
        return bool(self.project_count or self.overdue or self.due_soon or self.due_count)


@dataclass
class UnitBoard:
    """Both rankings of one day, and the registry items they were counted from."""

    today: dt.date
    departments: list[UnitFigures] = field(default_factory=list)
    regions: list[UnitFigures] = field(default_factory=list)
    items: list[OverdueItem] = field(default_factory=list)
    item_regions: dict[int, tuple[int, ...]] = field(default_factory=dict)  # project id → its region and the region's parent
    # Without items (`unit_board(with_items=False)`): "department" / "region" → unit id → [red, yellow].
    item_counts: dict[str, dict] = field(default_factory=dict)

    def units(self, kind: str) -> list[UnitFigures]:
        return self.departments if kind == DEPARTMENT else self.regions

    def unit(self, kind: str, pk: int) -> UnitFigures | None:
        return next((u for u in self.units(kind) if u.id == pk), None)

    def items_of(self, kind: str, pk: int) -> list[OverdueItem]:
        """The unit's open overdue and due-soon items, worst first (due_items with department= or region=)."""
        if kind == DEPARTMENT:
            return [i for i in self.items if i.department_id == pk]
        return [i for i in self.items if pk in self.item_regions.get(i.project_id, ())]


# --- the rule ------------------------------------------------------------------------------


def rank_key(unit: UnitFigures) -> tuple:
    """Sort key of the ranking: rated first, higher rate, fewer overdue items (ties share a key)."""
    rate = unit.on_time
    return (rate is None, -(rate or 0), unit.overdue)


def rank_units(units: Iterable[UnitFigures]) -> list[UnitFigures]:
    """Rank the listed units (competition ranking: 1, 2, 2, 4); unlisted units keep rank None and are dropped."""
    listed = sorted((u for u in units if u.is_listed), key=lambda u: (rank_key(u), u.order, u.id))
    previous = None
    for position, unit in enumerate(listed, start=1):
        key = rank_key(unit)
        unit.rank = listed[position - 2].rank if key == previous else position
        previous = key
    return listed


# --- the reads -----------------------------------------------------------------------------


def year_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """Due dates counted by the on-time rate: from 1 January of today's year to yesterday."""
    return Period.of(today).year_start, today


def due_milestones(today: dt.date) -> QuerySet[Milestone]:
    """Milestones due this year before today that were an obligation (不涉及 ones were not)."""
    return Milestone.objects.filter(due_this_year_q(Period.of(today), today))


def due_problems(today: dt.date) -> QuerySet[Problem]:
    """Problems whose deadline fell this year before today, annotated with `closed_day` (销号 date, local)."""
    start, end = year_window(today)
    live = Q(project__isnull=True) | live_q("project__")
    return Problem.objects.filter(live, deadline__gte=start, deadline__lt=end).annotate(closed_day=TruncDate("closed_at"))


def _problem_on_time() -> Q:
    settled_in_time = (
        Problem.history.model.objects.filter(id=OuterRef("pk"), status__in=PROBLEM_CLOSED_STATUSES)
        .annotate(day=TruncDate("history_date"))
        .filter(day__lte=OuterRef("deadline"))
    )
    return Q(status__in=PROBLEM_CLOSED_STATUSES) & (Q(closed_day__lte=F("deadline")) | Q(Exists(settled_in_time)))


def _tally(rows: Iterable[dict], keys: Sequence[str], into: dict[int, list[int]]) -> None:
    """Add each row's (due, on_time) to every unit id found under `keys` (once per unit)."""
    for row in rows:
        for unit_id in {row[k] for k in keys if row[k]}:
            into[unit_id][0] += row["due"]
            into[unit_id][1] += row["on_time"]


def _on_time_counts(kind: str, today: dt.date) -> dict[int, list[int]]:
    """unit id → [items due, done on time]: two grouped queries."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    tallies = {"due": Count("id"), "on_time": Count("id", filter=MILESTONE_ON_TIME)}
    problem_tallies = {"due": Count("id"), "on_time": Count("id", filter=_problem_on_time())}
    if kind == DEPARTMENT:
        # The registry's attribution: the item's responsible department, else the project's 牵头单位.
        lead = lead_responsible("project_id", ResponsibilityRole.LEAD_DEPT, "department_id")
        milestones = (
            due_milestones(today)
            .annotate(unit=Coalesce(F("responsible_dept_id"), lead, output_field=IntegerField()))
            .order_by()
            .values("unit")
            .annotate(**tallies)
        )
        _tally(milestones, ("unit",), counts)
        problems = due_problems(today).order_by().values("responsible_dept_id").annotate(**problem_tallies)
        _tally(problems, ("responsible_dept_id",), counts)
    else:
        keys = ("project__region_id", "project__region__parent_id")
        _tally(due_milestones(today).order_by().values(*keys).annotate(**tallies), keys, counts)
        problems = due_problems(today).filter(project__isnull=False).order_by().values(*keys).annotate(**problem_tallies)
        _tally(problems, keys, counts)
    return counts


def _project_regions() -> dict[int, tuple[int, ...]]:
    """project id → (its region, the region's parent) for projects on the list (one query)."""
    rows = live_projects().values_list("pk", "region_id", "region__parent_id")
    return {pk: tuple(r for r in (region, parent) if r) for pk, region, parent in rows}


def _department_project_counts() -> dict[int, int]:
    rows = (
        ProjectResponsibility.objects.filter(role=FIGURE_DEPT_ROLE, project__in=live_projects(), department__isnull=False)
        .order_by()
        .values("department_id")
        .annotate(n=Count("project_id", distinct=True))
    )
    return {row["department_id"]: row["n"] for row in rows}


def _region_project_counts(project_regions: dict[int, tuple[int, ...]]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for regions in project_regions.values():
        for region in set(regions):
            counts[region] += 1
    return counts


def _item_counts(items: list[OverdueItem], unit_ids) -> dict[int, list[int]]:
    """unit id → [red, yellow] for the registry items."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        for unit_id in set(unit_ids(item)):
            counts[unit_id][0 if item.light == "red" else 1] += 1
    return counts


def _figures(kind: str, units, project_counts, item_counts, on_time) -> list[UnitFigures]:
    result = []
    for unit, order in units:
        red, yellow = item_counts.get(unit.pk, (0, 0))
        due, in_time = on_time.get(unit.pk, (0, 0))
        result.append(
            UnitFigures(
                kind=kind,
                id=unit.pk,
                name=unit.name,
                order=order,
                project_count=project_counts.get(unit.pk, 0),
                overdue=red,
                due_soon=yellow,
                due_count=due,
                on_time_count=in_time,
            )
        )
    return rank_units(result)


def unit_board(*, ctx: LightContext, with_items: bool = True) -> UnitBoard:
    """Both rankings for `ctx.today`, in a constant number of queries (the registry is read once).
    `with_items=False` (the 驾驶舱): the rankings only, their item counts grouped in SQL over the stored
    items (`lit_counts`) when they answer for the day, and `items` left empty."""
    today = ctx.today
    counted = not with_items and stored_answers(ctx)
    items = [] if counted else due_items(ctx=ctx)
    project_regions = _project_regions()
    departments = [(d, (d.sort_order, d.name)) for d in Department.objects.all()]
    regions = [(r, (r.sort_order, r.code)) for r in Region.objects.filter(parent__isnull=False)]
    board = UnitBoard(today=today, items=items, item_regions=project_regions)
    if counted:
        board.item_counts = {DEPARTMENT: lit_counts(ctx, "department"), REGION: lit_counts(ctx, "region")}
    board.departments = _figures(
        DEPARTMENT,
        departments,
        _department_project_counts(),
        board.item_counts[DEPARTMENT] if counted else _item_counts(items, lambda i: [i.department_id] if i.department_id else []),
        _on_time_counts(DEPARTMENT, today),
    )
    board.regions = _figures(
        REGION,
        regions,
        _region_project_counts(project_regions),
        board.item_counts[REGION] if counted else _item_counts(items, lambda i: project_regions.get(i.project_id, ())),
        _on_time_counts(REGION, today),
    )
    return board
