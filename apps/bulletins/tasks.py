"""The monthly 通报 on the chosen day (settings.BULLETIN_DAY): the previous month's, once."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils import timezone

from apps.lights.selectors import report_period

from .models import Bulletin
from .services import bulletin_generate

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=30, retry_jitter=True)
def generate_monthly_bulletin_task(year: int | None = None, month: int | None = None) -> int | None:
    """Generate and send the (default: previous) month's 通报 as the system; a second run for the
    same month does nothing (one scheduled bulletin per month, held by a unique constraint)."""
    if year is None or month is None:
        year, month = report_period(timezone.localdate())
    existing = Bulletin.objects.filter(year=year, month=month, scheduled=True).values_list("pk", flat=True).first()
    if existing is not None:
        return existing
    try:
        return bulletin_generate(year=year, month=month, actor=None, scheduled=True).pk
    except ValidationError:
        # A concurrent run won the constraint: its bulletin is the month's scheduled one.
        existing = Bulletin.objects.filter(year=year, month=month, scheduled=True).values_list("pk", flat=True).first()
        if existing is None:
            raise
        logger.info("%s年%s月通报已由另一次定时任务生成（%s）。", year, month, existing)
        return existing
