"""Celery tasks: thin interfaces over the services. Ids in, services do the work, the database
holds idempotency (STYLE.md "Tasks")."""

from __future__ import annotations

import logging
from dataclasses import asdict

from celery import shared_task
from django.db import DatabaseError

from .models import Subject
from .services import ITEM_SUBJECTS, delivery_send, leader_digests_send, reminders_sweep
from .services.delivery import deliveries_send_in_app
from .services.requeue import deliveries_requeue_lost

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=10,  # database errors (a lock timeout, a failover); channel failures are bounded by the row's attempts
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
)
def send_delivery_task(self, delivery_id: int) -> str:
    """Send one reminder delivery; a channel failure comes back with backoff and jitter."""
    outcome = delivery_send(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        # The row counts the attempts (REMINDERS_MAX_ATTEMPTS), so Celery's own counter is not the bound here.
        raise self.retry(countdown=outcome.retry_in, max_retries=None)
    return outcome.status


@shared_task(
    acks_late=True,
    max_retries=10,
    autoretry_for=(DatabaseError,),  # the batch is one transaction: a retry starts it again from the rows still pending
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
)
def send_in_app_deliveries_task(delivery_ids: list[int]) -> dict[str, int]:
    """Send a batch of in-app deliveries (REMINDERS_SEND_BATCH_SIZE to a message)."""
    return asdict(deliveries_send_in_app(delivery_ids=delivery_ids))


@shared_task
def requeue_lost_deliveries_task() -> int:
    """Every minute: re-enqueue the deliveries a dead worker took with it (no retries of its own:
    the next minute's run is the retry)."""
    return deliveries_requeue_lost()


def _summary(result) -> dict[str, int]:
    return {
        "ran": int(result.ran),
        "items": result.items,
        "created": result.created,
        "requeued": result.requeued,
        "skipped_steps": result.skipped_steps,
        "notices": result.notices,
    }


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=10, retry_jitter=True)
def sweep_reminders_task() -> dict[str, int]:
    """The every-few-minutes sweep over milestones, problems and planned starts."""
    return _summary(reminders_sweep(subjects=ITEM_SUBJECTS))


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=10, retry_jitter=True)
def chase_monthly_reports_task() -> dict[str, int]:
    """催报: reminders before, and chasing after, the monthly report deadline."""
    return _summary(reminders_sweep(subjects=[Subject.REPORT]))


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=10, retry_jitter=True)
def send_leader_digests_task() -> dict[str, int]:
    """The 包保 leaders' weekly digest (sent on the week's first working day)."""
    return _summary(leader_digests_send())
