"""Portfolio figures that the speeches quote, computed from the ledger's own rows.

- 年度计划、年初至今完成 (approved monthly reports only), 完成率, 序时进度, 超（欠）序时.
- 开工率: of projects whose annual role is 新开工, those with an actual start on or before the
  period end. 开复工率 adds 续建 and 当年竣工 projects, counted as resumed when their plan's
  复工日期 is on or before the period end.
- 500万元以上 / 亿元以上: counts and total investment of projects started or resumed in the year.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from apps.core.models import Light
from apps.lights.selectors import annotate_project_lights, light_context
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import FIVE_MILLION, HUNDRED_MILLION, AnnualPlan, AnnualRole, Project

from . import formulas

ZERO = Decimal("0")
CENT = Decimal("0.01")


def _sum(value: Decimal | None) -> Decimal:
    # SQLite returns sums of decimals with float noise; amounts are kept to the cent everywhere.
    return Decimal(value or 0).quantize(CENT)


CONTINUING_ROLES = (AnnualRole.CONTINUING, AnnualRole.COMPLETING)


@dataclass
class PortfolioFigures:
    year: int
    month: int
    project_count: int = 0
    annual_plan: Decimal = ZERO
    ytd_completed: Decimal = ZERO
    cumulative_completed: Decimal = ZERO
    completion_rate: Decimal | None = None
    time_progress: Decimal = ZERO
    gap_points: Decimal | None = None
    new_start_planned: int = 0
    new_start_started: int = 0
    continuing: int = 0
    continuing_resumed: int = 0
    start_rate: Decimal | None = None
    start_resume_rate: Decimal | None = None
    over_5m_count: int = 0
    over_5m_investment: Decimal = ZERO
    over_100m_count: int = 0
    over_100m_investment: Decimal = ZERO
    lights: dict[str, int] = field(default_factory=dict)


def period_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def active_projects() -> QuerySet[Project]:
    """Projects on the ledger (not archived)."""
    return Project.objects.filter(archived_at__isnull=True)


def portfolio_figures(
    *, year: int, month: int, projects: QuerySet[Project] | None = None, today: dt.date | None = None
) -> PortfolioFigures:
    """The speech figures for (year, month) over `projects` (default: the whole active ledger)."""
    if not 1 <= month <= 12:
        raise ValueError("月份应在1至12之间。")
    projects = active_projects() if projects is None else projects
    end = period_end(year, month)
    f = PortfolioFigures(year=year, month=month, time_progress=formulas.time_progress(month))
    f.project_count = projects.count()

    plans = AnnualPlan.objects.filter(year=year, project__in=projects)
    f.annual_plan = _sum(plans.aggregate(s=Sum("annual_plan"))["s"])
    approved = ProgressReport.objects.filter(project__in=projects, status=ReportStatus.APPROVED)
    f.ytd_completed = _sum(approved.filter(year=year, month__lte=month).aggregate(s=Sum("period_completed"))["s"])
    until_period = approved.filter(Q(year__lt=year) | Q(year=year, month__lte=month))
    f.cumulative_completed = _sum(projects.aggregate(s=Sum("carry_over_completed"))["s"]) + _sum(
        until_period.aggregate(s=Sum("period_completed"))["s"]
    )
    f.completion_rate = formulas.completion_rate(f.ytd_completed, f.annual_plan)
    f.gap_points = formulas.schedule_gap_points(f.ytd_completed, f.annual_plan, month)

    started_q = Q(annual_role=AnnualRole.NEW_START, project__actual_start__lte=end)
    resumed_q = Q(annual_role__in=CONTINUING_ROLES, resume_date__lte=end)
    counts = plans.aggregate(
        new_planned=Count("id", filter=Q(annual_role=AnnualRole.NEW_START)),
        new_started=Count("id", filter=started_q),
        continuing=Count("id", filter=Q(annual_role__in=CONTINUING_ROLES)),
        resumed=Count("id", filter=resumed_q),
    )
    f.new_start_planned = counts["new_planned"]
    f.new_start_started = counts["new_started"]
    f.continuing = counts["continuing"]
    f.continuing_resumed = counts["resumed"]
    f.start_rate = formulas.start_rate(f.new_start_started, f.new_start_planned)
    f.start_resume_rate = formulas.start_resume_rate(f.new_start_started, f.continuing_resumed, f.new_start_planned, f.continuing)

    going = projects.filter(annual_plans__in=plans.filter(started_q | resumed_q)).distinct()
    over_5m = going.filter(total_investment__gte=FIVE_MILLION).aggregate(n=Count("id"), s=Sum("total_investment"))
    over_100m = going.filter(total_investment__gte=HUNDRED_MILLION).aggregate(n=Count("id"), s=Sum("total_investment"))
    f.over_5m_count, f.over_5m_investment = over_5m["n"], _sum(over_5m["s"])
    f.over_100m_count, f.over_100m_investment = over_100m["n"], _sum(over_100m["s"])

    ctx = light_context(today=today or timezone.localdate())
    by_light = Counter(annotate_project_lights(projects, ctx).values_list("light", flat=True))
    f.lights = {light.value: by_light.get(light.value, 0) for light in Light}
    return f


def portfolio_groups(*, group_by: str, year: int, month: int, today: dt.date | None = None):
    """(key, label, figures) per category, lead department, region or lead leader."""
    from apps.organization.models import Department, Leader, Region
    from apps.projects.models import ProjectCategory, ProjectResponsibility, ResponsibilityRole

    base = active_projects()
    if group_by == "category":
        groups = [(c.code, c.name, base.filter(category=c)) for c in ProjectCategory.objects.all()]
    elif group_by == "region":
        groups = [(r.pk, r.name, base.filter(Q(region=r) | Q(region__parent=r))) for r in Region.objects.filter(parent__isnull=False)]
    elif group_by == "department":
        groups = [
            (
                d.pk,
                d.name,
                base.filter(
                    pk__in=ProjectResponsibility.objects.filter(role=ResponsibilityRole.LEAD_DEPT, department=d).values("project_id")
                ),
            )
            for d in Department.objects.all()
        ]
    elif group_by == "leader":
        groups = [
            (
                leader.pk,
                leader.position,
                base.filter(
                    pk__in=ProjectResponsibility.objects.filter(role=ResponsibilityRole.LEAD_LEADER, leader=leader).values("project_id")
                ),
            )
            for leader in Leader.objects.all()
        ]
    else:
        raise ValueError("分组方式应为 category、department、region 或 leader。")
    for key, label, projects in groups:
        figures = portfolio_figures(year=year, month=month, projects=projects, today=today)
        if figures.project_count:
            yield key, label, figures
