"""Import jobs: the office uploads a 调度表, a file of a few tens of KB is imported at once, anything
larger by a Celery worker with its progress shown; every job keeps who, when, which file and what
happened.

"Small" is decided by the bytes uploaded (SHEETS_IMPORT_INLINE_BYTES, 64 KB), the one thing the
request knows without reading the file: a 200-row template is about 33 KB. What a file says about
itself (its <dimension>, its zip sizes) is never asked here; the worker reads it under the caps of
apps/sheets/xlsxread.py, and the request's own work on a small file is bounded by those caps too
(at most 64 KB × the 100:1 ratio cap of XML).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

from apps.accounts.policy import PolicyDenied, require
from apps.core.services import save_validated

from .errors import RowError, SheetError
from .importer import Progress, sheet_import
from .models import ImportJob, ImportStatus
from .xlsxread import check_size

logger = logging.getLogger(__name__)

# Publishing fails fast when the broker is down: the job waits as "排队中" and the status poll
# publishes it again (REQUEUE_AFTER), so the upload request never hangs on Redis.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
REQUEUE_AFTER = dt.timedelta(minutes=2)
# A job still "导入中" this long after its last sign of life lost its worker (killed, machine
# gone): the message comes back after the broker's visibility timeout and may claim it again.
# Its writes were one transaction, so nothing of it is in the ledger.
STALE_AFTER = dt.timedelta(hours=2)
CRASH_MESSAGE = "导入时发生系统错误，未导入任何数据。请稍后重试；如仍出错，请联系系统管理员。"


def import_queue() -> str:
    """The queue of import tasks ("celery" is what bin/run's worker consumes; a deployment may give
    imports a worker of their own, apart from reminders)."""
    return str(getattr(settings, "SHEETS_IMPORT_QUEUE", "celery"))


def inline_bytes() -> int:
    """Files up to this many bytes are imported in the request; larger ones in a Celery worker."""
    return int(settings.SHEETS_IMPORT_INLINE_BYTES)


def import_job_create(*, actor, file_name: str, content: bytes, year: int | None = None, generate_milestones: bool = False) -> ImportJob:
    """Record an upload (only the office imports); an empty or oversized file is refused here."""
    require(actor, "create", ImportJob)
    check_size(len(content))
    job = ImportJob(
        created_by=actor,
        file_name=(file_name or "调度表.xlsx")[-255:],
        file_size=len(content),
        content=content,
        year=year,
        generate_milestones=generate_milestones,
    )
    return save_validated(job, actor=actor)


def import_job_start(*, job: ImportJob) -> ImportJob:
    """Import a file of at most SHEETS_IMPORT_INLINE_BYTES now; queue anything larger for a worker
    (published after the job row commits). The request never parses a large file."""
    if job.file_size <= inline_bytes():
        return import_job_run(job_id=job.pk)
    import_job_enqueue(job=job)
    return job


def import_job_enqueue(*, job: ImportJob) -> bool:
    """Publish the job's task; False (and the job stays 排队中) when the broker cannot be reached."""
    from django.db import transaction

    from .tasks import import_sheet_task

    if not job.task_id:
        job.task_id = uuid.uuid4().hex
        ImportJob.objects.filter(pk=job.pk).update(task_id=job.task_id)

    def publish() -> None:
        try:
            import_sheet_task.apply_async(args=[job.pk], task_id=job.task_id, queue=import_queue(), retry=True, retry_policy=PUBLISH_RETRY)
        except Exception as exc:  # any broker/transport error: the status poll tries again
            logger.warning("调度表导入任务 %s 入队失败（%s），稍后重试。", job.pk, exc)
            return
        ImportJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())

    transaction.on_commit(publish)
    return True


def import_job_requeue_if_lost(*, job: ImportJob, now: dt.datetime | None = None) -> bool:
    """A queued job whose message never reached the broker is published again (status poll)."""
    now = now or timezone.now()
    if job.status != ImportStatus.PENDING or not job.task_id:
        return False
    if job.enqueued_at is not None and now - job.enqueued_at < REQUEUE_AFTER:
        return False
    if job.enqueued_at is None and now - job.created_at < dt.timedelta(seconds=10):
        return False
    import_job_enqueue(job=job)
    return True


def _claim(job_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status=ImportStatus.PENDING) | Q(status=ImportStatus.RUNNING, updated_at__lt=now - STALE_AFTER)
    return bool(
        ImportJob.objects.filter(claimable, pk=job_id).update(status=ImportStatus.RUNNING, started_at=now, updated_at=now, processed_rows=0)
    )


def _finish(job: ImportJob, *, status: str, errors: list[RowError], **counts) -> ImportJob:
    job.status = status
    job.errors = [e.as_dict() for e in errors]
    job.finished_at = timezone.now()
    job.content = b""  # the upload is not kept once it has been read
    for key, value in counts.items():
        setattr(job, key, value)
    job.save()
    return job


def import_job_run(*, job_id: int, progress: Progress | None = None) -> ImportJob:
    """Run a queued job once: a second run (a retried or duplicated task) finds it taken and does nothing."""
    if not _claim(job_id):
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        outcome = sheet_import(
            actor=job.created_by,
            content=bytes(job.content),
            year=job.year,
            generate_milestones=job.generate_milestones,
            progress=progress,
        )
    except SheetError as exc:
        return _finish(job, status=ImportStatus.FAILED, errors=exc.errors)
    except PolicyDenied as exc:
        return _finish(job, status=ImportStatus.FAILED, errors=[RowError(None, "", str(exc))])
    except DatabaseError:
        # Rolled back; let the task retry it (a lock timeout, a failover).
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.PENDING, updated_at=timezone.now())
        raise
    except Exception:
        logger.exception("调度表导入 %s 失败", job_id)
        return _finish(job, status=ImportStatus.FAILED, errors=[RowError(None, "", CRASH_MESSAGE)])
    return _finish(
        job,
        status=ImportStatus.SUCCEEDED if outcome.ok else ImportStatus.FAILED,
        errors=outcome.errors,
        total_rows=outcome.total_rows,
        processed_rows=outcome.total_rows if outcome.ok else 0,
        created_count=outcome.created,
        updated_count=outcome.updated,
        unchanged_count=outcome.unchanged,
        year=outcome.year,
        sheet_name=outcome.sheet_name[:60],
        unit=outcome.unit,
        ignored_headers=outcome.ignored_headers[:50],
    )
