"""Portfolio figures that the speeches quote, computed from the ledger's own rows.

Every figure is a sum or a count over one row per live project (`ProjectPeriodFigures`), built by
`project_period_figures` from the notions of `apps.projects.notions` and `apps.milestones.notions`:
the whole portfolio, a group (category, lead department, region, lead leader), the 驾驶舱, the 通报
and scoring all add up the same rows. A closed month (`apps.stats.closing`) reads its frozen rows
instead, so its figures no longer move.

- 年度计划、年初至今完成 (approved monthly reports only), 完成率, 序时进度 (month/12 for the
  portfolio), 超（欠）序时.
- 开工率: of plans whose annual role is 新开工, those started by the period end. 开复工率 adds 续建 and
  当年竣工 plans resumed by the period end (notions: a 续建 plan with no 复工日期 counts from 1 January
  when the project started before the year and is not 停（缓）建).
- 500万元以上 / 亿元以上: counts and total investment of projects started or resumed in the year.
- 要件按期办结率: of the milestones due this year (notions), the share done on time.
- 在建: notions.in_construction; the sentence pairs the count with the annual plan of those projects.
- 预警灯: for the latest report period, today's lights; for an earlier month, the lights as they stood
  at its end (apps.lights.selectors.period_light_context).
- 同比: the year to date against the same months of the year before, over the same projects. A month
  of the year before counts its approved report, else its 往年完成投资 row (HistoricalCompletion:
  entered or imported for the years before the system was used).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from apps.core.models import Light
from apps.lights.selectors import period_light_context, project_ranks
from apps.milestones.models import Milestone
from apps.milestones.notions import done_late_q, done_on_time_q, due_this_year_q
from apps.progress.models import HistoricalCompletion, ProgressReport, ReportStatus
from apps.projects import notions
from apps.projects.models import FIVE_MILLION, HUNDRED_MILLION, AnnualPlan, MonthlyTarget, Project
from apps.workcalendar.periods import Period, period_end

from . import formulas
from .closing import closed_period
from .live import Totals, ensure_fresh, live_rows, live_totals

ZERO = Decimal("0")
CENT = Decimal("0.01")

__all__ = ["period_end"]  # re-exported for callers that print a period's last day


def _sum(value: Decimal | None) -> Decimal:
    # SQLite returns sums of decimals with float noise; amounts are kept to the cent everywhere.
    return Decimal(value or 0).quantize(CENT)


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
    under_construction_plan: Decimal = ZERO  # 在建项目的年度计划投资 (the sentence pairs it with the count)
    milestones_due: int = 0
    milestones_on_time: int = 0
    milestones_done_late: int = 0  # 逾期办结: done, but after the planned date
    milestone_on_time_rate: Decimal | None = None
    lights: dict[str, int] = field(default_factory=dict)


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
    """The projects every figure counts: the live ones (notions.live_projects — not archived, not 退库)."""
    return notions.live_projects()


# A milestone done on time (also the unit ranking's rule).
MILESTONE_ON_TIME = done_on_time_q()


@dataclass
class ProjectPeriodFigures:
    """One project's share of a period's figures. Built live by `project_period_figures`, or read back
    from the frozen rows of a closed month; every portfolio figure is a sum or count of these."""

    project_id: int
    total_investment: Decimal
    carry_over: Decimal = ZERO
    name: str = ""
    planned_start: dt.date | None = None
    build_status: str = ""
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None
    has_plan: bool = False
    annual_plan: Decimal = ZERO
    annual_role: str = ""
    started: bool = False  # 新开工, started by the period end
    resumed: bool = False  # 续建, resumed by the period end
    in_construction: bool = False  # 在建
    month_completed: Decimal = ZERO  # the period's own approved report
    ytd: Decimal = ZERO
    prior_ytd: Decimal = ZERO
    until_period: Decimal = ZERO  # approved completions up to the period end, every year
    time_progress: Decimal = ZERO  # the project's 序时进度 (share), notions.project_time_progress
    time_progress_rule: str = ""
    light: str = Light.GREEN.value
    light_parts: dict[str, int] = field(default_factory=dict)  # the light's reasons: kind → 2 red / 1 yellow
    light_past_due: list[str] = field(default_factory=list)  # the due-item kinds lit by an item past due (else due soon)
    milestones_due: int = 0
    milestones_on_time: int = 0
    milestones_done_late: int = 0
    lead_department_id: int | None = None  # set on a closed month's rows: the 牵头单位 at its close

    @property
    def going(self) -> bool:
        """开复工 by the period end."""
        return self.started or self.resumed

    @property
    def cumulative(self) -> Decimal:
        return self.carry_over + self.until_period

    @property
    def gap_points(self) -> Decimal | None:
        """超（欠）序时进度, in points, against the project's own 序时进度."""
        if not self.has_plan or not self.annual_plan:
            return None
        return formulas.gap_points(self.ytd, self.annual_plan, self.time_progress)


def _due_milestones(projects: QuerySet[Project], *, period: Period, today: dt.date) -> QuerySet[Milestone]:
    return Milestone.objects.filter(due_this_year_q(period, today), project__in=projects)


def project_period_figures(*, year: int, month: int, today: dt.date, projects: QuerySet[Project]) -> dict[int, ProjectPeriodFigures]:
    """Each project's plan, approved completions (this year and the same months of the year before),
    start facts, 序时进度 and light for (year, month): a fixed number of queries, whatever the number
    of projects."""
    period = Period(year, month)
    projects = projects.order_by()
    fields = (
        "pk",
        "name",
        "total_investment",
        "carry_over_completed",
        "build_status",
        "planned_start",
        "actual_start",
        "actual_finish",
        "pool_stage",
        "archived_at",
    )
    # Rows built by the queryset (positional, the other fields deferred): a keyword-built model fills
    # every field's default, ~2 s of Python over 20 000 projects.
    stubs = {p.pk: p for p in projects.only(*fields)}
    rows = {
        pk: ProjectPeriodFigures(
            pk,
            p.total_investment,
            p.carry_over_completed or ZERO,
            name=p.name,
            planned_start=p.planned_start,
            build_status=p.build_status,
            actual_start=p.actual_start,
            actual_finish=p.actual_finish,
        )
        for pk, p in stubs.items()
    }
    plans = {plan.project_id: plan for plan in AnnualPlan.objects.filter(year=year, project__in=projects).order_by()}
    targets = notions.monthly_targets_of([plan.pk for plan in plans.values()])
    for pk, r in rows.items():
        plan, project = plans.get(pk), stubs[pk]
        r.in_construction = notions.is_in_construction(project, has_plan=plan is not None, period=period)
        progress = notions.project_time_progress(month, targets.get(plan.pk) if plan else None)
        r.time_progress, r.time_progress_rule = progress.share, progress.rule
        if plan is not None:
            r.has_plan, r.annual_plan, r.annual_role = True, plan.annual_plan, plan.annual_role
            r.started = notions.plan_is_started(plan, project, period)
            r.resumed = notions.plan_is_resumed(plan, project, period)
    approved = ProgressReport.objects.filter(project__in=projects, status=ReportStatus.APPROVED).order_by()
    for pk, m, total in approved.filter(year=year, month__lte=month).values_list("project_id", "month").annotate(s=Sum("period_completed")):
        rows[pk].ytd += Decimal(total or 0)
        if m == month:
            rows[pk].month_completed = Decimal(total or 0)
    until = approved.filter(Q(year__lt=year) | Q(year=year, month__lte=month)).values_list("project_id").annotate(s=Sum("period_completed"))
    for pk, total in until:
        rows[pk].until_period = Decimal(total or 0)
    reports, history = _prior_rows(projects, year=year, month=month)
    for pk, total in reports.values_list("project_id").annotate(s=Sum("period_completed")):
        rows[pk].prior_ytd += Decimal(total or 0)
    for pk, total in history.values_list("project_id").annotate(s=Sum("completed")):
        rows[pk].prior_ytd += Decimal(total or 0)
    ctx = period_light_context(year=year, month=month, today=today)
    ranks = project_ranks(ctx, projects.values("pk"))
    for pk, r in rows.items():
        rank = ranks.rank(pk)
        r.light = (Light.RED if rank == 2 else Light.YELLOW if rank == 1 else Light.GREEN).value
        r.light_parts = dict(ranks.parts.get(pk, {}))
        r.light_past_due = sorted(ranks.past_due.get(pk, ()))
    due = _due_milestones(projects, period=period, today=today).order_by().values_list("project_id")
    tallies = due.annotate(n=Count("id"), on_time=Count("id", filter=MILESTONE_ON_TIME), late=Count("id", filter=done_late_q()))
    for pk, n, on_time, late in tallies:
        rows[pk].milestones_due, rows[pk].milestones_on_time, rows[pk].milestones_done_late = n, on_time, late
    return rows


def totals_of(rows: list[ProjectPeriodFigures]) -> Totals:
    """The sums and counts of the projects' rows (in Python; `live.live_totals` makes the same ones
    in SQL over the stored rows)."""
    plans = [r for r in rows if r.has_plan]
    going = [r for r in plans if r.going]
    over_5m = [r.total_investment for r in going if r.total_investment >= FIVE_MILLION]
    over_100m = [r.total_investment for r in going if r.total_investment >= HUNDRED_MILLION]
    building = [r for r in rows if r.in_construction]
    by_light = Counter(r.light for r in rows)
    return Totals(
        project_count=len(rows),
        annual_plan=sum((r.annual_plan for r in plans), ZERO),
        ytd=sum((r.ytd for r in rows), ZERO),
        prior_ytd=sum((r.prior_ytd for r in rows), ZERO),
        carry_over=sum((r.carry_over for r in rows), ZERO),
        until_period=sum((r.until_period for r in rows), ZERO),
        new_start_planned=sum(1 for r in plans if r.annual_role == notions.AnnualRole.NEW_START),
        new_start_started=sum(1 for r in plans if r.started),
        continuing=sum(1 for r in plans if r.annual_role in notions.CONTINUING_ROLES),
        continuing_resumed=sum(1 for r in plans if r.resumed),
        over_5m_count=len(over_5m),
        over_5m_investment=sum(over_5m, ZERO),
        over_100m_count=len(over_100m),
        over_100m_investment=sum(over_100m, ZERO),
        under_construction=len(building),
        under_construction_plan=sum((r.annual_plan for r in building), ZERO),
        milestones_due=sum(r.milestones_due for r in rows),
        milestones_on_time=sum(r.milestones_on_time for r in rows),
        milestones_done_late=sum(r.milestones_done_late for r in rows),
        **{light.value: by_light.get(light.value, 0) for light in Light},
    )


def figures_from_totals(t: Totals, *, year: int, month: int) -> PortfolioFigures:
    """The portfolio figures of (year, month) from the sums and counts of its projects' rows."""
    time_progress = notions.portfolio_time_progress(month).share
    f = PortfolioFigures(year=year, month=month, time_progress=time_progress, project_count=t.project_count)
    f.annual_plan = _sum(t.annual_plan)
    f.ytd_completed = _sum(t.ytd)
    f.prior_ytd_completed = _sum(t.prior_ytd)
    f.yoy_growth = formulas.growth(f.ytd_completed, f.prior_ytd_completed)
    f.cumulative_completed = _sum(t.carry_over) + _sum(t.until_period)
    f.completion_rate = formulas.completion_rate(f.ytd_completed, f.annual_plan)
    f.gap_points = formulas.schedule_gap_points(f.ytd_completed, f.annual_plan, month)
    f.new_start_planned, f.new_start_started = t.new_start_planned, t.new_start_started
    f.continuing, f.continuing_resumed = t.continuing, t.continuing_resumed
    f.start_rate = formulas.start_rate(f.new_start_started, f.new_start_planned)
    f.start_resume_rate = formulas.start_resume_rate(f.new_start_started, f.continuing_resumed, f.new_start_planned, f.continuing)
    f.over_5m_count, f.over_5m_investment = t.over_5m_count, _sum(t.over_5m_investment)
    f.over_100m_count, f.over_100m_investment = t.over_100m_count, _sum(t.over_100m_investment)
    f.under_construction, f.under_construction_plan = t.under_construction, _sum(t.under_construction_plan)
    f.milestones_due, f.milestones_on_time, f.milestones_done_late = t.milestones_due, t.milestones_on_time, t.milestones_done_late
    f.milestone_on_time_rate = formulas.ratio(f.milestones_on_time, f.milestones_due)
    f.lights = {light.value: getattr(t, light.value) for light in Light}
    return f


def figures_of(rows: list[ProjectPeriodFigures], *, year: int, month: int) -> PortfolioFigures:
    """The portfolio figures of (year, month): sums and counts over the projects' rows."""
    return figures_from_totals(totals_of(rows), year=year, month=month)


def period_rows(*, year: int, month: int, today: dt.date, projects: QuerySet[Project]) -> dict[int, ProjectPeriodFigures]:
    """The rows a period's figures are summed from: the frozen rows of a closed month (narrowed to
    `projects`), else the live ones."""
    from .closing import frozen_rows  # closing builds its rows with project_period_figures

    frozen = frozen_rows(year=year, month=month, project_ids=projects.order_by().values("pk"))
    if frozen is not None:
        return frozen
    return live_rows(year=year, month=month, today=today, projects=projects)


def stored_rows_ready(*, year: int, month: int, today: dt.date, projects: QuerySet[Project]) -> bool:
    """An open month: its stored rows of `projects` brought up to date (`live.ensure_fresh`), True —
    the caller passes `fresh=True` to the figures and groups it then asks for. A closed month: False."""
    if closed_period(year, month) is not None:
        return False
    ensure_fresh(year=year, month=month, today=today, projects=projects)
    return True


def portfolio_figures(
    *, year: int, month: int, projects: QuerySet[Project] | None = None, today: dt.date | None = None, fresh: bool = False
) -> PortfolioFigures:
    """The speech figures for (year, month) over `projects` (default: the live portfolio). An open
    month sums its stored rows (`fresh`: the caller has just brought them up to date)."""
    if not 1 <= month <= 12:
        raise ValueError("月份应在1至12之间。")
    projects = active_projects() if projects is None else projects
    today = today or timezone.localdate()
    if closed_period(year, month) is None:  # open: SQL sums over the stored rows
        if not fresh:
            ensure_fresh(year=year, month=month, today=today, projects=projects)
        return figures_from_totals(live_totals(year=year, month=month, projects=projects)[None], year=year, month=month)
    rows = period_rows(year=year, month=month, today=today, projects=projects)
    return figures_of(list(rows.values()), year=year, month=month)


def _checked_group(group_by: str) -> str:
    if group_by not in ("category", "department", "region", "leader"):
        raise ValueError("分组方式应为 category、department、region 或 leader。")
    return group_by


def group_labels(group_by: str) -> list[tuple[int, object, str]]:
    """(id, key, label) of every group, in the groups' own order (a category's key is its code): one query."""
    from apps.organization.models import Department, Leader, Region
    from apps.projects.models import ProjectCategory

    # values_list, in each model's own order: thousands of 单位 at province scale, no model objects.
    if _checked_group(group_by) == "category":
        return list(ProjectCategory.objects.values_list("pk", "code", "name"))
    if group_by == "region":
        return list(Region.objects.filter(parent__isnull=False).values_list("pk", "pk", "name"))
    model, label = (Department, "name") if group_by == "department" else (Leader, "position")
    return list(model._default_manager.values_list("pk", "pk", label))


def group_members(group_by: str, projects: QuerySet[Project]) -> list[tuple[object, str, dict[int, None]]]:
    """(key, label, member project ids) per group, in the groups' own order: three queries at most."""
    from apps.projects.models import ProjectResponsibility, ResponsibilityRole

    projects = projects.order_by()
    members: dict[object, dict[int, None]] = {}
    groups = group_labels(group_by)
    if group_by == "category":
        for pk, category_id in projects.values_list("pk", "category_id"):
            members.setdefault(category_id, {})[pk] = None
    elif group_by == "region":
        # A town's projects include those of its sub-areas (the project list's `region` filter).
        for pk, region_id, parent_id in projects.values_list("pk", "region_id", "region__parent_id"):
            for key in {region_id, parent_id} - {None}:
                members.setdefault(key, {})[pk] = None
    elif group_by in ("department", "leader"):
        role, field = (
            (ResponsibilityRole.LEAD_DEPT, "department_id") if group_by == "department" else (ResponsibilityRole.LEAD_LEADER, "leader_id")
        )
        leads = ProjectResponsibility.objects.filter(role=role, project__in=projects).order_by().values_list("project_id", field)
        for pk, key in leads:
            members.setdefault(key, {})[pk] = None
    return [(key, label, members.get(pk, {})) for pk, key, label in groups]


def _period_group_members(group_by: str, *, year: int, month: int, projects: QuerySet[Project]) -> list:
    """group_members of a period: a closed month's groups hold the projects they held at its close."""
    from .closing import frozen_group_members

    frozen = frozen_group_members(_checked_group(group_by), year=year, month=month, projects=projects)
    return frozen if frozen is not None else group_members(group_by, projects)


def portfolio_groups(
    *,
    group_by: str,
    year: int,
    month: int,
    today: dt.date | None = None,
    projects: QuerySet[Project] | None = None,
    rows: dict[int, ProjectPeriodFigures] | None = None,
    fresh: bool = False,
):
    """(key, label, figures) per category, lead department, region or lead leader — each group's
    figures are portfolio_figures over its projects, computed from one read of every project (or the
    caller's `rows` of the same period), so the number of queries does not grow with the groups.
    An open month sums its stored rows (`fresh`: the caller has just brought them up to date)."""
    if not 1 <= month <= 12:
        raise ValueError("月份应在1至12之间。")
    projects = active_projects() if projects is None else projects
    today = today or timezone.localdate()
    if rows is None and closed_period(year, month) is None:  # open: one GROUP BY over the stored rows
        if not fresh:
            ensure_fresh(year=year, month=month, today=today, projects=projects)
        totals = live_totals(year=year, month=month, projects=projects, group_by=_checked_group(group_by))
        for pk, key, label in group_labels(group_by):
            if pk in totals:
                yield key, label, figures_from_totals(totals[pk], year=year, month=month)
        return
    groups = _period_group_members(group_by, year=year, month=month, projects=projects)
    if rows is None:
        rows = period_rows(year=year, month=month, today=today or timezone.localdate(), projects=projects)
    for key, label, ids in groups:
        members = [rows[pk] for pk in ids if pk in rows]
        if members:
            yield key, label, figures_of(members, year=year, month=month)


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
    progress = notions.project_time_progress(report.month, {t.month: t.plan_investment for t in targets})
    before = Period(report.year, report.month).previous
    previous = ProgressReport.objects.filter(project_id=report.project_id, year=before.year, month=before.month).first()
    return ReportPlanFigures(
        annual_plan=annual,
        month_target=month_target,
        ytd_plan=ytd_plan,
        approved_ytd=approved,
        ytd_with_report=with_report,
        completion_pct=formulas.percent(with_report, annual, places=2) if annual else None,
        time_progress_pct=progress.percent,
        gap_points=formulas.gap_points(with_report, annual, progress.share) if annual else None,
        previous=previous,
    )
