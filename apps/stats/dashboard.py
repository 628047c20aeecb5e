"""The figures of the 驾驶舱 that `selectors.portfolio_figures` does not give: the month-by-month
series against the plan, lights by category, and where the open overdue items sit (department,
leader). Each function runs a fixed number of queries, whatever the size of the portfolio."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum

from apps.lights.overdue import OverdueItem, lit_counts
from apps.lights.selectors import LightContext, stored_answers
from apps.organization.models import Department, Leader
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import MonthlyTarget, Project
from apps.workcalendar.periods import Period

from .selectors import active_projects, portfolio_groups
from .units import DEPARTMENT, UnitBoard, unit_board

ZERO = Decimal("0")


@dataclass
class MonthPoint:
    month: int
    plan: Decimal  # Σ 月度计划投资 of that month
    completed: Decimal  # Σ approved 本月完成投资 of that month
    plan_cumulative: Decimal
    completed_cumulative: Decimal


def monthly_series(*, year: int, projects: QuerySet[Project] | None = None) -> list[MonthPoint]:
    """Twelve months of the year: monthly plan targets against approved completions, and running totals."""
    projects = active_projects() if projects is None else projects
    plan = dict(
        MonthlyTarget.objects.filter(plan__year=year, plan__project__in=projects)
        .order_by()
        .values_list("month")
        .annotate(s=Sum("plan_investment"))
    )
    done = dict(
        ProgressReport.objects.filter(project__in=projects, year=year, status=ReportStatus.APPROVED)
        .order_by()
        .values_list("month")
        .annotate(s=Sum("period_completed"))
    )
    points, plan_cum, done_cum = [], ZERO, ZERO
    for month in range(1, 13):
        p, d = Decimal(plan.get(month) or 0), Decimal(done.get(month) or 0)
        plan_cum += p
        done_cum += d
        points.append(MonthPoint(month, p, d, plan_cum, done_cum))
    return points


@dataclass
class CategoryLights:
    category: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def lights_by_category(*, today: dt.date, projects: QuerySet[Project] | None = None) -> list[CategoryLights]:
    """Today's project lights counted per category, in the categories' own order: the light counts
    of the running month's figures, whose lights are today's (`period_light_context`) — one GROUP BY
    over its stored rows (apps.stats.live), not the lights of every project worked out again."""
    period = Period.of(today)
    groups = portfolio_groups(group_by="category", year=period.year, month=period.month, today=today, projects=projects)
    return [CategoryLights(label, dict(figures.lights)) for _, label, figures in groups]


@dataclass
class ItemTally:
    key: int | None
    name: str
    red: int = 0
    yellow: int = 0

    @property
    def total(self) -> int:
        return self.red + self.yellow


def _sorted(tallies: dict) -> list[ItemTally]:
    return sorted(tallies.values(), key=lambda t: (-t.red, -t.yellow, t.name))


def items_by_department(items: list[OverdueItem]) -> list[ItemTally]:
    """Open overdue (red) and due-soon (yellow) items per responsible department, worst first.
    Items with no department of their own (a planned start, a report) count under 未明确责任单位."""
    tallies: dict = {}
    for item in items:
        t = tallies.setdefault(item.department_id, ItemTally(item.department_id, item.department_name or "未明确责任单位"))
        if item.light in ("red", "yellow"):
            setattr(t, item.light, getattr(t, item.light) + 1)
    return _sorted(tallies)


def items_by_leader(items: list[OverdueItem]) -> list[ItemTally]:
    """The same items per 包保领导: an item counts for every leader it belongs to (DESIGN.md §4)."""
    ids = {pk for item in items for pk in item.leader_ids}
    names = dict(Leader.objects.filter(pk__in=ids).values_list("pk", "position")) if ids else {}
    tallies: dict = {}
    for item in items:
        for pk in item.leader_ids:
            t = tallies.setdefault(pk, ItemTally(pk, names.get(pk, "")))
            if item.light in ("red", "yellow"):
                setattr(t, item.light, getattr(t, item.light) + 1)
    return _sorted(tallies)


def counted_by_department(counts: dict[int | None, list[int]]) -> list[ItemTally]:
    """`items_by_department` from the counts of `apps.lights.overdue.lit_counts(ctx, "department")`."""
    names = dict(Department.objects.filter(pk__in=[pk for pk in counts if pk]).values_list("pk", "name"))
    return _sorted({pk: ItemTally(pk, names.get(pk) or "未明确责任单位", red, yellow) for pk, (red, yellow) in counts.items()})


def counted_by_leader(counts: dict[int | None, list[int]]) -> list[ItemTally]:
    """`items_by_leader` from the counts of `apps.lights.overdue.lit_counts(ctx, "leader")`."""
    names = dict(Leader.objects.filter(pk__in=[pk for pk in counts if pk]).values_list("pk", "position"))
    return _sorted({pk: ItemTally(pk, names.get(pk, ""), red, yellow) for pk, (red, yellow) in counts.items()})


def item_tables(ctx: LightContext) -> tuple[UnitBoard, list[ItemTally], list[ItemTally]]:
    """The unit ranking and the open items per 责任单位 and per 包保领导 for `ctx.today`: counted in
    SQL over the stored items when they answer for the day (the department counts read once, for
    the ranking and the table), else from the registry's items read once, live."""
    if stored_answers(ctx):
        board = unit_board(ctx=ctx, with_items=False)
        return board, counted_by_department(board.item_counts[DEPARTMENT]), counted_by_leader(lit_counts(ctx, "leader"))
    board = unit_board(ctx=ctx)
    return board, items_by_department(board.items), items_by_leader(board.items)
