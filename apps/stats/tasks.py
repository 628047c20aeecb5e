"""The automatic month close: the previous month on the office's set working day after the deadline."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from .closing import close_due_period
from .live import live_figures_refresh


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=30, retry_jitter=True)
def close_due_periods_task() -> int | None:
    """Close the latest report period when its close day has come; the id of the close made, or None
    (not yet due, switched off, or closed or reopened already: a second run does nothing)."""
    closed = close_due_period(today=timezone.localdate())
    return closed.pk if closed is not None else None


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=30, retry_jitter=True)
def refresh_live_figures_task() -> int:
    """The nightly pass over the stored statistics rows (`apps.stats.live`): the number written."""
    return live_figures_refresh(today=timezone.localdate())
