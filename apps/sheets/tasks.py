"""Celery tasks: an import run by a worker, with its progress and heartbeat in the result backend,
within a time limit; and the periodic check that ends the jobs whose worker was lost."""

from __future__ import annotations

import logging
import time

from celery import Task, shared_task
from celery.exceptions import TimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError

from .services import (
    CRASH_MESSAGE,
    HARD_LIMIT_GRACE_SECONDS,
    import_job_fail,
    import_job_run,
    import_jobs_fail_stale,
    timeout_message,
)

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.5


class ImportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """The task died where import_job_run could not answer: the hard time limit (the worker
        killed the process; Celery calls this in the worker's main process) or retries spent on a
        database error. The job must not stay 排队中 or 导入中."""
        job_id = args[0] if args else kwargs.get("job_id")
        if job_id is None:
            return
        if isinstance(exc, TimeLimitExceeded):
            hard = exc.args[0] if exc.args and isinstance(exc.args[0], int | float) else None
            message = timeout_message(hard - HARD_LIMIT_GRACE_SECONDS if hard else None)
        else:
            message = CRASH_MESSAGE
        try:
            import_job_fail(job_id=job_id, message=message)
        except Exception:  # the database is what failed: the stale check ends the job later
            logger.exception("导入 %s 未能标记为失败。", job_id)


# Defaults for a message published without limits; import_job_enqueue puts them in every message.
SOFT_LIMIT = int(settings.SHEETS_IMPORT_TIME_LIMIT_SECONDS)


@shared_task(
    bind=True,
    base=ImportTask,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    max_retries=3,
    retry_backoff=10,
    retry_jitter=True,
    soft_time_limit=SOFT_LIMIT,
    time_limit=SOFT_LIMIT + HARD_LIMIT_GRACE_SECONDS,
)
def import_sheet_task(self, job_id: int) -> str:
    """Import one queued job (调度表 or 往年完成投资); running it twice imports once (the job row is claimed)."""
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
            # "beat" is the heartbeat the status poll and the periodic check judge a lost worker by.
            self.update_state(state="PROGRESS", meta={"phase": phase, "done": done, "total": total, "beat": time.time()})
        except Exception as exc:  # a progress bar is not worth failing an import for
            logger.warning("调度表导入 %s 的进度未能写入（%s）。", job_id, exc)

    _hard, soft = self.request.timelimit or (None, None)
    return import_job_run(job_id=job_id, progress=progress, time_limit=soft or self.soft_time_limit).status


@shared_task
def fail_stale_imports_task() -> int:
    """End as failed every import whose worker was lost (no heartbeat for SHEETS_IMPORT_STALE_SECONDS)."""
    return import_jobs_fail_stale()
