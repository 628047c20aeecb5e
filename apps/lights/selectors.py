"""Red/yellow/green lights of milestones, problems and projects (DESIGN.md §4).

Rules:
- A milestone or problem is red when past due and not done, yellow when due on or before the
  N-th working day from today (N from the rule row, default 7), green otherwise.
- A project's investment is yellow when it is `yellow_gap_points` (default 10) or more behind
  序时进度, red when more than `red_gap_points` (default 30) behind.
- A project's light is the worst of its investment light and the lights of its open due items
  (milestones, problems, planned start, unfiled monthly report — whatever `due.KINDS` lists).
- Which items are open, and their due dates, come from the due-item registry (`apps.lights.due`).

Each light exists twice: a plain function for one object, and a queryset annotation (`light`)
that keeps list pages at a constant number of queries. Tests hold the two to the same answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DecimalField,
    IntegerField,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from apps.core.models import LIGHT_RANK, RANK_LIGHT, Light
from apps.milestones.models import Milestone
from apps.problems.models import Problem
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import AnnualPlan
from apps.workcalendar.periods import Period
from apps.workcalendar.services import WorkdayIndex

from .due import KINDS, DueKindCode
from .models import RuleCode, WarningRule

DEFAULTS = {
    RuleCode.MILESTONE_DUE: {"name": "要件/节点到期", "due_soon_working_days": 7},
    RuleCode.PROBLEM_DUE: {"name": "问题解决时限", "due_soon_working_days": 7},
    RuleCode.PROJECT_INVESTMENT: {"name": "投资进度与序时进度", "yellow_gap_points": Decimal("10"), "red_gap_points": Decimal("30")},
    RuleCode.REPORT_FILING: {"name": "月报报送", "due_soon_working_days": 3, "report_due_day": 5},
    RuleCode.START_DUE: {"name": "计划开工", "due_soon_working_days": 7},
}


@dataclass(frozen=True)
class Thresholds:
    enabled: bool
    due_soon_working_days: int
    yellow_gap_points: Decimal
    red_gap_points: Decimal
    report_due_day: int = 5


def rule_thresholds(code: str) -> Thresholds:
    """The thresholds of a rule row, or the DESIGN.md defaults when the office has none."""
    return _thresholds(WarningRule.objects.filter(code=code).first() or WarningRule(code=code, **DEFAULTS[RuleCode(code)]))


def all_thresholds() -> dict[str, Thresholds]:
    """Every rule's thresholds in one query (defaults for rules the office has not entered)."""
    rows = {rule.code: rule for rule in WarningRule.objects.all()}
    return {code: _thresholds(rows.get(code) or WarningRule(code=code, **DEFAULTS[code])) for code in RuleCode}


def _thresholds(rule: WarningRule) -> Thresholds:
    return Thresholds(
        enabled=rule.enabled,
        due_soon_working_days=rule.due_soon_working_days,
        yellow_gap_points=Decimal(rule.yellow_gap_points),
        red_gap_points=Decimal(rule.red_gap_points),
        report_due_day=rule.report_due_day,
    )


@dataclass(frozen=True)
class LightContext:
    """Everything a light depends on besides the row itself, computed once per request."""

    today: dt.date
    milestone: Thresholds
    problem: Thresholds
    investment: Thresholds
    milestone_limit: dt.date
    problem_limit: dt.date
    period_year: int
    period_month: int  # 0 in January of the first year: no investment light yet
    report_due_day: int = 5
    # Per due-item kind (apps.lights.due.KINDS): its rule, and the last due date that is "due soon".
    windows: dict[str, Thresholds] = field(default_factory=dict)
    limits: dict[str, dt.date] = field(default_factory=dict)
    # The lights as they stood on the morning of `today`, a day gone by (items settled since count open).
    past: bool = False


def report_period(today: dt.date) -> tuple[int, int]:
    """The latest month whose report is due: the month before `today`'s month."""
    if today.month == 1:
        return today.year - 1, 12
    return today.year, today.month - 1


def light_context(*, today: dt.date, past: bool = False) -> LightContext:
    """Rules and due-soon limits for `today` (three queries, independent of row count). With
    `past=True`, the lights as they stood on the morning of `today`, a day gone by."""
    rules = all_thresholds()
    windows = {code: rules[kind.rule_code] for code, kind in KINDS.items()}
    span = max(t.due_soon_working_days for t in windows.values())
    index = WorkdayIndex(today, today + dt.timedelta(days=3 * span + 30))
    # "Due within N working days": every date d with working days in (today, d] <= N, so a
    # deadline on the weekend after the N-th working day is due soon too (the sweep's horizon).
    limits = {code: index.horizon(today, t.due_soon_working_days) for code, t in windows.items()}
    year, month = report_period(today)
    return LightContext(
        today=today,
        milestone=windows[DueKindCode.MILESTONE],
        problem=windows[DueKindCode.PROBLEM],
        investment=rules[RuleCode.PROJECT_INVESTMENT],
        milestone_limit=limits[DueKindCode.MILESTONE],
        problem_limit=limits[DueKindCode.PROBLEM],
        period_year=year,
        period_month=month,
        report_due_day=rules[RuleCode.REPORT_FILING].report_due_day,
        windows=windows,
        limits=limits,
        past=past,
    )


def period_light_context(*, year: int, month: int, today: dt.date) -> LightContext:
    """The lights of a month's figures (statistics, 通报, scoring, the month close). A month that is
    over: the lights as they stood at its end — on the morning after its last day, with what was open
    then and that month's investment — whatever day the figures are asked for, so a 通报 "统计截至11月30日"
    never shows December's lights. The month still running: today's lights."""
    period = Period(year, month)
    if today <= period.last_day:
        return light_context(today=today)
    return light_context(today=period.next.first_day, past=True)


# --- single objects ----------------------------------------------------------------------


def date_light(*, due: dt.date | None, closed: bool, today: dt.date, limit: dt.date, enabled: bool = True) -> Light:
    """Red past due and open; yellow due on or before `limit`; green otherwise."""
    if not enabled or closed or due is None:
        return Light.GREEN
    if due < today:
        return Light.RED
    if due <= limit:
        return Light.YELLOW
    return Light.GREEN


def milestone_light(milestone: Milestone, ctx: LightContext) -> Light:
    return date_light(
        due=milestone.planned_date,
        closed=not KINDS[DueKindCode.MILESTONE].open_obj(milestone),
        today=ctx.today,
        limit=ctx.milestone_limit,
        enabled=ctx.milestone.enabled,
    )


def problem_light(problem: Problem, ctx: LightContext) -> Light:
    return date_light(
        due=problem.deadline,
        closed=not KINDS[DueKindCode.PROBLEM].open_obj(problem),
        today=ctx.today,
        limit=ctx.problem_limit,
        enabled=ctx.problem.enabled,
    )


def investment_light(*, ytd_completed: Decimal, annual_plan: Decimal | None, month: int, thresholds: Thresholds) -> Light:
    """Yellow `yellow_gap_points` or more behind 序时进度 (month/12), red more than `red_gap_points` behind."""
    if not thresholds.enabled or not annual_plan or month <= 0:
        return Light.GREEN
    behind = Decimal(month) * 100 / 12 - Decimal(ytd_completed) * 100 / Decimal(annual_plan)
    if behind > thresholds.red_gap_points:
        return Light.RED
    if behind >= thresholds.yellow_gap_points:
        return Light.YELLOW
    return Light.GREEN


def worst(*lights: Light) -> Light:
    return RANK_LIGHT[max((LIGHT_RANK[Light(x)] for x in lights), default=0)]


# --- querysets ----------------------------------------------------------------------------


def _rank_to_light(rank_field: str) -> Case:
    return Case(
        When(**{rank_field: 2}, then=Value(Light.RED.value)),
        When(**{rank_field: 1}, then=Value(Light.YELLOW.value)),
        default=Value(Light.GREEN.value),
    )


def _date_rank(date_field: str, code: str, t: Thresholds, today: dt.date, limit: dt.date) -> Case | Value:
    if not t.enabled:
        return Value(0, output_field=IntegerField())
    return Case(
        When(~KINDS[code].open_q, then=Value(0)),
        When(**{f"{date_field}__lt": today}, then=Value(2)),
        When(**{f"{date_field}__lte": limit}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def annotate_milestone_lights(qs: QuerySet[Milestone], ctx: LightContext) -> QuerySet[Milestone]:
    """Adds `light_rank` (0/1/2) and `light` ("green"/"yellow"/"red")."""
    rank = _date_rank("planned_date", DueKindCode.MILESTONE, ctx.milestone, ctx.today, ctx.milestone_limit)
    return qs.annotate(light_rank=rank).annotate(light=_rank_to_light("light_rank"))


def annotate_problem_lights(qs: QuerySet[Problem], ctx: LightContext) -> QuerySet[Problem]:
    """Adds `light_rank` (0/1/2) and `light` ("green"/"yellow"/"red")."""
    rank = _date_rank("deadline", DueKindCode.PROBLEM, ctx.problem, ctx.today, ctx.problem_limit)
    return qs.annotate(light_rank=rank).annotate(light=_rank_to_light("light_rank"))


@dataclass(frozen=True)
class ProjectRanks:
    """Which projects are red or yellow, which have an item past due (the `overdue` filter), and the
    partial ranks behind each light (`parts[pk]`: a due-item kind or "investment" → 2 red, 1 yellow)."""

    red: frozenset[int]
    yellow: frozenset[int]
    items_overdue: frozenset[int]
    parts: dict[int, dict[str, int]] = field(default_factory=dict)

    def rank(self, pk: int) -> int:
        return 2 if pk in self.red else 1 if pk in self.yellow else 0


INVESTMENT = "investment"


def _item_ranks(ctx: LightContext, project_ids: Collection[int] | QuerySet | None) -> dict[int, dict[str, int]]:
    """Each project's rank per due-item kind: 2 with an open item past due, 1 with one due soon."""
    parts = []
    for code, kind in KINDS.items():
        if not ctx.windows[code].enabled:
            continue
        for source in kind.sources(today=ctx.today, until=ctx.limits[code], due_day=ctx.report_due_day, past=ctx.past):
            if project_ids is not None:
                source = source.filter(project_ref__in=project_ids)
            # Each source grouped by project: its earliest due date says red or yellow.
            kind_value = Value(code, output_field=CharField())
            grouped = source.order_by().annotate(kind=kind_value).values_list("kind", "project_ref").annotate(first=Min("due"))
            parts.append(grouped.filter(project_ref__isnull=False))
    ranks: dict[int, dict[str, int]] = {}
    if not parts:
        return ranks
    # One query for every kind and report period: UNION ALL of the grouped sources.
    for code, pk, first in parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]:
        mine = ranks.setdefault(pk, {})
        mine[code] = max(mine.get(code, 0), 2 if first < ctx.today else 1)
    return ranks


def _investment_ranks(ctx: LightContext, project_ids: Collection[int] | QuerySet | None) -> dict[int, int]:
    """Each project's investment rank (2 red, 1 yellow) from its plan and approved reports."""
    t = ctx.investment
    if not t.enabled or ctx.period_month <= 0:
        return {}
    plans = AnnualPlan.objects.filter(year=ctx.period_year, annual_plan__gt=0)
    reports = ProgressReport.objects.filter(year=ctx.period_year, month__lte=ctx.period_month, status=ReportStatus.APPROVED)
    if project_ids is not None:
        plans, reports = plans.filter(project_id__in=project_ids), reports.filter(project_id__in=project_ids)
    ytd = dict(reports.order_by().values_list("project_id").annotate(total=Sum("period_completed")))
    m = Decimal(ctx.period_month)
    # behind > R  <=>  1200 * ytd < (100m - 12R) * plan   (plan > 0): no division, so the boundary is
    # exact, as it is for `investment_light`'s Decimal arithmetic on one project.
    k_red, k_yellow = m * 100 - 12 * t.red_gap_points, m * 100 - 12 * t.yellow_gap_points
    ranks = {}
    for pk, plan in plans.order_by().values_list("project_id", "annual_plan"):
        done = 1200 * (ytd.get(pk) or Decimal("0"))
        if done < plan * k_red:
            ranks[pk] = 2
        elif done <= plan * k_yellow:
            ranks[pk] = 1
    return ranks


def project_ranks(ctx: LightContext, project_ids: Collection[int] | QuerySet | None = None) -> ProjectRanks:
    """The lights of many projects (all, or `project_ids`) in a fixed number of plain queries: one for
    every due-item source together and two for investment. A project's light is the worst of its
    investment light and the lights of its open due items."""
    parts = _item_ranks(ctx, project_ids)
    for pk, rank in _investment_ranks(ctx, project_ids).items():
        parts.setdefault(pk, {})[INVESTMENT] = rank
    red = frozenset(pk for pk, mine in parts.items() if max(mine.values()) == 2)
    yellow = frozenset(pk for pk, mine in parts.items() if max(mine.values()) == 1)
    overdue = frozenset(pk for pk, mine in parts.items() if any(r == 2 for code, r in mine.items() if code != INVESTMENT))
    return ProjectRanks(red, yellow, overdue, parts)


def annotate_period_figures(qs: QuerySet, ctx: LightContext) -> QuerySet:
    """Adds `period_plan` (the report year's annual plan) and `ytd_completed` (approved, months 1..M)."""
    money = DecimalField(max_digits=16, decimal_places=2)
    # order_by(): AnnualPlan.Meta.ordering would add a join and a sort to every row's subquery.
    plans = AnnualPlan.objects.filter(project=OuterRef("pk"), year=ctx.period_year).order_by().values("annual_plan")[:1]
    ytd = (
        ProgressReport.objects.filter(
            project=OuterRef("pk"), year=ctx.period_year, month__lte=ctx.period_month, status=ReportStatus.APPROVED
        )
        .order_by()
        .values("project")
        .annotate(total=Sum("period_completed"))
        .values("total")
    )
    return qs.annotate(
        period_plan=Subquery(plans, output_field=money),
        ytd_completed=Coalesce(Subquery(ytd, output_field=money), Value(Decimal("0")), output_field=money),
    )


def annotate_project_lights(qs: QuerySet, ctx: LightContext, ranks: ProjectRanks | None = None) -> QuerySet:
    """Adds `period_plan`, `ytd_completed`, `light_rank`, `light` and `items_overdue` to projects, so
    that lists can filter and sort on the light. The lights are worked out first (`project_ranks`)
    and enter the query as id lists: the expression tree of the lights, inlined at each reference,
    made the SQL 14–20 KB per page and its compilation the larger part of a request."""
    # Only the projects of `qs` (a subquery): a dossier or one region's export asks the database
    # for its own projects' lights, not the whole portfolio's.
    ranks = ranks if ranks is not None else project_ranks(ctx, qs.order_by().values("pk"))
    red, yellow = sorted(ranks.red), sorted(ranks.yellow)
    rank = Case(When(pk__in=red, then=Value(2)), When(pk__in=yellow, then=Value(1)), default=Value(0), output_field=IntegerField())
    light = Case(
        When(pk__in=red, then=Value(Light.RED.value)),
        When(pk__in=yellow, then=Value(Light.YELLOW.value)),
        default=Value(Light.GREEN.value),
        output_field=CharField(),
    )
    overdue = Case(When(pk__in=sorted(ranks.items_overdue), then=Value(True)), default=Value(False), output_field=BooleanField())
    return annotate_period_figures(qs, ctx).annotate(light_rank=rank, light=light, items_overdue=overdue)


def attach_project_lights(projects: Iterable, ctx: LightContext) -> list:
    """Sets `light_rank` and `light` on loaded projects (a page), in a fixed number of queries
    whatever the page size — the page's lights without working out the whole portfolio's."""
    projects = list(projects)
    missing = [p for p in projects if not hasattr(p, "light_rank")]
    if missing:
        ranks = project_ranks(ctx, [p.pk for p in missing])
        for p in missing:
            p.light_rank = ranks.rank(p.pk)
            p.light = RANK_LIGHT[p.light_rank].value
    return projects


def project_light(project, ctx: LightContext) -> Light:
    """The light of one project, computed object by object (used to check the annotation)."""
    plan = AnnualPlan.objects.filter(project=project, year=ctx.period_year).first()
    ytd = ProgressReport.objects.filter(
        project=project, year=ctx.period_year, month__lte=ctx.period_month, status=ReportStatus.APPROVED
    ).aggregate(total=Sum("period_completed"))["total"] or Decimal("0")
    lights = [
        investment_light(
            ytd_completed=ytd,
            annual_plan=plan.annual_plan if plan else None,
            month=ctx.period_month,
            thresholds=ctx.investment,
        )
    ]
    lights += [milestone_light(m, ctx) for m in project.milestones.all()]
    lights += [problem_light(p, ctx) for p in project.problems.all()]
    for code in (DueKindCode.START, DueKindCode.REPORT):  # kinds with no row of their own
        if not ctx.windows[code].enabled:
            continue
        sources = KINDS[code].sources(today=ctx.today, until=ctx.limits[code], due_day=ctx.report_due_day)
        for due in (d for s in sources for d in s.filter(id=project.pk).values_list("due", flat=True)):
            lights.append(date_light(due=due, closed=False, today=ctx.today, limit=ctx.limits[code]))
    return worst(*lights)
