"""Re-enqueueing deliveries whose message was lost (broker down at enqueue, worker killed)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from ..models import ReminderDelivery
from .common import enqueue_deliveries


def deliveries_requeue_stale(*, now: dt.datetime, rule_ids: list[int], older_than: dt.timedelta, limit: int | None = None) -> int:
    """Re-enqueue pending rows whose message was lost (broker down at enqueue, worker killed):
    the send task's status guard makes a duplicate message harmless."""
    limit = limit or settings.REMINDERS_REQUEUE_LIMIT
    with transaction.atomic():
        stale = ReminderDelivery.objects.filter(status="pending", rule_id__in=rule_ids, enqueued_at__lt=now - older_than)
        ids = list(stale.order_by("id").values_list("id", flat=True)[:limit])
        if ids:
            ReminderDelivery.objects.filter(id__in=ids).update(enqueued_at=now)
            transaction.on_commit(lambda: enqueue_deliveries(ids))
    return len(ids)
