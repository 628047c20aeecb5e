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
import operator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import LessThan, LessThanOrEqual

from apps.core.models import LIGHT_RANK, RANK_LIGHT, Light
from apps.milestones.models import Milestone
from apps.problems.models import Problem
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import AnnualPlan
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
    """The lights of a month's statistics. The latest report period (last month) and later: today's
    lights, as the 驾驶舱 and the lists show them. An earlier month: the lights as they stood at its
    end — on the morning after its last day, with what was open then and that month's investment."""
    if (year, month) >= report_period(today):
        return light_context(today=today)
    return light_context(today=dt.date(year + (month == 12), month % 12 + 1, 1), past=True)


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


def _items_rank(code: str, ctx: LightContext):
    """2 when the project has an open item of this kind past due, 1 when one is due soon."""
    if not ctx.windows[code].enabled:
        return Value(0, output_field=IntegerField())
    sources = KINDS[code].sources(today=ctx.today, until=ctx.limits[code], due_day=ctx.report_due_day, past=ctx.past)
    if not sources:
        return Value(0, output_field=IntegerField())
    red = reduce(operator.or_, [Q(Exists(s.filter(project_ref=OuterRef("pk"), due__lt=ctx.today))) for s in sources])
    yellow = reduce(operator.or_, [Q(Exists(s.filter(project_ref=OuterRef("pk"), due__gte=ctx.today))) for s in sources])
    return Case(When(red, then=Value(2)), When(yellow, then=Value(1)), default=Value(0), output_field=IntegerField())


def annotate_project_lights(qs: QuerySet, ctx: LightContext) -> QuerySet:
    """Adds `ytd_completed`, `period_plan`, the three partial ranks, `light_rank` and `light` to projects."""
    money = DecimalField(max_digits=16, decimal_places=2)
    plans = AnnualPlan.objects.filter(project=OuterRef("pk"), year=ctx.period_year).values("annual_plan")[:1]
    ytd = (
        ProgressReport.objects.filter(
            project=OuterRef("pk"),
            year=ctx.period_year,
            month__lte=ctx.period_month,
            status=ReportStatus.APPROVED,
        )
        .values("project")
        .annotate(total=Sum("period_completed"))
        .values("total")
    )
    qs = qs.annotate(
        period_plan=Subquery(plans, output_field=money),
        ytd_completed=Coalesce(Subquery(ytd, output_field=money), Value(Decimal("0")), output_field=money),
        **{f"{code}_rank": _items_rank(code, ctx) for code in KINDS},
    )
    t = ctx.investment
    m = Decimal(ctx.period_month)
    if t.enabled and ctx.period_month > 0:
        # behind > R  <=>  1200 * ytd < (100m - 12R) * plan   (plan > 0): no division in SQL,
        # so PostgreSQL's exact numeric decides the boundary cases exactly as Python's Decimal does.
        k_yellow = m * 100 - 12 * t.yellow_gap_points
        k_red = m * 100 - 12 * t.red_gap_points
        ytd_x1200 = F("ytd_completed") * Value(Decimal("1200"), output_field=money)
        investment_rank = Case(
            When(period_plan__isnull=True, then=Value(0)),
            When(period_plan__lte=0, then=Value(0)),
            When(LessThan(ytd_x1200, F("period_plan") * Value(k_red, output_field=money)), then=Value(2)),
            When(LessThanOrEqual(ytd_x1200, F("period_plan") * Value(k_yellow, output_field=money)), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    else:
        investment_rank = Value(0, output_field=IntegerField())
    return (
        qs.annotate(investment_rank=investment_rank)
        .annotate(light_rank=Greatest(*(f"{code}_rank" for code in KINDS), "investment_rank", output_field=IntegerField()))
        .annotate(light=_rank_to_light("light_rank"))
    )


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
