"""Pieces the sweep, the digest and the send task share: the sending window, the per-rule lease
lock, and writing planned deliveries (UNIQUE-guarded) with their enqueue after commit."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.workcalendar.services import WorkCalendar

from ..models import Channel, DeliveryStatus, ReminderDelivery, ReminderRule, SweepLock

if TYPE_CHECKING:  # the directory is built by the selectors, which the sweep imports
    from ..selectors import Directory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedDelivery:
    rule_id: int
    subject: str
    object_id: int
    due_date: dt.date
    project_id: int | None
    step_key: str
    step_label: str
    occurrence: int
    fire_date: dt.date
    recipient_key: str
    user_id: int | None
    endpoint_id: int | None
    channel: str
    context: dict

    def row(self, *, batch: uuid.UUID, now: dt.datetime) -> ReminderDelivery:
        return ReminderDelivery(
            rule_id=self.rule_id,
            subject=self.subject,
            object_id=self.object_id,
            due_date=self.due_date,
            project_id=self.project_id,
            step_key=self.step_key,
            step_label=self.step_label,
            occurrence=self.occurrence,
            fire_date=self.fire_date,
            recipient_key=self.recipient_key,
            user_id=self.user_id,
            endpoint_id=self.endpoint_id,
            channel=self.channel,
            context=self.context,
            batch=batch,
            enqueued_at=now,
        )


@dataclass
class SweepResult:
    ran: bool = True
    items: int = 0
    created: int = 0
    requeued: int = 0
    skipped_steps: int = 0
    notices: int = 0
    unaddressed: int = 0
    backlog: int = 0  # items first met already past earlier steps, handled by the rule's backlog policy
    summaries: int = 0  # backlog summary deliveries (one per department or leader and channel)
    notes: list[str] = field(default_factory=list)
    planned: list[PlannedDelivery] = field(default_factory=list)  # filled on dry runs only

    def add(self, other: SweepResult) -> None:
        for name in ("items", "created", "requeued", "skipped_steps", "notices", "unaddressed", "backlog", "summaries"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.notes += other.notes
        self.planned += other.planned


def rule_window_open(rule: ReminderRule, local_now: dt.datetime, calendar: WorkCalendar | None = None) -> bool:
    """Reminders go out on working days (make-up Saturdays included) inside the rule's office hours."""
    day = local_now.date()
    if rule.working_days_only:
        cal = calendar or WorkCalendar.load(day.year, day.year)
        if not cal.is_working_day(day):
            return False
    return rule.send_from <= local_now.time() <= rule.send_until


def load_calendar(*, today: dt.date) -> WorkCalendar:
    """Every special day from 2000 to next year in one query, shared by a whole sweep (so a
    missing year is warned about once per sweep, not once per rule)."""
    return WorkCalendar.load(2000, today.year + 1)


HOLDER = f"{socket.gethostname()}:{os.getpid()}"


@contextlib.contextmanager
def lease_lock(name: str, *, ttl: dt.timedelta = dt.timedelta(minutes=15)) -> Iterator[bool]:
    """Yields True when this process holds the lease `name`. A crashed holder's lease expires after `ttl`.

    A conditional UPDATE is atomic on PostgreSQL (the row lock re-checks the condition) and on
    SQLite (one writer at a time), so two sweeps never both see True.
    """
    now = timezone.now()
    with contextlib.suppress(IntegrityError), transaction.atomic():
        SweepLock.objects.get_or_create(name=name)
    holder = f"{HOLDER}:{uuid.uuid4().hex[:8]}"
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    acquired = SweepLock.objects.filter(free, name=name).update(holder=holder, locked_until=now + ttl) == 1
    try:
        yield acquired
    finally:
        if acquired:
            SweepLock.objects.filter(name=name, holder=holder).update(locked_until=None, holder="")


def persist_deliveries(planned: list[PlannedDelivery], *, now: dt.datetime) -> list[int]:
    """Insert the planned rows (a row that exists already is left alone) and return the new ids.

    Call inside the caller's transaction; the new rows are enqueued only after it commits.
    """
    if not planned:
        return []
    batch = uuid.uuid4()
    ReminderDelivery.objects.bulk_create([p.row(batch=batch, now=now) for p in planned], ignore_conflicts=True, batch_size=500)
    rows = dict(ReminderDelivery.objects.filter(batch=batch).values_list("id", "channel"))
    transaction.on_commit(lambda: enqueue_deliveries(list(rows), channels=rows))
    return list(rows)


# Publishing must fail fast when the broker is down: the rows are safe in the database and the
# minutely requeue publishes them again, so waiting here would only hold up the sweep (and an API write).
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def enqueue_deliveries(ids: list[int], *, channels: dict[int, str] | None = None) -> int:
    """Publish the send tasks of these deliveries: in-app ones REMINDERS_SEND_BATCH_SIZE to a message,
    the others one each. Stops at the first broker error: the deliveries not published are logged at
    ERROR and marked on their rows (`enqueue_failed_at`, `enqueue_error`) for the minutely requeue.
    Never raises: it runs after the business write has committed. Returns how many went out."""
    from ..tasks import send_delivery_task, send_in_app_deliveries_task

    if channels is None:
        channels = {}
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            channels.update(ReminderDelivery.objects.filter(pk__in=chunk).values_list("id", "channel"))
    in_app = [pk for pk in ids if channels.get(pk) == Channel.IN_APP]
    single = [pk for pk in ids if channels.get(pk) not in (None, Channel.IN_APP)]
    size = settings.REMINDERS_SEND_BATCH_SIZE
    # (task, its argument, the deliveries it carries)
    messages: list[tuple[Any, int | list[int], list[int]]] = [
        (send_in_app_deliveries_task, batch, batch) for batch in (in_app[i : i + size] for i in range(0, len(in_app), size))
    ]
    messages += [(send_delivery_task, pk, [pk]) for pk in single]
    published = 0
    try:
        # One producer (one broker connection) for the whole batch, not one pool round trip per message.
        with send_delivery_task.app.producer_or_acquire() as producer:
            for task, arg, _carried in messages:
                task.apply_async(args=[arg], queue=settings.REMINDERS_QUEUE, producer=producer, retry=True, retry_policy=PUBLISH_RETRY)
                published += 1
    except Exception as exc:  # any broker/transport error, an ImportError of the transport included
        record_enqueue_failure([pk for *_message, carried in messages[published:] for pk in carried], exc)
    return sum(len(carried) for *_message, carried in messages[:published])


def record_enqueue_failure(ids: list[int], exc: BaseException) -> None:
    """Say loudly that these deliveries are in no queue: an ERROR with the count and the cause, and
    the cause on each row (admin 提醒发送记录, /api/v1/reminder-deliveries/), where the minutely
    requeue finds them. A database error here is logged too, never raised: the write that made the
    rows has committed and must stand (DESIGN.md §2); the sweep's backstop still finds the rows."""
    if not ids:
        return
    cause = f"{type(exc).__name__}: {exc}"
    logger.error(
        "提醒任务入队失败：%d 条发送记录未能放入队列（%s）。已在发送记录上注明“入队失败”，队列恢复后由每分钟的重新入队重发。",
        len(ids),
        cause,
    )
    now = timezone.now()
    error = f"{timezone.localtime(now):%Y-%m-%d %H:%M:%S} 发送任务未能放入队列：{cause}"[:2000]
    try:
        for start in range(0, len(ids), 5000):
            ReminderDelivery.objects.filter(pk__in=ids[start : start + 5000], status=DeliveryStatus.PENDING).update(
                enqueue_failed_at=now, enqueue_error=error, updated_at=now
            )
    except Exception:
        logger.exception("入队失败未能记入 %d 条发送记录；它们仍为“待发送”，扫描的兜底重新入队会找到它们。", len(ids))


def expand_channels(channels: list[str], users: Iterable[int], depts: set[int], d: Directory, common: dict):
    """One planned row per user and channel they accept, plus one per matching webhook endpoint."""
    for uid in sorted(users):
        in_app, email, sms = d.pref(uid)
        address, phone = d.contacts.get(uid, ("", ""))
        wanted: dict[str, bool] = {Channel.IN_APP: in_app, Channel.EMAIL: email and bool(address), Channel.SMS: sms and bool(phone)}
        for channel in channels:
            if wanted.get(channel):
                yield PlannedDelivery(**common, recipient_key=f"user:{uid}", user_id=uid, endpoint_id=None, channel=channel)
    if Channel.WEBHOOK in channels:
        for endpoint_id, dept_id in d.endpoints:
            if dept_id is None or dept_id in depts:
                yield PlannedDelivery(
                    **common, recipient_key=f"hook:{endpoint_id}", user_id=None, endpoint_id=endpoint_id, channel=Channel.WEBHOOK
                )
