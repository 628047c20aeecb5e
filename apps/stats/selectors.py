"""Portfolio figures that the speeches quote, computed from the ledger's own rows.

- 年度计划、年初至今完成 (approved monthly reports only), 完成率, 序时进度, 超（欠）序时.
- 开工率: of projects whose annual role is 新开工, those with an actual start on or before the
  period end. 开复工率 adds 续建 and 当年竣工 projects, counted as resumed when their plan's
  复工日期 is on or before the period end.
- 500万元以上 / 亿元以上: counts and total investment of projects started or resumed in the year.
- 要件按期办结率: of the milestones due from 1 January to the period end (or to yesterday, when the
  period is not over), not 不涉及, the share done on or before the planned date (the unit ranking's rule).
- 在建: projects with a plan that year, started (actual start) on or before the period end and not
  finished (no actual finish on or before it).
- 预警灯: for the latest report period, today's lights; for an earlier month, the lights as they stood
  at its end (apps.lights.selectors.period_light_context).
- 同比: the year to date against the same months of the year before, over the same projects. A month
  of the year before counts its approved report, else its 往年完成投资 row (HistoricalCompletion:
  entered or imported for the years before the system was used).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from apps.core.models import Light
from apps.lights.selectors import annotate_project_lights, period_light_context
from apps.milestones.models import Milestone, MilestoneStatus
from apps.progress.models import HistoricalCompletion, ProgressReport, ReportStatus
from apps.projects.models import FIVE_MILLION, HUNDRED_MILLION, AnnualPlan, AnnualRole, MonthlyTarget, Project

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
    prior_ytd_completed: Decimal = ZERO
    yoy_growth: Decimal | None = None
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
    under_construction: int = 0
    milestones_due: int = 0
    milestones_on_time: int = 0
    milestone_on_time_rate: Decimal | None = None
    lights: dict[str, int] = field(default_factory=dict)


def period_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def approved_ytd(projects: QuerySet[Project], *, year: int, month: int) -> Decimal:
    """年初至今完成投资: approved reports of `year` up to `month` (submitted ones do not count yet)."""
    approved = ProgressReport.objects.filter(project__in=projects, status=ReportStatus.APPROVED, year=year, month__lte=month)
    return _sum(approved.aggregate(s=Sum("period_completed"))["s"])


def _prior_rows(projects: QuerySet[Project], *, year: int, month: int) -> tuple[QuerySet, QuerySet]:
    """The months 1..`month` of `year` − 1: approved reports, and the 往年完成投资 rows of the months
    that have no approved report (a report, once approved, is the figure of its month)."""
    prior = year - 1
    reports = ProgressReport.objects.filter(project__in=projects, status=ReportStatus.APPROVED, year=prior, month__lte=month).order_by()
    covered = ProgressReport.objects.filter(project=OuterRef("project"), year=prior, month=OuterRef("month"), status=ReportStatus.APPROVED)
    history = HistoricalCompletion.objects.filter(project__in=projects, year=prior, month__lte=month).exclude(Exists(covered)).order_by()
    return reports, history


def prior_ytd(projects: QuerySet[Project], *, year: int, month: int) -> Decimal:
    """上年同期完成投资 of `projects`: January to `month` of the year before."""
    reports, history = _prior_rows(projects, year=year, month=month)
    return _sum(reports.aggregate(s=Sum("period_completed"))["s"]) + _sum(history.aggregate(s=Sum("completed"))["s"])


def active_projects() -> QuerySet[Project]:
    """Projects on the ledger (not archived)."""
    return Project.objects.filter(archived_at__isnull=True)


# A milestone done on time: 已办结 with an actual date on or before its planned date (also the unit ranking's rule).
MILESTONE_ON_TIME = Q(status=MilestoneStatus.DONE, actual_date__isnull=False, actual_date__lte=F("planned_date"))


def _due_milestones(projects: QuerySet[Project], *, year: int, month: int, today: dt.date) -> QuerySet[Milestone]:
    """Milestones of `projects` due in the year up to the period end (never past yesterday)."""
    window_end = min(period_end(year, month) + dt.timedelta(days=1), today)
    return Milestone.objects.filter(project__in=projects, planned_date__gte=dt.date(year, 1, 1), planned_date__lt=window_end).exclude(
        status=MilestoneStatus.NOT_APPLICABLE
    )


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
    f.ytd_completed = approved_ytd(projects, year=year, month=month)
    f.prior_ytd_completed = prior_ytd(projects, year=year, month=month)
    f.yoy_growth = formulas.growth(f.ytd_completed, f.prior_ytd_completed)
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
    f.under_construction = (
        projects.filter(annual_plans__year=year, actual_start__lte=end).exclude(actual_finish__lte=end).values("pk").distinct().count()
    )

    today = today or timezone.localdate()
    on_time = _due_milestones(projects, year=year, month=month, today=today).aggregate(
        due=Count("id"), on_time=Count("id", filter=MILESTONE_ON_TIME)
    )
    f.milestones_due, f.milestones_on_time = on_time["due"], on_time["on_time"]
    f.milestone_on_time_rate = formulas.ratio(f.milestones_on_time, f.milestones_due)

    ctx = period_light_context(year=year, month=month, today=today)
    by_light = Counter(annotate_project_lights(projects, ctx).values_list("light", flat=True))
    f.lights = {light.value: by_light.get(light.value, 0) for light in Light}
    return f


@dataclass
class _ProjectFigures:
    """One project's share of the period figures, read for all projects at once."""

    total_investment: Decimal
    carry_over: Decimal
    actual_start: dt.date | None
    actual_finish: dt.date | None
    plan: AnnualPlan | None = None
    ytd: Decimal = ZERO
    prior_ytd: Decimal = ZERO
    until_period: Decimal = ZERO
    light: str = Light.GREEN.value
    milestones_due: int = 0
    milestones_on_time: int = 0


def _project_figures(*, year: int, month: int, today: dt.date, projects: QuerySet[Project]) -> dict[int, _ProjectFigures]:
    """Each project's plan, approved completions (this year and the same months of the year before)
    and light for (year, month): eight queries, whatever the number of projects."""
    rows = {
        pk: _ProjectFigures(total, carry or ZERO, start, finish)
        for pk, total, carry, start, finish in projects.values_list(
            "pk", "total_investment", "carry_over_completed", "actual_start", "actual_finish"
        )
    }
    for plan in AnnualPlan.objects.filter(year=year, project__in=projects).order_by():
        rows[plan.project_id].plan = plan
    approved = ProgressReport.objects.filter(project__in=projects, status=ReportStatus.APPROVED).order_by()
    ytd = approved.filter(year=year, month__lte=month).values_list("project_id").annotate(s=Sum("period_completed"))
    for pk, total in ytd:
        rows[pk].ytd = Decimal(total or 0)
    until = approved.filter(Q(year__lt=year) | Q(year=year, month__lte=month)).values_list("project_id").annotate(s=Sum("period_completed"))
    for pk, total in until:
        rows[pk].until_period = Decimal(total or 0)
    reports, history = _prior_rows(projects, year=year, month=month)
    for pk, total in reports.values_list("project_id").annotate(s=Sum("period_completed")):
        rows[pk].prior_ytd += Decimal(total or 0)
    for pk, total in history.values_list("project_id").annotate(s=Sum("completed")):
        rows[pk].prior_ytd += Decimal(total or 0)
    ctx = period_light_context(year=year, month=month, today=today)
    for pk, light in annotate_project_lights(projects.order_by(), ctx).values_list("pk", "light"):
        rows[pk].light = light
    due = _due_milestones(projects, year=year, month=month, today=today).order_by().values_list("project_id")
    for pk, n, on_time in due.annotate(n=Count("id"), on_time=Count("id", filter=MILESTONE_ON_TIME)):
        rows[pk].milestones_due, rows[pk].milestones_on_time = n, on_time
    return rows


def _figures_of(rows: list[_ProjectFigures], *, year: int, month: int) -> PortfolioFigures:
    """portfolio_figures' sums and counts, taken over rows already read (the same definitions)."""
    end = period_end(year, month)
    f = PortfolioFigures(year=year, month=month, time_progress=formulas.time_progress(month), project_count=len(rows))
    plans = [r for r in rows if r.plan is not None]
    f.annual_plan = _sum(sum((r.plan.annual_plan for r in plans), ZERO))
    f.ytd_completed = _sum(sum((r.ytd for r in rows), ZERO))
    f.prior_ytd_completed = _sum(sum((r.prior_ytd for r in rows), ZERO))
    f.yoy_growth = formulas.growth(f.ytd_completed, f.prior_ytd_completed)
    f.cumulative_completed = _sum(sum((r.carry_over for r in rows), ZERO)) + _sum(sum((r.until_period for r in rows), ZERO))
    f.completion_rate = formulas.completion_rate(f.ytd_completed, f.annual_plan)
    f.gap_points = formulas.schedule_gap_points(f.ytd_completed, f.annual_plan, month)
    new = [r for r in plans if r.plan.annual_role == AnnualRole.NEW_START]
    started = [r for r in new if r.actual_start is not None and r.actual_start <= end]
    continuing = [r for r in plans if r.plan.annual_role in CONTINUING_ROLES]
    resumed = [r for r in continuing if r.plan.resume_date is not None and r.plan.resume_date <= end]
    f.new_start_planned, f.new_start_started = len(new), len(started)
    f.continuing, f.continuing_resumed = len(continuing), len(resumed)
    f.start_rate = formulas.start_rate(f.new_start_started, f.new_start_planned)
    f.start_resume_rate = formulas.start_resume_rate(f.new_start_started, f.continuing_resumed, f.new_start_planned, f.continuing)
    going = started + resumed
    over_5m = [r.total_investment for r in going if r.total_investment >= FIVE_MILLION]
    over_100m = [r.total_investment for r in going if r.total_investment >= HUNDRED_MILLION]
    f.over_5m_count, f.over_5m_investment = len(over_5m), _sum(sum(over_5m, ZERO))
    f.over_100m_count, f.over_100m_investment = len(over_100m), _sum(sum(over_100m, ZERO))
    f.under_construction = sum(
        1 for r in plans if r.actual_start is not None and r.actual_start <= end and (r.actual_finish is None or r.actual_finish > end)
    )
    f.milestones_due = sum(r.milestones_due for r in rows)
    f.milestones_on_time = sum(r.milestones_on_time for r in rows)
    f.milestone_on_time_rate = formulas.ratio(f.milestones_on_time, f.milestones_due)
    by_light = Counter(r.light for r in rows)
    f.lights = {light.value: by_light.get(light.value, 0) for light in Light}
    return f


def group_members(group_by: str, projects: QuerySet[Project]) -> list[tuple[object, str, dict[int, None]]]:
    """(key, label, member project ids) per group, in the groups' own order: three queries at most."""
    from apps.organization.models import Department, Leader, Region
    from apps.projects.models import ProjectCategory, ProjectResponsibility, ResponsibilityRole

    projects = projects.order_by()
    members: dict[object, dict[int, None]] = {}
    if group_by == "category":
        groups = [(c.pk, c.code, c.name) for c in ProjectCategory.objects.all()]
        for pk, category_id in projects.values_list("pk", "category_id"):
            members.setdefault(category_id, {})[pk] = None
    elif group_by == "region":
        # A town's projects include those of its sub-areas (the project list's `region` filter).
        groups = [(r.pk, r.pk, r.name) for r in Region.objects.filter(parent__isnull=False)]
        for pk, region_id, parent_id in projects.values_list("pk", "region_id", "region__parent_id"):
            for key in {region_id, parent_id} - {None}:
                members.setdefault(key, {})[pk] = None
    elif group_by in ("department", "leader"):
        role, field, model = (
            (ResponsibilityRole.LEAD_DEPT, "department_id", Department)
            if group_by == "department"
            else (ResponsibilityRole.LEAD_LEADER, "leader_id", Leader)
        )
        groups = [(g.pk, g.pk, g.name if group_by == "department" else g.position) for g in model.objects.all()]
        leads = ProjectResponsibility.objects.filter(role=role, project__in=projects).order_by().values_list("project_id", field)
        for pk, key in leads:
            members.setdefault(key, {})[pk] = None
    else:
        raise ValueError("分组方式应为 category、department、region 或 leader。")
    return [(key, label, members.get(pk, {})) for pk, key, label in groups]


def portfolio_groups(*, group_by: str, year: int, month: int, today: dt.date | None = None, projects: QuerySet[Project] | None = None):
    """(key, label, figures) per category, lead department, region or lead leader — each group's
    figures are portfolio_figures over its projects, computed from one read of every project, so the
    number of queries does not grow with the number of groups."""
    if not 1 <= month <= 12:
        raise ValueError("月份应在1至12之间。")
    projects = active_projects() if projects is None else projects
    groups = group_members(group_by, projects)
    rows = _project_figures(year=year, month=month, today=today or timezone.localdate(), projects=projects)
    for key, label, ids in groups:
        members = [rows[pk] for pk in ids if pk in rows]
        if members:
            yield key, label, _figures_of(members, year=year, month=month)


@dataclass(frozen=True)
class ReportPlanFigures:
    """A report beside its project's plan: the month's target and the year to date (the review page)."""

    annual_plan: Decimal | None
    month_target: MonthlyTarget | None
    ytd_plan: Decimal | None
    approved_ytd: Decimal
    ytd_with_report: Decimal
    completion_pct: Decimal | None
    time_progress_pct: Decimal
    gap_points: Decimal | None
    previous: ProgressReport | None


def report_plan_figures(report: ProgressReport) -> ReportPlanFigures:
    """What approving `report` would make of its project's year: four queries."""
    plan = AnnualPlan.objects.filter(project_id=report.project_id, year=report.year).prefetch_related("monthly_targets").first()
    targets = list(plan.monthly_targets.all()) if plan else []
    month_target = next((t for t in targets if t.month == report.month), None)
    ytd_plan = sum((t.plan_investment for t in targets if t.month <= report.month), ZERO) if targets else None
    approved = approved_ytd(Project.objects.filter(pk=report.project_id), year=report.year, month=report.month)
    with_report = approved if report.status == ReportStatus.APPROVED else approved + report.period_completed
    annual = plan.annual_plan if plan else None
    previous_year, previous_month = (report.year, report.month - 1) if report.month > 1 else (report.year - 1, 12)
    previous = ProgressReport.objects.filter(project_id=report.project_id, year=previous_year, month=previous_month).first()
    return ReportPlanFigures(
        annual_plan=annual,
        month_target=month_target,
        ytd_plan=ytd_plan,
        approved_ytd=approved,
        ytd_with_report=with_report,
        completion_pct=formulas.percent(with_report, annual, places=2) if annual else None,
        time_progress_pct=formulas.time_progress(report.month) * 100,
        gap_points=formulas.schedule_gap_points(with_report, annual, report.month) if annual else None,
        previous=previous,
    )
