"""Re-enqueueing deliveries whose message was lost (broker down at enqueue, worker killed).

A pending row's message is lost when nothing is going to run it: it was enqueued a while ago, it is
not waiting for a retry's countdown (`retry_at`), and no live sender holds it (no claim, or a claim
older than REMINDERS_CLAIM_TIMEOUT_SECONDS: its sender died mid-send). Two passes look for them:

- every minute (`requeue_lost_deliveries_task`), rows enqueued over REMINDERS_REQUEUE_LOST_AFTER_SECONDS
  ago, but only while the send queue is empty: a row may be waiting its turn in a long queue (a first
  sweep at go-live enqueues hundreds of thousands), and re-enqueueing those every minute would pile
  copies on the backlog. With the queue empty, a pending row's message is in no queue: a dead worker
  took it. So a killed worker's deliveries go out within minutes, not after Redis's visibility timeout;
- at the end of each sweep, rows enqueued over REMINDERS_REQUEUE_AFTER_SECONDS ago whatever the
  queue holds: the backstop when the queue never empties or the broker cannot say.

A row whose publish failed (`enqueue_failed_at`: the broker was down, or its transport could not be
imported) is known to be in no queue, so the minutely pass re-enqueues it as soon as the broker
answers, whatever the queue holds and however young the row. A publish that succeeds clears the mark.

A duplicate message is harmless: the send's row lock, status guard and claim make it skip.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.workcalendar.services import WorkCalendar

from ..models import DeliveryStatus, ReminderDelivery, ReminderRule
from .common import enqueue_deliveries, rule_window_open
from .delivery import claim_timeout

logger = logging.getLogger(__name__)


def lost_messages(*, now: dt.datetime, older_than: dt.timedelta) -> Q:
    """Pending rows that nothing is going to run: enqueued (or due for their retry) over
    `older_than` ago, and not held by a live sender."""
    cutoff = now - older_than
    return Q(status=DeliveryStatus.PENDING, enqueued_at__lt=cutoff) & not_waiting(now=now, cutoff=cutoff)


def unpublished(*, now: dt.datetime) -> Q:
    """Pending rows whose publish failed: in no queue, whatever their age."""
    return Q(status=DeliveryStatus.PENDING, enqueue_failed_at__isnull=False) & not_waiting(now=now, cutoff=now)


def not_waiting(*, now: dt.datetime, cutoff: dt.datetime) -> Q:
    """Not waiting out a retry's countdown (its own message comes then), not held by a live sender."""
    return (Q(retry_at__isnull=True) | Q(retry_at__lt=cutoff)) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - claim_timeout()))


def deliveries_requeue_stale(*, now: dt.datetime, rule_ids: list[int], older_than: dt.timedelta, limit: int | None = None) -> int:
    """Re-enqueue the lost rows of `rule_ids` (their send window open): the send task's status guard
    and claim make a duplicate message harmless."""
    return _requeue(lost_messages(now=now, older_than=older_than), now=now, rule_ids=rule_ids, limit=limit)


def _requeue(lost: Q, *, now: dt.datetime, rule_ids: list[int], limit: int | None) -> int:
    """Publish the rows matching `lost` again after commit; a failed publish marks them again."""
    limit = limit or settings.REMINDERS_REQUEUE_LIMIT
    with transaction.atomic():
        ids = list(ReminderDelivery.objects.filter(lost, rule_id__in=rule_ids).order_by("id").values_list("id", flat=True)[:limit])
        if ids:
            ReminderDelivery.objects.filter(id__in=ids).update(enqueued_at=now, enqueue_failed_at=None, enqueue_error="")
            transaction.on_commit(lambda: enqueue_deliveries(ids))
    return len(ids)


def open_rule_ids(now: dt.datetime, calendar: WorkCalendar | None = None) -> list[int]:
    """The enabled rules whose send window is open at `now` (outside it a send is only deferred)."""
    local = timezone.localtime(now)
    calendar = calendar or WorkCalendar.load(local.year, local.year)
    return [rule.pk for rule in ReminderRule.objects.filter(enabled=True).order_by("id") if rule_window_open(rule, local, calendar)]


def waiting_messages(queue: str) -> int | None:
    """How many messages wait in the broker's `queue` (not those a worker has taken); None when the
    broker does not answer."""
    from kombu.exceptions import ChannelError as NoSuchQueue

    from ..tasks import send_delivery_task

    try:
        with send_delivery_task.app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1)
            try:
                return conn.default_channel.queue_declare(queue=queue, passive=True).message_count
            except NoSuchQueue:
                return 0  # never declared, or drained: the Redis transport keeps no empty list
    except Exception as exc:  # any broker/transport error: the sweep's pass remains
        logger.warning("无法读取发送队列 %s 的长度（%s），本轮不重新入队。", queue, exc)
        return None


def deliveries_requeue_lost(*, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """The minutely pass: once the broker answers, re-enqueue the rows whose publish failed; once the
    send queue is also empty, the rows a dead worker (or a lost publish) left pending over
    REMINDERS_REQUEUE_LOST_AFTER_SECONDS ago."""
    now = now or timezone.now()
    waiting = waiting_messages(settings.REMINDERS_QUEUE)
    if waiting is None:
        return 0  # no broker to ask, nor to publish to: the failed rows keep their mark until it answers
    rule_ids = open_rule_ids(now)
    requeued = _requeue(unpublished(now=now), now=now, rule_ids=rule_ids, limit=limit)
    if waiting == 0:  # else a backlog: its rows are not lost, only waiting
        older_than = dt.timedelta(seconds=settings.REMINDERS_REQUEUE_LOST_AFTER_SECONDS)
        requeued += deliveries_requeue_stale(now=now, rule_ids=rule_ids, older_than=older_than, limit=limit)
    return requeued
