"""Celery task: a large 调度表 import, run by a worker, with its progress in the result backend."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.db import DatabaseError

from .services import import_job_run

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.5


@shared_task(bind=True, acks_late=True, autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=10, retry_jitter=True)
def import_sheet_task(self, job_id: int) -> str:
    """Import one queued job; running it twice imports once (the job row is claimed)."""
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.request.id:  # called directly (tests, a shell): nobody polls
            return
        if done not in (0, total) and now - last[0] < PROGRESS_EVERY_SECONDS:
            return
        last[0] = now
        try:
            # Progress lives in the result backend (Redis, or files in the embedded default), not in
            # the job row: the rows are written in one transaction that nobody else sees until commit.
            self.update_state(state="PROGRESS", meta={"phase": phase, "done": done, "total": total})
        except Exception as exc:  # a progress bar is not worth failing an import for
            logger.warning("调度表导入 %s 的进度未能写入（%s）。", job_id, exc)

    return import_job_run(job_id=job_id, progress=progress).status
