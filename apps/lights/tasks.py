"""Celery tasks of the stored due items: thin interfaces over `apps.lights.services`."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.db import DatabaseError

from .services import due_items_check, due_items_recompute


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=30, retry_jitter=True)
def refresh_due_items_task() -> dict[str, int]:
    """Every stored due item worked out again (a warning rule or the calendar changed)."""
    return asdict(due_items_recompute())


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=30, retry_jitter=True)
def check_due_items_task() -> dict[str, int]:
    """The nightly check: drift from the registry repaired and reported, then the rows brought to the new day."""
    return asdict(due_items_check())
