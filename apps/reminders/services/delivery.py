"""Sending one delivery: lock the row, check its status, send, record the outcome (DESIGN.md §5)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.policy import require
from apps.lights.due import KINDS

from ..channels import ChannelError, get_channel
from ..channels.message import render_message
from ..models import DeliveryStatus, ReminderDelivery
from .common import enqueue_deliveries, rule_window_open


@dataclass(frozen=True)
class SendOutcome:
    status: str  # sent, failed, cancelled, deferred, skipped, or "retry"
    retry_in: int | None = None


def retry_delay(attempt: int) -> int:
    """Exponential backoff with jitter, in seconds: 30 s, 60 s, 120 s … capped at 30 min."""
    base = min(settings.REMINDERS_RETRY_BASE_SECONDS * 2 ** (attempt - 1), 1800)
    return int(base + random.uniform(0, base / 2))  # noqa: S311 - jitter, not cryptography


def item_is_settled(delivery: ReminderDelivery) -> bool:
    """Whether the item was done, or its deadline moved, since the row was written: the reminder is
    moot. "Open" is the due-item registry's test, the same one the sweep found the item by."""
    kind = KINDS.get(delivery.subject)
    if kind is None:  # the digest: a summary, never moot
        return False
    return not kind.is_open(object_id=delivery.object_id, due=delivery.due_date)


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> SendOutcome:
    """Send one delivery exactly once: a second call, a retried task or a duplicate message finds
    the row sent (or locked by the first) and does nothing."""
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
        if not rule_window_open(row.rule, timezone.localtime(now)):
            return SendOutcome("deferred")  # stays pending; the sweep re-enqueues it inside the window
        if item_is_settled(row):
            row.status = DeliveryStatus.CANCELLED
            row.save(update_fields=["status", "updated_at"])
            return SendOutcome(row.status)
        row.attempts += 1
        try:
            with transaction.atomic():  # a failing in-app insert must not poison the outer transaction
                get_channel(row.channel).send(row, render_message(row))
        except ChannelError as exc:
            row.last_error = str(exc)[:2000]
            final = exc.permanent or row.attempts >= settings.REMINDERS_MAX_ATTEMPTS
            row.status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
            row.save(update_fields=["status", "attempts", "last_error", "updated_at"])
            return SendOutcome(row.status) if final else SendOutcome("retry", retry_delay(row.attempts))
        row.status = DeliveryStatus.SENT
        row.sent_at = now
        row.last_error = ""
        row.save(update_fields=["status", "attempts", "sent_at", "last_error", "updated_at"])
        return SendOutcome(row.status)


def delivery_resend(*, actor, delivery: ReminderDelivery) -> ReminderDelivery:
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
        row.last_error = f"由{actor}于{timezone.localtime():%Y-%m-%d %H:%M}重发。" if actor else ""
        row.enqueued_at = timezone.now()
        row.save(update_fields=["status", "attempts", "last_error", "enqueued_at", "updated_at"])
        transaction.on_commit(lambda: enqueue_deliveries([row.pk]))
    return row
