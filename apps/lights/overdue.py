"""Selectors for the overdue list (逾期与临期清单): every open item past due or due within the
warning window — milestones, problems and unfiled monthly reports — worst first.

Days overdue are given in calendar days and in working days (statutory calendar)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q

from apps.core.models import LIGHT_RANK, Light
from apps.milestones.models import CLOSED_STATUSES, Milestone
from apps.problems.models import PROBLEM_CLOSED_STATUSES, Problem
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import AnnualPlan, Project, ProjectResponsibility, ResponsibilityRole
from apps.workcalendar.services import WorkCalendar, add_working_days

from .models import RuleCode
from .selectors import LightContext, date_light, rule_thresholds


class ItemType:
    MILESTONE = "milestone"
    PROBLEM = "problem"
    REPORT = "report"
    CHOICES = ((MILESTONE, "要件/节点"), (PROBLEM, "问题"), (REPORT, "月报未报送"))


@dataclass
class OverdueItem:
    type: str
    id: int
    title: str
    project_id: int | None
    project_name: str | None
    department_id: int | None
    department_name: str | None
    leader_id: int | None
    leader_position: str | None
    due_date: dt.date
    days_overdue: int
    working_days_overdue: int
    light: str


def _lead_responsibilities(path: str) -> Prefetch:
    """The 包保 leader and 牵头 department of each row's project, in one extra query."""
    return Prefetch(
        path,
        queryset=ProjectResponsibility.objects.filter(
            role__in=(ResponsibilityRole.LEAD_LEADER, ResponsibilityRole.LEAD_DEPT)
        ).select_related("leader", "department"),
    )


def _lead(project: Project | None) -> tuple:
    leader = dept = None
    if project is not None:
        for r in project.responsibilities.all():
            if r.role == ResponsibilityRole.LEAD_LEADER and leader is None:
                leader = r.leader
            elif r.role == ResponsibilityRole.LEAD_DEPT and dept is None:
                dept = r.department
    return leader, dept


class _WorkingDayIndex:
    """Working-day ordinals over a span, so each item's working days overdue is one subtraction."""

    def __init__(self, first: dt.date, last: dt.date):
        cal = WorkCalendar.load(first.year, last.year)
        self.first = first
        self.index: list[int] = []
        count = 0
        day = first
        while day <= last:
            if cal.is_working_day(day):
                count += 1
            self.index.append(count)
            day += dt.timedelta(days=1)

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]."""
        return self.index[(end - self.first).days] - self.index[(start - self.first).days]


def _leader_q(leader_id: int, project_path: str) -> Q:
    return Q(
        Exists(
            ProjectResponsibility.objects.filter(project=OuterRef(project_path), role=ResponsibilityRole.LEAD_LEADER, leader_id=leader_id)
        )
    )


def report_due_date(year: int, month: int, due_day: int) -> dt.date:
    """The report of (year, month) is due on `due_day` of the next month."""
    return dt.date(year + (month == 12), month % 12 + 1, due_day)


def overdue_items(
    *,
    ctx: LightContext,
    leader: int | None = None,
    department: int | None = None,
    region: int | None = None,
    light: str | None = None,
    item_type: str | None = None,
) -> list[OverdueItem]:
    """Open items past due or due within the window, worst light first, then most overdue."""
    today = ctx.today
    report_rule = rule_thresholds(RuleCode.REPORT_FILING)
    report_limit = add_working_days(start=today, days=report_rule.due_soon_working_days)
    rows: list[tuple] = []  # (type, obj, due, light, title, project, dept, leader)

    if item_type in (None, ItemType.MILESTONE) and ctx.milestone.enabled:
        qs = (
            Milestone.objects.filter(project__archived_at__isnull=True, planned_date__lte=ctx.milestone_limit)
            .exclude(status__in=CLOSED_STATUSES)
            .select_related("project", "responsible_dept")
            .prefetch_related(_lead_responsibilities("project__responsibilities"))
        )
        if leader:
            qs = qs.filter(_leader_q(leader, "project_id"))
        if department:
            qs = qs.filter(responsible_dept_id=department)
        if region:
            qs = qs.filter(Q(project__region_id=region) | Q(project__region__parent_id=region))
        for m in qs:
            lead_leader, lead_dept = _lead(m.project)
            dept = m.responsible_dept or lead_dept
            rows.append(
                (
                    ItemType.MILESTONE,
                    m.pk,
                    m.planned_date,
                    date_light(due=m.planned_date, closed=False, today=today, limit=ctx.milestone_limit),
                    m.name,
                    m.project,
                    dept,
                    lead_leader,
                )
            )

    if item_type in (None, ItemType.PROBLEM) and ctx.problem.enabled:
        qs = (
            Problem.objects.filter(deadline__lte=ctx.problem_limit)
            .filter(Q(project__isnull=True) | Q(project__archived_at__isnull=True))
            .exclude(status__in=PROBLEM_CLOSED_STATUSES)
            .select_related("project", "responsible_dept", "coordinating_leader")
            .prefetch_related(_lead_responsibilities("project__responsibilities"))
        )
        if leader:
            qs = qs.filter(Q(coordinating_leader_id=leader) | _leader_q(leader, "project_id"))
        if department:
            qs = qs.filter(responsible_dept_id=department)
        if region:
            qs = qs.filter(Q(project__region_id=region) | Q(project__region__parent_id=region))
        for p in qs:
            lead_leader, _ = _lead(p.project)
            rows.append(
                (
                    ItemType.PROBLEM,
                    p.pk,
                    p.deadline,
                    date_light(due=p.deadline, closed=False, today=today, limit=ctx.problem_limit),
                    p.description[:60],
                    p.project,
                    p.responsible_dept,
                    p.coordinating_leader or lead_leader,
                )
            )

    if item_type in (None, ItemType.REPORT) and report_rule.enabled and ctx.period_month > 0:
        due = report_due_date(ctx.period_year, ctx.period_month, report_rule.report_due_day)
        if due <= report_limit:
            filed = ProgressReport.objects.filter(
                project=OuterRef("pk"),
                year=ctx.period_year,
                month=ctx.period_month,
                status__in=(ReportStatus.SUBMITTED, ReportStatus.APPROVED),
            )
            qs = (
                Project.objects.filter(archived_at__isnull=True)
                .filter(Exists(AnnualPlan.objects.filter(project=OuterRef("pk"), year=ctx.period_year)))
                .exclude(Exists(filed))
                .prefetch_related(_lead_responsibilities("responsibilities"))
            )
            if leader:
                qs = qs.filter(_leader_q(leader, "pk"))
            if department:
                qs = qs.filter(
                    Exists(
                        ProjectResponsibility.objects.filter(
                            project=OuterRef("pk"), role=ResponsibilityRole.LEAD_DEPT, department_id=department
                        )
                    )
                )
            if region:
                qs = qs.filter(Q(region_id=region) | Q(region__parent_id=region))
            report_light = date_light(due=due, closed=False, today=today, limit=report_limit)
            for project in qs:
                lead_leader, lead_dept = _lead(project)
                title = f"{ctx.period_year}年{ctx.period_month}月月报未报送"
                rows.append((ItemType.REPORT, project.pk, due, report_light, title, project, lead_dept, lead_leader))

    if light:
        rows = [r for r in rows if r[3] == light]
    if not rows:
        return []
    first = min(min(r[2] for r in rows), today)
    index = _WorkingDayIndex(first, max(today, max(r[2] for r in rows)))
    items = []
    for kind, pk, due, lgt, title, project, dept, lead in rows:
        items.append(
            OverdueItem(
                type=kind,
                id=pk,
                title=title,
                project_id=project.pk if project else None,
                project_name=project.name if project else None,
                department_id=dept.pk if dept else None,
                department_name=dept.name if dept else None,
                leader_id=lead.pk if lead else None,
                leader_position=lead.position if lead else None,
                due_date=due,
                days_overdue=(today - due).days,
                working_days_overdue=index.between(due, today) if due <= today else -index.between(today, due),
                light=Light(lgt).value,
            )
        )
    items.sort(key=lambda i: (-LIGHT_RANK[Light(i.light)], -i.days_overdue, i.type, i.id))
    return items
