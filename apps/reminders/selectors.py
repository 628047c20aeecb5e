"""Reads for reminders: the items a rule covers, who can be reached, digests, and what each
user may see of deliveries and notifications."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import DateField as DateFieldType
from django.db.models import IntegerField, Min, OuterRef, QuerySet, Subquery

from apps.accounts.models import Role, User
from apps.accounts.policy import is_office
from apps.core.due import kinds
from apps.lights.models import RuleCode
from apps.lights.selectors import all_thresholds
from apps.organization.models import Department, Leader
from apps.projects.models import ProjectResponsibility, ResponsibilityRole

from .models import ChannelPreference, Notification, ReminderCursor, ReminderDelivery, ReminderRule, WebhookEndpoint


@dataclass(frozen=True)
class Source:
    """One queryset of reminder items: the due-item registry's rows (apps.core.due.ROW_KEYS)
    plus this rule's sweep cursor."""

    subject: str
    queryset: QuerySet


def reminder_sources(rule: ReminderRule, *, today: dt.date, horizon: dt.date) -> list[Source]:
    """The open items of `rule`'s kind due on or before `horizon` (from the registry), each with its sweep cursor."""
    kind = kinds().get(rule.subject)
    rules = all_thresholds()
    # A kind whose warning rule the office switched off is due for nobody: no list, no light, no reminder.
    if kind is None or not rules[kind.rule_code].enabled:
        return []
    sources = []
    for qs in kind.sources(today=today, until=horizon, due_day=rules[RuleCode.REPORT_FILING].report_due_day):
        cursor = ReminderCursor.objects.filter(rule=rule, object_id=OuterRef("id"), due_date=OuterRef("due"))
        qs = qs.annotate(
            cursor_fire=Subquery(cursor.values("reminder_fire_date")[:1], output_field=DateFieldType()),
            cursor_esc=Subquery(cursor.values("escalated_days")[:1], output_field=IntegerField()),
        )
        sources.append(Source(rule.subject, qs))
    return sources


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
    leader_names: dict[int, str]
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
            leader_names=dict(Leader.objects.values_list("id", "position")),
            users_by_dept=by_dept,
            user_by_leader=by_leader,
            office_users=office,
            contacts={uid: (email, phone) for uid, _r, _d, _l, email, phone in users},
            prefs={uid: (a, e, s) for uid, a, e, s in ChannelPreference.objects.values_list("user_id", "in_app", "email", "sms")},
            endpoints=list(WebhookEndpoint.objects.filter(enabled=True).values_list("id", "department_id")),
        )

    @classmethod
    def of_users(cls, user_ids) -> Directory:
        """Just enough to address these users on their personal channels (contacts and preferences,
        no webhooks): two queries, however many users the system has, for a service that tells a
        handful of people about one event."""
        ids = list(user_ids)
        users = User.objects.filter(pk__in=ids, is_active=True).values_list("id", "email", "phone")
        return cls(
            dept_names={},
            leader_names={},
            users_by_dept={},
            user_by_leader={},
            office_users=[],
            contacts={uid: (email, phone) for uid, email, phone in users},
            prefs={
                uid: (a, e, s)
                for uid, a, e, s in ChannelPreference.objects.filter(user_id__in=ids).values_list("user_id", "in_app", "email", "sms")
            },
            endpoints=[],
        )

    def pref(self, user_id: int) -> tuple[bool, bool, bool]:
        return self.prefs.get(user_id, (True, True, False))


# --- digest ------------------------------------------------------------------------------------


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


# --- hand-offs ---------------------------------------------------------------------------------


def department_user_ids(dept_ids) -> set[int]:
    """The active users who act for these departments (department staff, and office staff seated in
    one), as the sweep's Directory reaches a department."""
    ids = {d for d in dept_ids if d is not None}
    if not ids:
        return set()
    qs = User.objects.filter(is_active=True, department_id__in=ids, role__in=(Role.DEPARTMENT, Role.PORTFOLIO_OFFICE))
    return set(qs.values_list("id", flat=True))


def project_department_ids(project_id: int | None, roles) -> set[int]:
    """The departments holding any of `roles` on the project."""
    if project_id is None:
        return set()
    rows = ProjectResponsibility.objects.filter(project_id=project_id, role__in=list(roles), department__isnull=False)
    return set(rows.values_list("department_id", flat=True))


def report_filer_ids(report) -> set[int]:
    """Who files a monthly report: the users who started and submitted it, and the staff of the
    project's lead department (the one that files its reports, whoever typed this one)."""
    people = {report.created_by_id, report.submitted_by_id} - {None}
    active = set(User.objects.filter(pk__in=people, is_active=True).values_list("id", flat=True)) if people else set()
    return active | department_user_ids(project_department_ids(report.project_id, [ResponsibilityRole.LEAD_DEPT]))


# The departments a 批示 is addressed to: the responsible ones and where the project's contacts sit.
INSTRUCTION_ROLES = (ResponsibilityRole.LEAD_DEPT, ResponsibilityRole.COOP_DEPT, ResponsibilityRole.LIAISON)


def instruction_recipient_ids(project_id: int) -> set[int]:
    return department_user_ids(project_department_ids(project_id, INSTRUCTION_ROLES))


def handoffs_by_leader(*, leader_ids, since) -> dict[int, list[dict]]:
    """Each leader's hand-off events on the projects they lead since `since`, one entry per event
    (however many people and channels it reached), read from the delivery ledger in two queries."""
    from .models import Subject

    projects: dict[int, list[int]] = defaultdict(list)
    rows = ProjectResponsibility.objects.filter(role=ResponsibilityRole.LEAD_LEADER, leader_id__in=list(set(leader_ids)))
    for project_id, leader_id in rows.values_list("project_id", "leader_id"):
        projects[project_id].append(leader_id)
    if not projects:
        return {}
    events: dict[tuple, dict] = {}
    deliveries = ReminderDelivery.objects.filter(subject=Subject.HANDOFF, project_id__in=list(projects), created_at__gte=since)
    for step_key, object_id, occurrence, project_id, context in deliveries.order_by("id").values_list(
        "step_key", "object_id", "occurrence", "project_id", "context"
    ):
        events.setdefault(
            (step_key, object_id, occurrence),
            {
                "project_id": project_id,
                "project": context.get("project", ""),
                "kind": context.get("kind", ""),
                "title": context.get("title", ""),
                "at": context.get("at", ""),
                "link": context.get("link", ""),
            },
        )
    result: dict[int, list[dict]] = defaultdict(list)
    for event in events.values():
        for leader_id in projects[event["project_id"]]:
            result[leader_id].append(event)
    return dict(result)
