"""Sending one delivery (DESIGN.md §5).

In-app: lock the row, check its status, write the notification and the outcome in one transaction,
so it goes out exactly once.

SMS, webhook and e-mail cannot join that transaction, so their state is explicit: a claim (the
attempt counted, `claimed_at`) is committed before the channel is called, the outcome after. A claim
still standing after REMINDERS_CLAIM_TIMEOUT_SECONDS means the sender died between the two and the
message may have gone out. Such a row is sent once more with the same delivery id, which is the
receiver's idempotency key (X-Reminder-Delivery-Id, the SMS gateway's 外部流水号), and never a third
time: a second interruption fails it with an "outcome unknown" error for a person to check.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.policy import require
from apps.accounts.types import Actor
from apps.core.due import kinds

from ..channels import ChannelError, get_channel
from ..channels.in_app import InAppChannel
from ..channels.message import Message, render_message
from ..models import Channel, DeliveryStatus, ReminderDelivery
from .common import enqueue_deliveries, load_calendar, rule_window_open

logger = logging.getLogger(__name__)

# Channels whose effect is a row in our own database, written in the send's transaction.
TRANSACTIONAL_CHANNELS = frozenset({Channel.IN_APP})

RETRY_CAP_SECONDS = 1800  # the backoff's ceiling before jitter; the broker's visibility timeout must exceed 1.5× this

UNKNOWN_OUTCOME = (
    "发送结果未知：发送进程两次在调用渠道之后、记下结果之前中断，消息可能已经发出。"
    "为避免重复发送，系统不再自动重发；请向接收方核实，确需补发时在后台手动重发。"
)

# Pauses between tries of writing an external send's outcome: a PostgreSQL restart of a few seconds
# must not turn a known outcome into an unknown one (which would cost the receiver a duplicate).
OUTCOME_WRITE_PAUSES = (0.5, 1, 2, 4, 8)


@dataclass(frozen=True)
class SendOutcome:
    status: str  # sent, failed, cancelled, deferred, skipped, or "retry"
    retry_in: int | None = None


def retry_delay(attempt: int) -> int:
    """Exponential backoff with jitter, in seconds: 30 s, 60 s, 120 s … capped at 30 min (+ up to 50 % jitter)."""
    base = min(settings.REMINDERS_RETRY_BASE_SECONDS * 2 ** (attempt - 1), RETRY_CAP_SECONDS)
    return int(base + random.uniform(0, base / 2))  # noqa: S311 - jitter, not cryptography


def item_is_settled(delivery: ReminderDelivery) -> bool:
    """Whether the item was done, or its deadline moved, since the row was written: the reminder is
    moot. "Open" is the due-item registry's test, the same one the sweep found the item by."""
    kind = kinds().get(delivery.subject)
    if kind is None:  # the digest: a summary, never moot
        return False
    return not kind.is_open(object_id=delivery.object_id, due=delivery.due_date)


def claim_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDERS_CLAIM_TIMEOUT_SECONDS)


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> SendOutcome:
    """Send one delivery: in-app exactly once; SMS, webhook and e-mail at most once more after their
    sender died mid-send, with the same delivery id. A second call, a retried task or a duplicate
    message finds the row sent, locked, or claimed by a live sender, and does nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("rule", "user", "endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if row is None:
            return SendOutcome("skipped")  # locked by another worker right now, or deleted
        if row.status != DeliveryStatus.PENDING:
            return SendOutcome("skipped")
        if row.claimed_at is not None and row.claimed_at > now - claim_timeout():
            return SendOutcome("skipped")  # a live sender is calling the channel; its outcome follows
        if row.retry_at is not None and row.retry_at > now + dt.timedelta(seconds=1):
            return SendOutcome("skipped")  # early: the retry's own message arrives when its countdown is over
        if not rule_window_open(row.rule, timezone.localtime(now)):
            return SendOutcome("deferred")  # stays pending; it is re-enqueued inside the window
        if item_is_settled(row):
            row.status = DeliveryStatus.CANCELLED
            row.claimed_at = None
            row.save(update_fields=["status", "claimed_at", "updated_at"])
            return SendOutcome(row.status)
        if row.channel in TRANSACTIONAL_CHANNELS:
            return _send_in_transaction(row, now)
        if row.claimed_at is not None:
            # The claim is stale: its sender died after calling the channel, before the outcome.
            row.interruptions += 1
            if row.interruptions > 1:
                row.status = DeliveryStatus.FAILED
                row.claimed_at = None
                row.last_error = UNKNOWN_OUTCOME
                row.save(update_fields=["status", "claimed_at", "interruptions", "last_error", "updated_at"])
                return SendOutcome(row.status)
        message = render_message(row)
        row.attempts += 1
        row.claimed_at = now
        row.save(update_fields=["attempts", "claimed_at", "interruptions", "updated_at"])
    # Committed: from here a death of this process leaves the claim standing, which says "maybe sent".
    # The channel is called with no transaction open and no row lock held.
    return _send_claimed(row, message, now)


def _send_in_transaction(row: ReminderDelivery, now: dt.datetime) -> SendOutcome:
    """The notification and the row's outcome in the caller's transaction. No savepoint: a database
    error rolls back both and the task retries; a ChannelError is raised before anything is written."""
    row.attempts += 1
    try:
        get_channel(row.channel).send(row, render_message(row))
    except ChannelError as exc:
        row.last_error = str(exc)[:2000]
        if exc.permanent or row.attempts >= settings.REMINDERS_MAX_ATTEMPTS:
            row.status = DeliveryStatus.FAILED
            row.save(update_fields=["status", "attempts", "last_error", "updated_at"])
            return SendOutcome(row.status)
        delay = retry_delay(row.attempts)
        row.retry_at = now + dt.timedelta(seconds=delay)
        row.save(update_fields=["attempts", "last_error", "retry_at", "updated_at"])
        return SendOutcome("retry", delay)
    row.status = DeliveryStatus.SENT
    row.sent_at = now
    row.last_error = ""
    row.save(update_fields=["status", "attempts", "sent_at", "last_error", "updated_at"])
    return SendOutcome(row.status)


def _send_claimed(row: ReminderDelivery, message: Message, now: dt.datetime) -> SendOutcome:
    try:
        get_channel(row.channel).send(row, message)
        error = None
    except ChannelError as exc:
        error = exc
    except Exception as exc:  # a channel's own bug: recorded and retried, never left as a standing claim
        logger.exception("发送记录 %s 的%s渠道出错", row.pk, row.channel)
        error = ChannelError(f"发送出错：{exc}")
    if error is None:
        fields = {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": ""}
        outcome = SendOutcome(DeliveryStatus.SENT)
    elif error.permanent or row.attempts >= settings.REMINDERS_MAX_ATTEMPTS:
        fields = {"status": DeliveryStatus.FAILED, "last_error": str(error)[:2000]}
        outcome = SendOutcome(DeliveryStatus.FAILED)
    else:
        delay = retry_delay(row.attempts)
        fields = {"last_error": str(error)[:2000], "retry_at": now + dt.timedelta(seconds=delay)}
        outcome = SendOutcome("retry", delay)
    if not _record_outcome(row.pk, claim=row.claimed_at, fields=fields):
        # Slower than the claim timeout: another sender took the row over (with the same delivery id).
        logger.warning("发送记录 %s 的发送结果未写入：超过认领时限，已由另一发送进程接手。", row.pk)
        return SendOutcome("skipped")
    return outcome


def _record_outcome(pk: int, *, claim: dt.datetime | None, fields: dict) -> bool:
    """Write a claimed send's outcome and clear the claim, if the claim is still ours."""
    mine = ReminderDelivery.objects.filter(pk=pk, claimed_at=claim)
    values = {**fields, "claimed_at": None, "updated_at": timezone.now()}
    for pause in OUTCOME_WRITE_PAUSES:
        try:
            return mine.update(**values) == 1
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block:
                raise
            logger.warning("发送记录 %s 的发送结果写入失败（%s），%s 秒后重试。", pk, exc, pause)
            connection.close()  # the next try opens a new connection
            time.sleep(pause)
    # Still failing: the task's DatabaseError retry finds the claim; once it is stale the row is
    # re-sent once with the same id, as after a death.
    return mine.update(**values) == 1


@dataclass
class BatchOutcome:
    sent: int = 0
    cancelled: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: int = 0


NO_RECIPIENT = "站内消息需要接收用户。"


def deliveries_send_in_app(*, delivery_ids: list[int], now: dt.datetime | None = None) -> BatchOutcome:
    """Send a batch of in-app deliveries exactly once, in one transaction: the rows locked (a row
    locked by another worker, not pending or not in-app is skipped), the moot ones cancelled, one
    INSERT of notifications and one UPDATE of statuses. The same tests as `delivery_send`, asked
    once per batch instead of once per row: about 15 times the deliveries per second of a worker."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    result = BatchOutcome()
    with transaction.atomic():
        rows = list(
            ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("rule")
            .filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING, channel=Channel.IN_APP)
            .order_by("id")
        )
        result.skipped = len(set(delivery_ids)) - len(rows)
        calendar = load_calendar(today=local.date()) if rows else None
        windows: dict[int, bool] = {}
        ready = []
        for row in rows:
            if row.retry_at is not None and row.retry_at > now + dt.timedelta(seconds=1):
                result.skipped += 1
                continue
            if row.rule_id not in windows:
                windows[row.rule_id] = rule_window_open(row.rule, local, calendar)
            if not windows[row.rule_id]:
                result.deferred += 1  # stays pending; re-enqueued inside the window
                continue
            ready.append(row)
        by_subject: dict[str, list[ReminderDelivery]] = defaultdict(list)
        for row in ready:
            if row.subject in kinds():  # the digest and summaries are never moot
                by_subject[row.subject].append(row)
        settled: set[int] = set()
        for subject, group in by_subject.items():
            still_open = kinds()[subject].open_among((row.object_id, row.due_date) for row in group)
            settled.update(row.pk for row in group if (row.object_id, row.due_date) not in still_open)
        send = [row for row in ready if row.pk not in settled and row.user_id is not None]
        failed = [row.pk for row in ready if row.pk not in settled and row.user_id is None]
        if send:
            InAppChannel().send_many([(row, render_message(row)) for row in send])
        stamp = {"updated_at": timezone.now()}
        pending = ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING)
        result.sent = pending.filter(pk__in=[row.pk for row in send]).update(
            status=DeliveryStatus.SENT, sent_at=now, last_error="", attempts=F("attempts") + 1, **stamp
        )
        result.cancelled = pending.filter(pk__in=settled).update(status=DeliveryStatus.CANCELLED, **stamp)
        result.failed = pending.filter(pk__in=failed).update(
            status=DeliveryStatus.FAILED, last_error=NO_RECIPIENT, attempts=F("attempts") + 1, **stamp
        )
    return result


def delivery_resend(*, actor: Actor, delivery: ReminderDelivery) -> ReminderDelivery:
    """Put a failed (or cancelled) delivery back in the queue; a sent one is never sent twice."""
    with transaction.atomic():
        row = ReminderDelivery.objects.select_for_update().get(pk=delivery.pk)
        require(actor, "resend", row)
        if row.status == DeliveryStatus.SENT:
            raise ValidationError("该提醒已发送，不能重发。")
        if row.status == DeliveryStatus.PENDING and row.attempts == 0:
            raise ValidationError("该提醒正在等待发送。")
        row.status = DeliveryStatus.PENDING
        row.attempts = 0
        row.interruptions = 0
        row.claimed_at = None
        row.retry_at = None
        row.last_error = f"由{actor}于{timezone.localtime():%Y-%m-%d %H:%M}重发。" if actor else ""
        row.enqueued_at = timezone.now()
        row.enqueue_failed_at = None  # marked again if this publish fails too
        row.enqueue_error = ""
        row.save(
            update_fields=[
                "status",
                "attempts",
                "interruptions",
                "claimed_at",
                "retry_at",
                "last_error",
                "enqueued_at",
                "enqueue_failed_at",
                "enqueue_error",
                "updated_at",
            ]
        )
        transaction.on_commit(lambda: enqueue_deliveries([row.pk]))
    return row
