"""Red/yellow/green lights of milestones, problems and projects (DESIGN.md §4).

Rules:
- A milestone or problem is red when past due and not done, yellow when due on or before the
  N-th working day from today (N from the rule row, default 7), green otherwise.
- A project's investment is yellow when it is `yellow_gap_points` (default 10) or more behind
  序时进度, red when more than `red_gap_points` (default 30) behind.
- A project's light is the worst of its investment light and its open milestones' and problems' lights.

Each light exists twice: a plain function for one object, and a queryset annotation (`light`)
that keeps list pages at a constant number of queries. Tests hold the two to the same answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import LessThan, LessThanOrEqual

from apps.core.models import LIGHT_RANK, RANK_LIGHT, Light
from apps.milestones.models import CLOSED_STATUSES, Milestone
from apps.problems.models import PROBLEM_CLOSED_STATUSES, Problem
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import AnnualPlan
from apps.workcalendar.services import add_working_days

from .models import RuleCode, WarningRule

DEFAULTS = {
    RuleCode.MILESTONE_DUE: {"name": "要件/节点到期", "due_soon_working_days": 7},
    RuleCode.PROBLEM_DUE: {"name": "问题解决时限", "due_soon_working_days": 7},
    RuleCode.PROJECT_INVESTMENT: {"name": "投资进度与序时进度", "yellow_gap_points": Decimal("10"), "red_gap_points": Decimal("30")},
    RuleCode.REPORT_FILING: {"name": "月报报送", "due_soon_working_days": 3, "report_due_day": 5},
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
    rule = WarningRule.objects.filter(code=code).first()
    if rule is None:
        rule = WarningRule(code=code, **DEFAULTS[RuleCode(code)])
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


def report_period(today: dt.date) -> tuple[int, int]:
    """The latest month whose report is due: the month before `today`'s month."""
    if today.month == 1:
        return today.year - 1, 12
    return today.year, today.month - 1


def light_context(*, today: dt.date) -> LightContext:
    """Rules and due-soon limits for `today` (a handful of queries, independent of row count)."""
    milestone = rule_thresholds(RuleCode.MILESTONE_DUE)
    problem = rule_thresholds(RuleCode.PROBLEM_DUE)
    investment = rule_thresholds(RuleCode.PROJECT_INVESTMENT)
    year, month = report_period(today)
    return LightContext(
        today=today,
        milestone=milestone,
        problem=problem,
        investment=investment,
        milestone_limit=add_working_days(start=today, days=milestone.due_soon_working_days),
        problem_limit=add_working_days(start=today, days=problem.due_soon_working_days),
        period_year=year,
        period_month=month,
    )


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
        closed=milestone.status in CLOSED_STATUSES,
        today=ctx.today,
        limit=ctx.milestone_limit,
        enabled=ctx.milestone.enabled,
    )


def problem_light(problem: Problem, ctx: LightContext) -> Light:
    return date_light(
        due=problem.deadline,
        closed=problem.status in PROBLEM_CLOSED_STATUSES,
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


def _date_rank(date_field: str, closed_statuses: tuple, t: Thresholds, today: dt.date, limit: dt.date) -> Case | Value:
    if not t.enabled:
        return Value(0, output_field=IntegerField())
    return Case(
        When(status__in=closed_statuses, then=Value(0)),
        When(**{f"{date_field}__lt": today}, then=Value(2)),
        When(**{f"{date_field}__lte": limit}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def annotate_milestone_lights(qs: QuerySet[Milestone], ctx: LightContext) -> QuerySet[Milestone]:
    """Adds `light_rank` (0/1/2) and `light` ("green"/"yellow"/"red")."""
    rank = _date_rank("planned_date", CLOSED_STATUSES, ctx.milestone, ctx.today, ctx.milestone_limit)
    return qs.annotate(light_rank=rank).annotate(light=_rank_to_light("light_rank"))


def annotate_problem_lights(qs: QuerySet[Problem], ctx: LightContext) -> QuerySet[Problem]:
    """Adds `light_rank` (0/1/2) and `light` ("green"/"yellow"/"red")."""
    rank = _date_rank("deadline", PROBLEM_CLOSED_STATUSES, ctx.problem, ctx.today, ctx.problem_limit)
    return qs.annotate(light_rank=rank).annotate(light=_rank_to_light("light_rank"))


def _exists_rank(model, date_field: str, closed_statuses: tuple, t: Thresholds, today: dt.date, limit: dt.date):
    if not t.enabled:
        return Value(0, output_field=IntegerField())
    open_items = model.objects.filter(project=OuterRef("pk")).exclude(status__in=closed_statuses)
    return Case(
        When(Exists(open_items.filter(**{f"{date_field}__lt": today})), then=Value(2)),
        When(Exists(open_items.filter(**{f"{date_field}__gte": today, f"{date_field}__lte": limit})), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


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
        milestone_rank=_exists_rank(Milestone, "planned_date", CLOSED_STATUSES, ctx.milestone, ctx.today, ctx.milestone_limit),
        problem_rank=_exists_rank(Problem, "deadline", PROBLEM_CLOSED_STATUSES, ctx.problem, ctx.today, ctx.problem_limit),
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
        .annotate(light_rank=Greatest("milestone_rank", "problem_rank", "investment_rank", output_field=IntegerField()))
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
    return worst(*lights)
