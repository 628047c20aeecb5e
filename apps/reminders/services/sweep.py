"""The reminder sweep (DESIGN.md §5): read what is due from the database, write one delivery row
per (item, step, recipient, channel, occurrence) under a UNIQUE constraint, enqueue after commit.

Nothing is scheduled ahead: each run looks at today's state, so a deadline moved or a milestone
completed between two runs simply changes what the next run finds.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.due import kinds
from apps.organization.models import Department
from apps.problems.models import NoticeType
from apps.problems.services import notice_issue
from apps.projects.models import ResponsibilityRole
from apps.workcalendar.services import WorkCalendar

from ..models import BacklogPolicy, Channel, RecipientRole, ReminderCursor, ReminderRule, StepKind, Subject, SweepRun
from ..schedule import DueStep, ItemTiming, WorkdayIndex, item_timing
from ..selectors import Directory, Responsibilities, earliest_due, iter_pages, reminder_sources
from .common import PlannedDelivery, SweepResult, expand_channels, lease_lock, load_calendar, persist_deliveries, rule_window_open
from .requeue import deliveries_requeue_stale, open_rule_ids

logger = logging.getLogger(__name__)

# The every-few-minutes sweep; monthly reports are day-granular and swept by their own morning
# entry (催报), see CELERY_BEAT_SCHEDULE.
ITEM_SUBJECTS = (Subject.MILESTONE, Subject.PROBLEM, Subject.START)
DEPT_ROLES = {
    RecipientRole.LEAD_DEPT: ResponsibilityRole.LEAD_DEPT,
    RecipientRole.COOP_DEPT: ResponsibilityRole.COOP_DEPT,
    RecipientRole.TOWNSHIP: ResponsibilityRole.TOWNSHIP,
    RecipientRole.LIAISON: ResponsibilityRole.LIAISON,
}


def reminders_sweep(
    *,
    now: dt.datetime | None = None,
    subjects: Iterable[str] | None = None,
    dry_run: bool = False,
    batch_size: int | None = None,
    requeue_after: dt.timedelta | None = None,
) -> SweepResult:
    """One sweep over the enabled rules of `subjects` (all item subjects by default): create the
    due deliveries, issue automatic 督办 notices, and re-enqueue rows whose message was lost."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    wanted = set(subjects or (*ITEM_SUBJECTS, Subject.REPORT)) - {Subject.DIGEST}
    rules = list(ReminderRule.objects.filter(enabled=True, subject__in=wanted).prefetch_related("steps").order_by("id"))
    batch_size = batch_size or settings.REMINDERS_SWEEP_BATCH_SIZE
    result = SweepResult()
    directory = Directory.load()
    calendar = load_calendar(today=local.date())
    run = None if dry_run else SweepRun.objects.create(kind="sweep:" + ",".join(sorted(wanted)), started_at=now)
    for rule in rules:
        if not rule_window_open(rule, local, calendar):
            continue
        if dry_run:
            result.add(_sweep_rule(rule, local=local, directory=directory, calendar=calendar, batch_size=batch_size, dry_run=True))
            continue
        with lease_lock(f"reminder-rule:{rule.pk}") as acquired:
            if not acquired:
                result.notes.append(f"规则“{rule.name}”正由另一轮扫描处理，本轮跳过。")
                continue
            result.add(_sweep_rule(rule, local=local, directory=directory, calendar=calendar, batch_size=batch_size, dry_run=False))
    if not dry_run:
        # Every rule in its window, digest and 催报 included: a lost message waits at most one sweep.
        result.requeued = deliveries_requeue_stale(
            now=now,
            rule_ids=open_rule_ids(now, calendar),
            older_than=requeue_after or dt.timedelta(seconds=settings.REMINDERS_REQUEUE_AFTER_SECONDS),
        )
        _finish(run, result)
    return result


def _finish(run: SweepRun | None, result: SweepResult) -> None:
    if run is None:
        return
    for name in ("items", "created", "requeued", "skipped_steps", "notices"):
        setattr(run, name, getattr(result, name))
    run.note = "\n".join(result.notes)[:2000]
    run.finished_at = timezone.now()
    run.save()


def rule_candidates(rule: ReminderRule, steps: list, *, today: dt.date, calendar: WorkCalendar) -> tuple[list, WorkdayIndex]:
    """The items a rule's sweep reads today (the registry's open items up to its earliest
    "before" step), and the working-day index that covers them all."""
    days_before = max((s.working_days for s in steps if s.kind == StepKind.BEFORE), default=0)
    # Margin so that "N working days before the earliest deadline" and the horizon stay inside.
    margin = 2 * days_before + 30
    index = WorkdayIndex.spanning(today, margin_days=margin, calendar=calendar)
    horizon = index.horizon(today, days_before)
    sources = reminder_sources(rule, today=today, horizon=horizon)
    first_due = earliest_due(sources)
    if first_due is not None and not index.covers(first_due - dt.timedelta(days=margin)):
        index = WorkdayIndex.spanning(today, first_due, margin_days=margin, calendar=calendar)
    return sources, index


def _sweep_rule(
    rule: ReminderRule, *, local: dt.datetime, directory: Directory, calendar: WorkCalendar, batch_size: int, dry_run: bool
) -> SweepResult:
    today = local.date()
    steps = list(rule.steps.all())
    result = SweepResult()
    if not steps:
        return result
    sources, index = rule_candidates(rule, steps, today=today, calendar=calendar)
    backlog = Backlog() if rule.backlog_policy == BacklogPolicy.SUMMARY else None
    for source in sources:
        for page in iter_pages(source, batch_size):
            result.add(
                _sweep_page(rule, steps, page, today=today, index=index, directory=directory, dry_run=dry_run, now=local, backlog=backlog)
            )
    if backlog is not None:
        result.add(_backlog_summaries(rule, backlog, today=today, directory=directory, dry_run=dry_run, now=local))
    if result.backlog:
        result.notes.append(
            f"规则“{rule.name}”：{result.backlog} 个事项首次扫描时已错过先前的提醒步骤，按“{rule.get_backlog_policy_display()}”处理。"
        )
    return result


@dataclass
class Backlog:
    """A rule's backlog items under the summary policy: their cursors and their lines per department
    and leader, written together in one transaction once the rule's pages are read (an item is
    never marked as reminded without the summary that tells about it)."""

    cursors: list[ReminderCursor] = field(default_factory=list)
    by_dept: dict[int, list[dict]] = field(default_factory=lambda: defaultdict(list))
    by_leader: dict[int, list[dict]] = field(default_factory=lambda: defaultdict(list))

    def add(self, cursor: ReminderCursor, item: dict, leaders: Iterable[int]) -> None:
        self.cursors.append(cursor)
        line = {
            "title": item["title"],
            "project": item["project"],
            "due_date": item["due_date"],
            "overdue_days": item["overdue_days"],
            "dept": item["dept"],
            "link": item["link"],
        }
        if item["dept_id"]:
            self.by_dept[item["dept_id"]].append(line)
        for leader in set(leaders):
            self.by_leader[leader].append(line)


def is_backlog(row: dict, timing: ItemTiming, due_steps: list[DueStep], today: dt.date) -> bool:
    """An item the sweep meets for the first time (no cursor) already overdue, with a step that
    should have gone out on an earlier day: on go-live day that is most of the overdue portfolio."""
    first_seen = row["cursor_fire"] is None and not row["cursor_esc"]
    return first_seen and timing.overdue > 0 and any(s.fire_date < today for s in due_steps)


def _sweep_page(
    rule, steps, page: list[dict], *, today, index: WorkdayIndex, directory: Directory, dry_run: bool, now, backlog: Backlog | None = None
) -> SweepResult:
    result = SweepResult(items=len(page))
    resp = Responsibilities.load({row["project_ref"] for row in page if row["project_ref"]})
    planned: list[PlannedDelivery] = []
    cursors: list[ReminderCursor] = []
    notices: list[tuple[dict, DueStep, ItemTiming]] = []
    for row in page:
        timing = item_timing(steps, due=row["due"], today=today, index=index, after=row["cursor_fire"])
        due_steps: list[DueStep] = []
        fire = row["cursor_fire"]
        if timing.reminder and (fire is None or timing.reminder.fire_date > fire):
            due_steps.append(timing.reminder)
            result.skipped_steps += timing.skipped
            fire = timing.reminder.fire_date
        escalated = row["cursor_esc"] or 0
        new_escalations = [e for e in timing.escalations if e.step.working_days > escalated]
        due_steps += new_escalations
        if not due_steps:
            continue
        escalated = max([escalated, *(e.step.working_days for e in new_escalations)])
        cursor = ReminderCursor(rule=rule, object_id=row["id"], due_date=row["due"], reminder_fire_date=fire, escalated_days=escalated)
        item = _item_context(rule, row, resp, directory, timing)
        catch_up = rule.backlog_policy != BacklogPolicy.FULL and is_backlog(row, timing, due_steps, today)
        if catch_up:
            # The cursor still moves past every step reached, so the item carries on from today's
            # position: later repeats and escalations fire on their days, the past ones never.
            result.backlog += 1
            if backlog is not None:
                leaders = list(resp.leaders.get(row["project_ref"], ())) + ([row["own_leader_ref"]] if row["own_leader_ref"] else [])
                backlog.add(cursor, item, leaders)
                continue
            # One current reminder: the overdue track's latest step, else the highest escalation
            # reached (a rule without overdue steps: its last "before" step would say "due today"),
            # to that step's own recipients and without a 督办函.
            current = timing.reminder
            if (current is None or current.step.kind == StepKind.BEFORE) and new_escalations:
                current = max(new_escalations, key=lambda e: e.step.working_days)
            due_steps = [current] if current is not None else due_steps  # never None here: due_steps had a step
        cursors.append(cursor)
        for due_step in due_steps:
            context = {**item, "kind": due_step.step.kind, "step_label": due_step.label}
            if due_step.step.issue_supervision_notice and not catch_up:
                context["notice_number"] = _notice_number(rule, row, today)
                notices.append((row | {"dept_id": item["dept_id"]}, due_step, timing))
            rows = list(_expand(rule, row, due_step, context, resp, directory))
            result.unaddressed += not rows
            planned += rows
    if dry_run:
        result.planned = planned
        result.created = len(planned)
        result.notices = len(notices)
        return result
    with transaction.atomic():
        result.created = len(persist_deliveries(planned, now=now))
        ReminderCursor.objects.bulk_create(
            cursors,
            update_conflicts=True,
            unique_fields=["rule", "object_id", "due_date"],
            update_fields=["reminder_fire_date", "escalated_days", "updated_at"],
        )
        for row, due_step, timing in notices:
            result.notices += _issue_notice(rule, row, due_step, timing, today=today, index=index, result=result)
    return result


# A summary lists this many items; the rest are counted and found on the page behind the link.
BACKLOG_LINES = 50


def _backlog_summaries(rule: ReminderRule, backlog: Backlog, *, today: dt.date, directory: Directory, dry_run: bool, now) -> SweepResult:
    """One summary per department (its users and its group robots) and per 包保 leader (personal
    channels only) of the backlog items the rule met today, with their cursors, in one transaction."""
    result = SweepResult()
    planned: list[PlannedDelivery] = []
    subject_label = Subject(rule.subject).label
    audiences = [("dept", dept_id, lines) for dept_id, lines in backlog.by_dept.items()]
    audiences += [("leader", leader_id, lines) for leader_id, lines in backlog.by_leader.items()]
    for audience, key, lines in audiences:
        if audience == "dept":
            users, depts, channels = directory.users_by_dept.get(key, []), {key}, rule.channels
            name = directory.dept_names.get(key, "")
        else:
            user = directory.user_by_leader.get(key)
            users, depts, channels = ([user] if user else []), set(), [c for c in rule.channels if c != Channel.WEBHOOK]
            name = directory.leader_names.get(key, "")
        lines = sorted(lines, key=lambda line: (line["due_date"], line["project"], line["title"]))
        context = {
            "subject": Subject.BACKLOG,
            "item_subject_label": subject_label,
            "audience": name,
            "audience_kind": audience,
            "today": today.isoformat(),
            "overdue_count": len(lines),
            "items": lines[:BACKLOG_LINES],
            "more": max(0, len(lines) - BACKLOG_LINES),
            "link": "/my/",
        }
        common = {
            "rule_id": rule.pk,
            "subject": Subject.BACKLOG,
            "object_id": key,
            "due_date": today,
            "project_id": None,
            "step_key": f"backlog:{audience}",
            "step_label": "上线积压事项汇总",
            "occurrence": 1,
            "fire_date": today,
            "context": context,
        }
        rows = list(expand_channels(channels, users, depts, directory, common))
        result.unaddressed += not rows
        planned += rows
    result.summaries = len(planned)
    if dry_run:
        result.planned, result.created = planned, len(planned)
        return result
    with transaction.atomic():
        result.created = len(persist_deliveries(planned, now=now))
        ReminderCursor.objects.bulk_create(
            backlog.cursors,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["rule", "object_id", "due_date"],
            update_fields=["reminder_fire_date", "escalated_days", "updated_at"],
        )
    return result


def _item_context(rule: ReminderRule, row: dict, resp: Responsibilities, directory: Directory, timing: ItemTiming) -> dict:
    dept_id = row["dept_ref"]  # the item's responsible department, else the project's 牵头单位 (registry)
    return {
        "subject": rule.subject,
        "subject_label": Subject(rule.subject).label,
        "title": row["title"],
        "project": row["project_name"] or "跨项目",
        "project_id": row["project_ref"],
        "due_date": row["due"].isoformat(),
        "remaining_days": max(0, timing.remaining),
        "overdue_days": timing.overdue,
        "dept_id": dept_id,
        "dept": directory.dept_names.get(dept_id, "") if dept_id else "",
        "link": kinds()[rule.subject].link(row),
    }


def _recipients(roles: list[str], row: dict, dept_id: int | None, resp: Responsibilities, d: Directory) -> tuple[set[int], set[int]]:
    users: set[int] = set()
    depts: set[int] = set()
    project = row["project_ref"]
    for role in roles:
        if role == RecipientRole.LEADER:
            leaders = list(resp.leaders.get(project, ())) + ([row["own_leader_ref"]] if row["own_leader_ref"] else [])
            users.update(d.user_by_leader[lid] for lid in leaders if lid in d.user_by_leader)
            continue
        if role == RecipientRole.OFFICE:
            users.update(d.office_users)
            continue
        if role == RecipientRole.RESPONSIBLE_DEPT:
            ids = [dept_id] if dept_id else []
        else:
            ids = list(resp.depts.get((project, DEPT_ROLES[RecipientRole(role)]), ()))
        depts.update(ids)
        for i in ids:
            users.update(d.users_by_dept.get(i, ()))
    return users, depts


def _expand(rule, row: dict, due_step: DueStep, context: dict, resp: Responsibilities, d: Directory):
    users, depts = _recipients(due_step.step.recipients, row, context["dept_id"], resp, d)
    common = {
        "rule_id": rule.pk,
        "subject": rule.subject,
        "object_id": row["id"],
        "due_date": row["due"],
        "project_id": row["project_ref"],
        "step_key": due_step.key,
        "step_label": due_step.label,
        "occurrence": due_step.occurrence,
        "fire_date": due_step.fire_date,
        "context": context,
    }
    yield from expand_channels(rule.channels, users, depts, d, common)


def _notice_number(rule: ReminderRule, row: dict, today: dt.date) -> str:
    # Deterministic: the same item, due date and rule can never get two automatic notices.
    return f"项目办督〔{today.year}〕R{rule.pk}-{row['id']}-{row['due']:%Y%m%d}号"


def _issue_notice(rule, row: dict, due_step: DueStep, timing: ItemTiming, *, today, index: WorkdayIndex, result: SweepResult) -> int:
    """The automatic 督办函 of an escalation step (a problems.SupervisionNotice of type 督办)."""
    from apps.problems.models import SupervisionNotice

    number = _notice_number(rule, row, today)
    if SupervisionNotice.objects.filter(number=number).exists():
        return 0
    if row["dept_id"] is None:
        result.notes.append(f"{row['title']}：没有责任单位，未生成督办函。")
        return 0
    subject = Subject(rule.subject).label
    content = (
        f"{row['project_name'] or '跨项目'}的{subject}“{row['title']}”应于{row['due']:%Y年%m月%d日}完成，"
        f"至今已逾期{timing.overdue}个工作日（{due_step.label}）。请于限期内书面回复办理情况。"
    )
    data = {
        "notice_type": NoticeType.SUPERVISE,
        "number": number,
        "issued_on": today,
        "target_dept": Department.objects.get(pk=row["dept_id"]),
        "content": content,
        "reply_deadline": index.day(index.count(today) + settings.REMINDERS_NOTICE_REPLY_WORKING_DAYS),
    }
    projects = [row["project_ref"]] if row["project_ref"] else []
    problems = [row["id"]] if rule.subject == Subject.PROBLEM else []
    notice_issue(actor=None, data=data, projects=projects, problems=problems)
    return 1
