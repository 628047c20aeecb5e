"""The weekly digest of each 包保 leader: overdue first (oldest first), then due soon, grouped by
project; one message per leader per week, none when there is nothing to report.

Its items are exactly the leader's list (apps.lights.overdue.due_items with the leader), read
from the due-item registry with the same warning windows."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from django.db import transaction
from django.utils import timezone

from apps.core.due import kinds
from apps.lights.overdue import OverdueItem, due_items
from apps.lights.selectors import LightContext, light_context
from apps.workcalendar.services import WorkdayIndex

from ..models import HandoffKind, ReminderRule, Subject, SweepRun
from ..selectors import Directory, digest_recipients, handoffs_by_leader
from .common import SweepResult, expand_channels, lease_lock, load_calendar, persist_deliveries, rule_window_open

DIGEST_STEP = "digest:weekly"


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def _groups(items: list[OverdueItem], *, overdue: bool) -> list[dict]:
    groups: OrderedDict[str, dict] = OrderedDict()
    for item in sorted(items, key=lambda i: (i.due_date, i.project_name or "", i.title)):
        name = item.project_name or "跨项目"
        group = groups.setdefault(name, {"project": name, "project_id": item.project_id, "items": []})
        group["items"].append(
            {
                "kind": kinds()[item.type].label,
                "title": _short(item.title),
                "due_date": item.due_date.isoformat(),
                "overdue_days" if overdue else "remaining_days": item.working_days_overdue if overdue else item.working_days_left,
                "dept": item.department_name or "",
                "link": item.link,
            }
        )
    return list(groups.values())


def _handoff_groups(events: list[dict]) -> list[dict]:
    groups: OrderedDict[str, dict] = OrderedDict()
    for event in sorted(events, key=lambda e: (e["project"], e["at"])):
        group = groups.setdefault(event["project"], {"project": event["project"], "items": []})
        group["items"].append(
            {
                "kind": HandoffKind(event["kind"]).label if event["kind"] in HandoffKind.values else event["kind"],
                "title": _short(event["title"]),
                "at": event["at"],
                "link": event["link"],
            }
        )
    return list(groups.values())


def leader_digest_items(*, ctx: LightContext, leader_ids: list[int]) -> dict[int, list[OverdueItem]]:
    """Each leader's list on `ctx.today` (one registry read for all leaders)."""
    wanted = set(leader_ids)
    result: dict[int, list[OverdueItem]] = {}
    for item in due_items(ctx=ctx):
        for leader in item.leader_ids:
            if leader in wanted:
                result.setdefault(leader, []).append(item)
    return result


def leader_digests_send(*, now: dt.datetime | None = None, dry_run: bool = False, force: bool = False) -> SweepResult:
    """Write this week's digest deliveries on the week's first working day (Monday, or the day after
    a Monday holiday); the (leader, week) key makes a second run a no-op."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    result = SweepResult()
    rule = ReminderRule.objects.filter(subject=Subject.DIGEST, enabled=True).order_by("id").first()
    calendar = load_calendar(today=today)
    if rule is None or not rule_window_open(rule, local, calendar):
        result.ran = False
        return result
    index = WorkdayIndex(today - dt.timedelta(days=7), today, calendar)
    if not force and not index.is_first_working_day_of_week(today):
        result.ran = False
        result.notes.append("今天不是本周第一个工作日，不发送周报。")
        return result
    monday = today - dt.timedelta(days=today.weekday())
    users = list(digest_recipients().values_list("id", "leader_id", "leader__position"))
    ctx = light_context(today=today)
    items_by_leader = leader_digest_items(ctx=ctx, leader_ids=[leader for _, leader, _ in users])
    # The week's hand-offs on each leader's projects (returns, approvals, 批示, problems, 督办函).
    handoffs = handoffs_by_leader(leader_ids=[leader for _, leader, _ in users], since=now - dt.timedelta(days=7))
    directory = Directory.load()
    planned = []
    for user_id, leader_id, position in users:
        items = items_by_leader.get(leader_id, [])
        told = handoffs.get(leader_id, [])
        if not items and not told:
            continue  # nothing overdue, due soon or handed on: no message at all
        result.items += len(items)
        overdue = _groups([i for i in items if i.due_date < today], overdue=True)
        due_soon = _groups([i for i in items if i.due_date >= today], overdue=False)
        context = {
            "subject": Subject.DIGEST,
            "leader": position,
            "today": today.isoformat(),
            "overdue_count": sum(len(g["items"]) for g in overdue),
            "due_soon_count": sum(len(g["items"]) for g in due_soon),
            "due_soon_days": max(t.due_soon_working_days for t in ctx.windows.values()),
            "overdue_groups": overdue,
            "due_soon_groups": due_soon,
            "handoff_count": len(told),
            "handoff_groups": _handoff_groups(told),
            "link": "/my/",
        }
        common = {
            "rule_id": rule.pk,
            "subject": Subject.DIGEST,
            "object_id": leader_id,
            "due_date": monday,
            "project_id": None,
            "step_key": DIGEST_STEP,
            "step_label": "包保项目周报",
            "occurrence": 1,
            "fire_date": today,
            "context": context,
        }
        # Personal: in-app, e-mail or SMS to the leader, never a group robot.
        planned += expand_channels([c for c in rule.channels if c != "webhook"], [user_id], set(), directory, common)
    if dry_run:
        result.planned, result.created = planned, len(planned)
        return result
    with lease_lock(f"reminder-rule:{rule.pk}") as acquired:
        if not acquired:
            result.ran = False
            return result
        run = SweepRun.objects.create(kind="digest", started_at=now)
        with transaction.atomic():
            result.created = len(persist_deliveries(planned, now=now))
        run.items, run.created, run.finished_at = result.items, result.created, timezone.now()
        run.save()
    return result
