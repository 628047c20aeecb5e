"""Reads for reminders: the items a rule covers, who can be reached, digests, and what each
user may see of deliveries and notifications."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain

from django.db.models import DateField as DateFieldType
from django.db.models import F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value

from apps.accounts.models import Role, User
from apps.api.permissions import is_office
from apps.milestones.models import CLOSED_STATUSES, Milestone
from apps.organization.models import Department
from apps.problems.models import PROBLEM_CLOSED_STATUSES, Problem
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import BuildStatus, PoolStage, Project, ProjectResponsibility, ResponsibilityRole

from .models import ChannelPreference, Notification, ReminderCursor, ReminderDelivery, ReminderRule, Subject, WebhookEndpoint

# Admin pages are the one place every role can open an item today; the API has no pages yet.
ADMIN_LINKS = {
    Subject.MILESTONE: "/admin/milestones/milestone/{}/change/",
    Subject.PROBLEM: "/admin/problems/problem/{}/change/",
    Subject.START: "/admin/projects/project/{}/change/",
    Subject.REPORT: "/admin/projects/project/{}/change/",
}
FILED_REPORT_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


@dataclass(frozen=True)
class Source:
    """One queryset of reminder items, normalised by `.values()` to the same keys."""

    subject: str
    queryset: QuerySet


def _cursor_annotations(rule: ReminderRule, due) -> dict:
    cursor = ReminderCursor.objects.filter(rule=rule, object_id=OuterRef("pk"), due_date=due)
    return {
        "cursor_fire": Subquery(cursor.values("reminder_fire_date")[:1], output_field=DateFieldType()),
        "cursor_esc": Subquery(cursor.values("escalated_days")[:1], output_field=IntegerField()),
    }


def _values(qs: QuerySet, **exprs) -> QuerySet:
    return qs.values("id", **exprs).order_by("id")


def report_deadline(year: int, month: int, due_day: int) -> dt.date:
    return dt.date(year, month, due_day)


def report_periods(today: dt.date, due_day: int) -> list[tuple[int, int, dt.date]]:
    """(year, month, deadline) of the report due this month and of the one due next month."""
    this = today.replace(day=1)
    nxt = (this + dt.timedelta(days=32)).replace(day=1)
    prev = (this - dt.timedelta(days=1)).replace(day=1)
    return [
        (prev.year, prev.month, report_deadline(this.year, this.month, due_day)),
        (this.year, this.month, report_deadline(nxt.year, nxt.month, due_day)),
    ]


def reminder_sources(rule: ReminderRule, *, today: dt.date, horizon: dt.date) -> list[Source]:
    """The open items of `rule`'s kind due on or before `horizon`, each with its sweep cursor."""
    if rule.subject == Subject.MILESTONE:
        qs = Milestone.objects.filter(planned_date__lte=horizon, project__archived_at__isnull=True).exclude(status__in=CLOSED_STATUSES)
        qs = qs.annotate(**_cursor_annotations(rule, OuterRef("planned_date")))
        return [
            Source(
                rule.subject,
                _values(
                    qs,
                    due=F("planned_date"),
                    title=F("name"),
                    project_ref=F("project_id"),
                    project_name=F("project__name"),
                    dept_id=F("responsible_dept_id"),
                    leader_ref=Value(None, output_field=IntegerField()),
                    cursor_fire=F("cursor_fire"),
                    cursor_esc=F("cursor_esc"),
                ),
            )
        ]
    if rule.subject == Subject.PROBLEM:
        qs = Problem.objects.filter(deadline__lte=horizon).exclude(status__in=PROBLEM_CLOSED_STATUSES)
        qs = qs.filter(Q(project__isnull=True) | Q(project__archived_at__isnull=True))
        qs = qs.annotate(**_cursor_annotations(rule, OuterRef("deadline")))
        return [
            Source(
                rule.subject,
                _values(
                    qs,
                    due=F("deadline"),
                    title=F("description"),
                    project_ref=F("project_id"),
                    project_name=F("project__name"),
                    dept_id=F("responsible_dept_id"),
                    leader_ref=F("coordinating_leader_id"),
                    cursor_fire=F("cursor_fire"),
                    cursor_esc=F("cursor_esc"),
                ),
            )
        ]
    if rule.subject == Subject.START:
        qs = Project.objects.filter(planned_start__lte=horizon, build_status=BuildStatus.NOT_STARTED, archived_at__isnull=True).exclude(
            pool_stage=PoolStage.WITHDRAWN
        )
        qs = qs.annotate(**_cursor_annotations(rule, OuterRef("planned_start")))
        return [Source(rule.subject, _project_values(qs, F("planned_start"), "计划开工"))]
    if rule.subject == Subject.REPORT:
        sources = []
        for year, month, deadline in report_periods(today, rule.report_due_day):
            if deadline > horizon:
                continue
            qs = reporting_projects(year=year, month=month)
            qs = qs.annotate(**_cursor_annotations(rule, Value(deadline)))
            sources.append(Source(rule.subject, _project_values(qs, Value(deadline), f"{year}年{month}月月报填报")))
        return sources
    return []


def _project_values(qs: QuerySet, due, title: str) -> QuerySet:
    return _values(
        qs,
        due=due,
        title=Value(title),
        project_ref=F("id"),
        project_name=F("name"),
        dept_id=Value(None, output_field=IntegerField()),
        leader_ref=Value(None, output_field=IntegerField()),
        cursor_fire=F("cursor_fire"),
        cursor_esc=F("cursor_esc"),
    )


def reporting_projects(*, year: int, month: int) -> QuerySet[Project]:
    """Projects that owe a monthly report for (year, month) and have not filed it: in the 前期 or
    实施 pool with an annual plan that year, and no submitted or approved report for the month."""
    filed = ProgressReport.objects.filter(year=year, month=month, status__in=FILED_REPORT_STATUSES).values("project_id")
    return Project.objects.filter(
        archived_at__isnull=True,
        pool_stage__in=(PoolStage.PRELIM, PoolStage.IMPLEMENT),
        annual_plans__year=year,
    ).exclude(pk__in=filed)


def earliest_due(sources: list[Source]) -> dt.date | None:
    dates = [s.queryset.order_by().aggregate(first=Min("due"))["first"] for s in sources]
    dates = [d for d in dates if d is not None]
    return min(dates) if dates else None


def iter_pages(source: Source, batch_size: int) -> Iterator[list[dict]]:
    """Keyset pages of a source: bounded memory and one short transaction per page."""
    last = 0
    while True:
        page = list(source.queryset.filter(id__gt=last)[:batch_size])
        if not page:
            return
        yield page
        last = page[-1]["id"]


@dataclass
class Responsibilities:
    """Each project's departments and leaders by responsibility role."""

    depts: dict[tuple[int, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    leaders: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, project_ids: set[int]) -> Responsibilities:
        result = cls()
        rows = ProjectResponsibility.objects.filter(project_id__in=project_ids).values_list(
            "project_id", "role", "department_id", "leader_id"
        )
        for project_id, role, dept_id, leader_id in rows:
            if dept_id is not None:
                result.depts[(project_id, role)].append(dept_id)
            if role == ResponsibilityRole.LEAD_LEADER and leader_id is not None:
                result.leaders[project_id].append(leader_id)
        return result


@dataclass
class Directory:
    """Who can be reached and how: loaded once per sweep (a handful of queries, whatever the size)."""

    dept_names: dict[int, str]
    users_by_dept: dict[int, list[int]]
    user_by_leader: dict[int, int]
    office_users: list[int]
    contacts: dict[int, tuple[str, str]]
    prefs: dict[int, tuple[bool, bool, bool]]
    endpoints: list[tuple[int, int | None]]

    @classmethod
    def load(cls) -> Directory:
        users = list(User.objects.filter(is_active=True).values_list("id", "role", "department_id", "leader_id", "email", "phone"))
        by_dept: dict[int, list[int]] = defaultdict(list)
        by_leader: dict[int, int] = {}
        office: list[int] = []
        for uid, role, dept_id, leader_id, _email, _phone in users:
            if dept_id is not None and role in (Role.DEPARTMENT, Role.PORTFOLIO_OFFICE):
                by_dept[dept_id].append(uid)
            if leader_id is not None:
                by_leader[leader_id] = uid
            if role == Role.PORTFOLIO_OFFICE:
                office.append(uid)
        return cls(
            dept_names=dict(Department.objects.values_list("id", "name")),
            users_by_dept=by_dept,
            user_by_leader=by_leader,
            office_users=office,
            contacts={uid: (email, phone) for uid, _r, _d, _l, email, phone in users},
            prefs={uid: (a, e, s) for uid, a, e, s in ChannelPreference.objects.values_list("user_id", "in_app", "email", "sms")},
            endpoints=list(WebhookEndpoint.objects.filter(enabled=True).values_list("id", "department_id")),
        )

    def pref(self, user_id: int) -> tuple[bool, bool, bool]:
        return self.prefs.get(user_id, (True, True, False))


# --- digest ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestItem:
    kind: str  # 要件/节点, 问题, 计划开工
    title: str
    project_id: int | None
    project_name: str
    due: dt.date
    dept_name: str
    link: str


def leader_digest_items(*, leader_ids: list[int], horizon: dt.date) -> dict[int, list[DigestItem]]:
    """Open milestones, problems and planned starts of each leader's projects due on or before
    `horizon` (three queries, whatever the number of leaders)."""
    result: dict[int, list[DigestItem]] = defaultdict(list)
    lead = {"project__responsibilities__role": ResponsibilityRole.LEAD_LEADER, "project__responsibilities__leader_id__in": leader_ids}
    milestones = (
        Milestone.objects.filter(planned_date__lte=horizon, project__archived_at__isnull=True, **lead)
        .exclude(status__in=CLOSED_STATUSES)
        .values_list(
            "project__responsibilities__leader_id", "id", "name", "project_id", "project__name", "planned_date", "responsible_dept__name"
        )
    )
    for leader, pk, name, project_id, project_name, due, dept in milestones:
        result[leader].append(
            DigestItem("要件/节点", name, project_id, project_name, due, dept or "", ADMIN_LINKS[Subject.MILESTONE].format(pk))
        )
    # A problem is the leader's when it is in their project or they coordinate it (two queries).
    fields = ("id", "description", "project_id", "project__name", "deadline", "responsible_dept__name")
    open_problems = Problem.objects.filter(deadline__lte=horizon).exclude(status__in=PROBLEM_CLOSED_STATUSES)
    in_projects = open_problems.filter(**lead).values_list("project__responsibilities__leader_id", *fields)
    coordinated = open_problems.filter(coordinating_leader_id__in=leader_ids).values_list("coordinating_leader_id", *fields)
    seen: set[tuple[int, int]] = set()
    for leader, pk, text, project_id, project_name, due, dept in chain(in_projects, coordinated):
        if (leader, pk) in seen:
            continue
        seen.add((leader, pk))
        short = text if len(text) <= 40 else text[:40] + "…"
        result[leader].append(
            DigestItem("问题", short, project_id, project_name or "跨项目", due, dept or "", ADMIN_LINKS[Subject.PROBLEM].format(pk))
        )
    starts = (
        Project.objects.filter(
            planned_start__lte=horizon,
            build_status=BuildStatus.NOT_STARTED,
            archived_at__isnull=True,
            responsibilities__role=ResponsibilityRole.LEAD_LEADER,
            responsibilities__leader_id__in=leader_ids,
        )
        .exclude(pool_stage=PoolStage.WITHDRAWN)
        .values_list("responsibilities__leader_id", "id", "name", "planned_start")
    )
    for leader, pk, name, due in starts:
        result[leader].append(DigestItem("计划开工", "计划开工", pk, name, due, "", ADMIN_LINKS[Subject.START].format(pk)))
    return result


def digest_recipients() -> QuerySet[User]:
    """Active users who hold a leader position."""
    return User.objects.filter(is_active=True, leader__isnull=False, leader__is_active=True).order_by("id")


# --- API reads ---------------------------------------------------------------------------------


def deliveries_visible_to(user) -> QuerySet[ReminderDelivery]:
    """The office sees every delivery; everybody else only their own."""
    qs = ReminderDelivery.objects.select_related("rule", "user", "endpoint", "project")
    if is_office(user):
        return qs
    return qs.filter(user=user)


def notifications_of(user) -> QuerySet[Notification]:
    """A user's own in-app notifications, newest first."""
    return Notification.objects.filter(user=user).select_related("project").order_by("-created_at", "-id")


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
