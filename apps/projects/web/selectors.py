"""The dossier page's selector (项目档案): `build_dossier` reads everything the page, its A4 print
view and its Excel export show, once per request, through the core's selectors and light
annotations, in a number of queries that does not depend on how many milestones, reports, parcels,
problems or history rows the project has. What the user may do is the policy's answer per row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.policy import decide, may
from apps.core.due import DueKindCode
from apps.core.models import RANK_LIGHT, Light
from apps.core.privacy import mask_phone
from apps.core.versioning import VERSION_FIELDS
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

HISTORY_ROWS = 20
URGENT_ITEMS = 3  # the summary card's "most urgent" items: a phone's first screen holds about three
# Fields whose change says nothing to a reader (they move with every save).
# The version columns move with every save: a change is the fields the user changed.
HISTORY_SKIP = {"updated_at", "code_warning", *VERSION_FIELDS}
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
            "edit": allowed("change", project),
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


def comment_box(user, project: Project) -> dict[str, object]:
    """Whether the dossier shows the 批示 box (`comment`), and, where a leader would expect it and it
    is absent, the sentence saying why (`comment_note`); a department or a viewer would not expect it."""
    decision = decide(user, "comment", project)
    note = "" if decision or getattr(user, "role", "") != Role.LEADER else decision.reason
    return {"comment": bool(decision), "comment_note": note}
