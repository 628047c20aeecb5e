"""The project dossier (项目档案): one page, its A4 print view and its Excel export.

Everything is read once per request through the core's selectors and light annotations, in a
number of queries that does not depend on how many milestones, reports, parcels, problems or
history rows the project has. Buttons are the policy's answer for this user and row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from apps.accounts.policy import may
from apps.core.due import DueKindCode
from apps.core.models import RANK_LIGHT, Light
from apps.core.privacy import mask_phone
from apps.core.xlsx import (
    LIGHT_FILLS,
    LIGHT_NAMES,
    MONEY_FORMAT,
    Column,
    Styled,
    add_sheet,
    add_table,
    new_workbook,
    print_setup,
    xlsx_response,
)
from apps.land.models import LandAcquisition
from apps.lights.lists import project_detail_queryset
from apps.lights.overdue import TODAY_DUE
from apps.lights.selectors import (
    DUE_SOON_LABELS,
    INVESTMENT,
    PART_LABELS,
    LightContext,
    annotate_milestone_lights,
    annotate_problem_lights,
    date_light,
    light_context,
    project_ranks,
)
from apps.milestones.models import Milestone, MilestoneStatus
from apps.problems.models import NoticeStatus, Problem, ProblemStatus, SupervisionNotice
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import (
    AnnualPlan,
    CommentKind,
    MonthlyTarget,
    Project,
    ProjectComment,
    ProjectResponsibility,
    ResponsibilityRole,
)
from apps.projects.notions import project_time_progress
from apps.projects.rules import may_see_phone, remember_own_projects
from apps.stats import formulas
from apps.stats.closing import correction_list
from apps.stats.models import CorrectionKind

from .forms import ProjectCommentForm
from .views import comment_box

HISTORY_ROWS = 20
URGENT_ITEMS = 3  # the summary card's "most urgent" items: a phone's first screen holds about three
# Fields whose change says nothing to a reader (they move with every save).
HISTORY_SKIP = {"updated_at", "code_warning"}
RESPONSIBILITY_ORDER = [
    ResponsibilityRole.LEAD_LEADER,
    ResponsibilityRole.LEAD_DEPT,
    ResponsibilityRole.COOP_DEPT,
    ResponsibilityRole.TOWNSHIP,
    ResponsibilityRole.DEPT_HEAD,
    ResponsibilityRole.TASK_FORCE,
    ResponsibilityRole.STATIONED,
    ResponsibilityRole.LIAISON,
    ResponsibilityRole.OWNER_CONTACT,
    ResponsibilityRole.BUILDER_CONTACT,
]


class Allowed:
    """`policy.may` for the many rows of one page at a constant number of queries: the policy is
    told once which of these projects are the user's (`remember_own_projects`), so asking it for
    each row runs no further query. Every rule stays the policy's own."""

    def __init__(self, user, project_ids) -> None:
        self.user = user
        remember_own_projects(user, project_ids)

    def __call__(self, verb: str, obj: models.Model) -> bool:
        return may(self.user, verb, obj)


@dataclass
class MonthRow:
    month: int
    plan: Decimal | None
    completed: Decimal | None
    plan_cumulative: Decimal
    completed_cumulative: Decimal
    node_target: str = ""


@dataclass
class HistoryRow:
    when: dt.datetime
    who: str
    kind: str
    changes: list[str] = field(default_factory=list)


@dataclass
class PlanChange:
    """One version of the year's plan: who adjusted it, when, why, and the amount it set."""

    when: dt.datetime
    who: str
    revision: int
    amount: Decimal
    reason: str


@dataclass
class LightReason:
    """Why the project's light is lit, one part of it: the lights' own reason, with its figure."""

    light: str  # "red" / "yellow"
    text: str
    detail: str = ""


@dataclass
class UrgentItem:
    """An open item of the summary card: a milestone, a problem or a 督办 awaiting its reply."""

    kind: str
    title: str
    light: str
    due: dt.date
    days: int  # calendar days from today to the due date (negative: overdue)
    anchor: str
    note: str = ""

    @property
    def due_text(self) -> str:
        if self.days < 0:
            return f"已逾期 {-self.days} 天"
        if self.days == 0:
            return TODAY_DUE  # the one wording of the due day (apps.lights.overdue)
        return f"{self.days} 天后到期"


@dataclass
class Dossier:
    project: Project
    year: int
    month: int
    completion_rate: Decimal | None
    time_progress: Decimal
    time_progress_rule: str
    gap_points: Decimal | None
    responsibilities: list[ProjectResponsibility]
    milestones: list[Milestone]
    months: list[MonthRow]
    reports: list[ProgressReport]
    lands: list[LandAcquisition]
    open_problems: list[Problem]
    closed_problems: list[Problem]
    notices: list[SupervisionNotice]
    comments: list[ProjectComment]
    history: list[HistoryRow]
    can: dict[str, bool]
    corrections: list = field(default_factory=list)  # FigureCorrection rows (更正记录), newest first
    plan_changes: list[PlanChange] = field(default_factory=list)
    # The summary card: why the light is lit, the most urgent open items, the latest 批示.
    light_reasons: list[LightReason] = field(default_factory=list)
    urgent: list[UrgentItem] = field(default_factory=list)

    @property
    def latest_instruction(self) -> ProjectComment | None:
        return next((c for c in self.comments if c.kind == CommentKind.INSTRUCTION), None)

    @property
    def plan(self):
        return next((p for p in self.project.annual_plans.all() if p.year == self.year), None)

    def chart(self) -> dict:
        """The monthly investment chart's data (万元, as strings: Decimal survives JSON exactly)."""
        return {
            "months": [f"{r.month}月" for r in self.months],
            "plan": [r.plan for r in self.months],
            "completed": [r.completed for r in self.months],
            "plan_cumulative": [r.plan_cumulative for r in self.months],
            "completed_cumulative": [r.completed_cumulative if r.month <= self.last_reported_month else None for r in self.months],
        }

    @property
    def completion_points(self) -> Decimal | None:
        return None if self.completion_rate is None else self.completion_rate * formulas.HUNDRED

    @property
    def time_points(self) -> Decimal:
        return self.time_progress * formulas.HUNDRED

    @property
    def last_reported_month(self) -> int:
        return max((r.month for r in self.months if r.completed is not None), default=0)


CORRECTION_ROWS = 50


def _month_rows(targets: list[MonthlyTarget], reports: list[ProgressReport], year: int) -> list[MonthRow]:
    """Monthly plan against approved reports (only approved figures count, as in every statistic)."""
    plan = {t.month: t for t in targets}
    done = {r.month: r.period_completed for r in reports if r.year == year and r.status == ReportStatus.APPROVED}
    rows, plan_sum, done_sum = [], Decimal("0"), Decimal("0")
    for month in range(1, 13):
        target = plan.get(month)
        plan_sum += target.plan_investment if target else Decimal("0")
        done_sum += done.get(month, Decimal("0"))
        rows.append(
            MonthRow(
                month=month,
                plan=target.plan_investment if target else None,
                completed=done.get(month),
                plan_cumulative=plan_sum,
                completed_cumulative=done_sum,
                node_target=target.node_target if target else "",
            )
        )
    return rows


def _history(project: Project) -> list[HistoryRow]:
    """The newest changes with who, when and which fields, from one query (one row more than shown,
    to diff the oldest shown against its predecessor)."""
    records = list(project.history.select_related("history_user").order_by("-history_date", "-history_id")[: HISTORY_ROWS + 1])
    fields = [f for f in Project._meta.concrete_fields if f.name not in HISTORY_SKIP and f.name != "id"]
    kinds = {"+": "新建", "~": "修改", "-": "删除"}
    rows = []
    for newer, older in zip(records[:HISTORY_ROWS], [*records[1:], None], strict=False):
        changes = []
        if older is not None and newer.history_type == "~":
            changes = [str(f.verbose_name) for f in fields if getattr(newer, f.attname) != getattr(older, f.attname)]
        user = newer.history_user
        rows.append(
            HistoryRow(when=newer.history_date, who=str(user) if user else "系统", kind=kinds.get(newer.history_type, ""), changes=changes)
        )
    return rows


def _plan_changes(project: Project, year: int) -> list[PlanChange]:
    """The year's plan as created and each 调整计划 since, newest first (one query)."""
    records = AnnualPlan.history.filter(project_id=project.pk, year=year).select_related("history_user")
    return [
        PlanChange(
            when=h.history_date,
            who=str(h.history_user) if h.history_user else "系统",
            revision=h.revision,
            amount=h.annual_plan,
            reason=h.history_change_reason or "",
        )
        for h in records.order_by("-history_date", "-history_id")[:HISTORY_ROWS]
    ]


# The parts whose reason reads better with how many of the project's items light it.
COUNTED_PARTS = {DueKindCode.MILESTONE: "milestones", DueKindCode.PROBLEM: "open_problems"}
REASON_PART = {label: code for code, label in PART_LABELS.items()} | {label: code for code, label in DUE_SOON_LABELS.items()}


def light_reasons(project: Project, ranks, d: Dossier) -> list[LightReason]:
    """The lights' own reasons for this project (`ProjectRanks.reasons`), each with the figure that
    makes it concrete: how many milestones or problems light it, how far investment is behind."""
    reasons = []
    for rank, label in ranks.reasons(project.pk):
        code = REASON_PART.get(label)
        detail = ""
        if code in COUNTED_PARTS:
            count = sum(1 for row in getattr(d, COUNTED_PARTS[code]) if row.light_rank == rank)
            detail = f"{count} 项" if count else ""
        elif code == INVESTMENT and d.gap_points is not None and d.gap_points < 0:
            detail = f"欠序时 {formulas.quantize(-d.gap_points)} 个百分点"
        reasons.append(LightReason(light=RANK_LIGHT[rank].value, text=label, detail=detail))
    return reasons


def urgent_items(d: Dossier, ctx: LightContext, limit: int = URGENT_ITEMS) -> list[UrgentItem]:
    """The open red and yellow items, worst light first, then the earliest due. Milestones and
    problems by their own lights; a 督办 awaiting its reply by its reply deadline, read as a problem's
    deadline is (the 督办 is about the project's problems)."""
    today = ctx.today
    items = []
    for m in d.milestones:
        if m.light_rank:
            dept = m.responsible_dept.name if m.responsible_dept else ""
            items.append(
                UrgentItem(m.get_kind_display(), m.name, m.light, m.planned_date, (m.planned_date - today).days, f"milestone-{m.pk}", dept)
            )
    for q in d.open_problems:
        if q.light_rank:
            note = "、".join(x for x in (q.responsible_dept.name, f"督办{q.escalation_level}级" if q.escalation_level else "") if x)
            items.append(
                UrgentItem(
                    f"问题·{q.get_category_display()}",
                    q.description,
                    q.light,
                    q.deadline,
                    (q.deadline - today).days,
                    f"problem-{q.pk}",
                    note,
                )
            )
    for n in d.notices:
        if n.status != NoticeStatus.ISSUED or n.reply_deadline is None:
            continue
        light = date_light(due=n.reply_deadline, closed=False, today=today, limit=ctx.problem_limit, enabled=ctx.problem.enabled)
        if light != Light.GREEN:
            title = f"{n.number}：{n.content}"
            items.append(
                UrgentItem(
                    n.get_notice_type_display(),
                    title,
                    Light(light).value,
                    n.reply_deadline,
                    (n.reply_deadline - today).days,
                    "notices",
                    f"{n.target_dept.name}限期回复",
                )
            )
    items.sort(key=lambda i: (i.light != Light.RED.value, i.due))
    return items[:limit]


def build_dossier(*, user, pk: int, today: dt.date | None = None) -> Dossier:
    """Everything the dossier shows, in a constant number of queries; 404 when the user may not read it."""
    today = today or timezone.localdate()
    ctx = light_context(today=today)
    try:
        project = project_detail_queryset(user=user, ctx=ctx, lights=False).get(pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404("未找到该项目。") from exc
    # The light of this one project only (not the whole portfolio's, then filtered to one), with its reasons.
    ranks = project_ranks(ctx, [project.pk])
    project.light_rank = ranks.rank(project.pk)
    project.light = RANK_LIGHT[project.light_rank].value
    year, month = ctx.period_year, ctx.period_month
    allowed = Allowed(user, [project.pk])

    def owned(rows):
        # The rows' project is this one: set it, so neither the policy nor a template reloads it.
        for row in rows:
            row.project = project
        return rows

    milestones = owned(
        list(
            annotate_milestone_lights(Milestone.objects.filter(project=project).select_related("responsible_dept"), ctx).order_by(
                "seq", "planned_date", "id"
            )
        )
    )
    for m in milestones:
        m.can_complete = not m.is_closed and allowed("complete", m)
        m.can_reopen = m.status == MilestoneStatus.DONE and allowed("reopen", m)
    problems = owned(
        list(
            annotate_problem_lights(
                Problem.objects.filter(project=project).select_related("responsible_dept", "coordinating_leader"), ctx
            ).order_by("deadline", "id")
        )
    )
    for p in problems:
        p.can_resolve = not p.is_closed and allowed("resolve", p)
        p.can_close = p.status == ProblemStatus.RESOLVED and allowed("close", p)
    reports = owned(list(ProgressReport.objects.filter(project=project).order_by("-year", "-month")))
    for r in reports:
        r.can_review = r.status == ReportStatus.SUBMITTED and allowed("approve", r)
        r.can_correct = r.status == ReportStatus.APPROVED and allowed("correct", r)
    lands = owned(list(LandAcquisition.objects.filter(project=project).select_related("region").order_by("parcel_name", "id")))
    for land in lands:
        land.can_change = allowed("change", land)
    targets = list(MonthlyTarget.objects.filter(plan__project=project, plan__year=year).order_by("month"))
    responsibilities = sorted(
        project.responsibilities.all(),
        key=lambda r: (RESPONSIBILITY_ORDER.index(r.role) if r.role in RESPONSIBILITY_ORDER else 99, not r.is_primary, r.pk),
    )
    for r in responsibilities:
        r.phone_shown = r.phone if may_see_phone(user, project, r) else mask_phone(r.phone)
    project.owner_phone_shown = project.owner_phone if may_see_phone(user, project) else mask_phone(project.owner_phone)
    plan_amount = project.period_plan
    plan = next((p for p in project.annual_plans.all() if p.year == year), None)
    if plan is not None:
        plan.project = project  # for the policy, without a query
    # The project's own 序时进度: its monthly targets (倒排工期) where it has them, else month/12.
    progress = project_time_progress(month, {t.month: t.plan_investment for t in targets})
    d = Dossier(
        project=project,
        year=year,
        month=month,
        completion_rate=formulas.completion_rate(project.ytd_completed, plan_amount) if plan_amount else None,
        time_progress=progress.share,
        time_progress_rule=progress.rule,
        gap_points=formulas.gap_points(project.ytd_completed, plan_amount, progress.share) if plan_amount else None,
        responsibilities=responsibilities,
        milestones=milestones,
        months=_month_rows(targets, reports, year),
        reports=reports,
        lands=lands,
        open_problems=[p for p in problems if not p.is_closed],
        closed_problems=[p for p in problems if p.is_closed],
        notices=list(project.notices.select_related("target_dept").order_by("-issued_on", "-id")),
        comments=list(project.comments.select_related("author").order_by("-created_at", "-id")),
        history=_history(project),
        # The report's own corrections and those of the 统计局 figures; the frozen figures that moved
        # with a report correction are its consequence, listed in the API (kind "frozen").
        corrections=list(correction_list(project_id=project.pk).exclude(kind=CorrectionKind.FROZEN)[:CORRECTION_ROWS]),
        plan_changes=_plan_changes(project, year),
        can={
            "adjust_plan": plan is not None and allowed("change", plan),
            "report": allowed("create", ProgressReport(project=project)),
            "land": allowed("create", LandAcquisition(project=project)),
            "problem": allowed("create", Problem(project=project)),
            **comment_box(user, project),  # "comment" and, for a leader refused, "comment_note"
        },
    )
    d.light_reasons = light_reasons(project, ranks, d)
    d.urgent = urgent_items(d, ctx)
    return d


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = {"d": build_dossier(user=request.user, pk=pk), "printing": False, "comment_form": ProjectCommentForm(auto_id="comment-%s")}
    return render(request, "projects/dossier/detail.html", context)


@login_required
def project_print(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "projects/dossier/print.html", {"d": build_dossier(user=request.user, pk=pk), "printing": True})


# --- Excel --------------------------------------------------------------------------------


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _basic_rows(d: Dossier) -> list[tuple[str, object, str]]:
    """(label, value, kind) with kind "text", "money" (万元) or "light"."""
    p = d.project
    lead = [r for r in d.responsibilities if r.role == ResponsibilityRole.LEAD_LEADER and r.leader]
    depts = [r for r in d.responsibilities if r.role == ResponsibilityRole.LEAD_DEPT and r.department]
    hundred = formulas.HUNDRED
    return [
        ("项目名称", p.name, "text"),
        ("项目代码", p.primary_code or "（未赋码）", "text"),
        ("项目类别", p.category.name, "text"),
        ("项目级别", p.levels_display, "text"),
        ("投资管理方式", p.get_investment_mode_display(), "text"),
        ("建设性质", p.get_construction_nature_display(), "text"),
        ("建设单位", p.owner_unit, "text"),
        ("建设地点", p.location_text, "text"),
        ("所在乡镇（街道）/园区", p.region.name, "text"),
        ("建设年限", f"{p.start_year}—{p.end_year}年", "text"),
        ("计划开工 / 竣工", f"{_date(p.planned_start) or '—'} / {_date(p.planned_finish) or '—'}", "text"),
        ("实际开工 / 竣工", f"{_date(p.actual_start) or '—'} / {_date(p.actual_finish) or '—'}", "text"),
        ("建设状态", p.get_build_status_display(), "text"),
        ("项目库阶段", p.get_pool_stage_display(), "text"),
        ("计划总投资（万元）", p.total_investment, "money"),
        (f"{d.year}年计划投资（万元）", p.period_plan, "money"),
        (f"{d.year}年1—{d.month}月完成（万元）", p.ytd_completed, "money"),
        ("年度完成率", f"{formulas.quantize(d.completion_rate * hundred)}%" if d.completion_rate is not None else "—", "text"),
        ("序时进度", f"{formulas.quantize(d.time_progress * hundred)}%（{d.time_progress_rule}）", "text"),
        ("超（欠）序时（百分点）", str(formulas.quantize(d.gap_points)) if d.gap_points is not None else "—", "text"),
        ("项目预警", p.light, "light"),
        ("包保领导", "、".join(r.leader.position for r in lead), "text"),
        ("牵头单位", "、".join(r.department.name for r in depts), "text"),
        ("最新形象进度", p.latest_image_progress, "text"),
    ]


def _basic_value(value, kind: str):
    """A 基本信息 value as its cell: money as a number in 万元, the light by name and colour."""
    if kind == "money" and value is not None:
        return Styled(Decimal(value), number_format=MONEY_FORMAT)
    if kind == "light":
        return Styled(LIGHT_NAMES.get(str(value), ""), fill=LIGHT_FILLS.get(value))
    return value


@login_required
def project_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The dossier as a workbook: 基本信息, 审批要件, 月度投资, 征地拆迁, 问题."""
    d = build_dossier(user=request.user, pk=pk)
    p = d.project
    title = p.short_name or p.name
    wb, ws = new_workbook("基本信息")
    add_table(
        ws,
        [Column("项目", 24), Column("内容", 60)],
        [(k, _basic_value(v, kind)) for k, v, kind in _basic_rows(d)],
        title=f"{title} 项目档案",
    )
    print_setup(ws, landscape=False)

    ws = add_sheet(wb, "审批要件")
    columns = [
        Column("序号", 6),
        Column("类型", 10),
        Column("阶段", 14),
        Column("要件/节点", 30),
        Column("责任单位", 16),
        Column("计划完成", 12),
        Column("实际完成", 12),
        Column("状态", 14),
        Column("文号", 24),
        Column("预警", 8, light=True),
    ]
    add_table(
        ws,
        columns,
        [
            (
                m.seq,
                m.get_kind_display(),
                m.get_stage_display(),
                m.name,
                m.responsible_dept.name if m.responsible_dept else "",
                _date(m.planned_date),
                _date(m.actual_date),
                m.get_status_display(),
                m.doc_number,
                m.light,
            )
            for m in d.milestones
        ],
        title=f"{title} 审批要件与建设节点",
    )
    print_setup(ws)

    ws = add_sheet(wb, "月度投资")
    columns = [
        Column("月份", 8),
        Column("月度计划（万元）", 16, money=True),
        Column("月度完成（万元）", 16, money=True),
        Column("累计计划（万元）", 16, money=True),
        Column("累计完成（万元）", 16, money=True),
        Column("节点目标", 30),
    ]
    add_table(
        ws,
        columns,
        [
            (
                f"{r.month}月",
                r.plan,
                r.completed,
                r.plan_cumulative,
                r.completed_cumulative if r.month <= d.last_reported_month else None,
                r.node_target,
            )
            for r in d.months
        ],
        title=f"{title} {d.year}年月度投资（已审核月报）",
    )
    print_setup(ws, landscape=False)

    ws = add_sheet(wb, "征地拆迁")
    columns = [
        Column("地块/片区", 20),
        Column("应征（亩）", 11),
        Column("已征（亩）", 11),
        Column("征收率", 9),
        Column("涉及户数", 9),
        Column("已签约", 9),
        Column("签约率", 9),
        Column("应付补偿（万元）", 15, money=True),
        Column("已拨付（万元）", 15, money=True),
        Column("报批进度", 18),
    ]
    add_table(
        ws,
        columns,
        [
            (
                land.parcel_name,
                land.required_area_mu,
                land.acquired_area_mu,
                f"{land.acquisition_rate}%" if land.acquisition_rate is not None else "—",
                land.land_households_total,
                land.land_households_signed,
                f"{land.signing_rate}%" if land.signing_rate is not None else "—",
                land.compensation_due,
                land.compensation_paid,
                land.get_approval_status_display(),
            )
            for land in d.lands
        ],
        title=f"{title} 征地拆迁",
    )
    print_setup(ws)

    ws = add_sheet(wb, "问题")
    columns = [
        Column("问题类型", 14),
        Column("问题描述", 40),
        Column("责任单位", 16),
        Column("协调领导", 14),
        Column("提出日期", 12),
        Column("解决时限", 12),
        Column("状态", 14),
        Column("解决情况", 30),
        Column("预警", 8, light=True),
    ]
    add_table(
        ws,
        columns,
        [
            (
                q.get_category_display(),
                q.description,
                q.responsible_dept.name,
                q.coordinating_leader.position if q.coordinating_leader else "",
                _date(q.raised_on),
                _date(q.deadline),
                q.get_status_display(),
                q.resolution,
                q.light,
            )
            for q in [*d.open_problems, *d.closed_problems]
        ],
        title=f"{title} 问题清单",
    )
    print_setup(ws)
    return xlsx_response(wb, f"{title}-项目档案.xlsx")


urlpatterns = [
    path("projects/<int:pk>/", project_detail, name="project-detail"),
    path("projects/<int:pk>/print/", project_print, name="project-print"),
    path("projects/<int:pk>/export.xlsx", project_export, name="project-export-dossier"),
]
