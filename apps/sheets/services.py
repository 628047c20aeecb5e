"""Import jobs: the office uploads a 调度表 or a 往年完成投资 workbook; a file of a few tens of KB is
imported at once, anything larger by a Celery worker with its progress shown. Every job keeps who,
when, which file and what happened, and every job ends succeeded or failed, also when its worker
dies or runs out of time.

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
from collections.abc import Iterable
from typing import Any

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.utils import timezone

from apps.accounts.policy import PolicyDenied, require
from apps.accounts.types import Actor
from apps.core.services import save_validated
from apps.progress.models import HistoricalCompletion

from .columns import BY_KEY
from .errors import RowError, SheetError
from .history import HistoryImport, history_import
from .importer import Decisions, Progress, sheet_apply, sheet_import, sheet_preview, sheet_validate
from .models import ImportJob, ImportKind, ImportStatus, SheetLayout
from .reader import read_sheet
from .xlsxread import check_size

logger = logging.getLogger(__name__)

# Publishing fails fast when the broker is down: the job waits as "排队中" and the status poll
# publishes it again (REQUEUE_AFTER), so the upload request never hangs on Redis.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
REQUEUE_AFTER = dt.timedelta(minutes=2)
# The hard time limit kills the worker process; the soft one, this much earlier, lets the import
# roll back and the job row say why.
HARD_LIMIT_GRACE_SECONDS = 60
CRASH_MESSAGE = "导入时发生系统错误，未导入任何数据。请稍后重试；如仍出错，请联系系统管理员。"
TIMEOUT_MESSAGE = "导入超过 {duration}仍未完成，已停止，未导入任何数据。请把文件分成几个较小的文件（如按类别或责任单位）后分别导入。"
LOST_MESSAGE = (
    "导入中断：后台导入已有 {duration}没有任何进展（服务器重启、后台任务被终止或内存不足），未导入任何数据。"
    "请重新上传；如再次中断，请把文件分成几个较小的文件后分别导入，或联系系统管理员。"
)


def import_queue() -> str:
    """The queue of import tasks ("celery" is what bin/run's worker consumes; a deployment may give
    imports a worker of their own, apart from reminders)."""
    return str(getattr(settings, "SHEETS_IMPORT_QUEUE", "celery"))


def inline_bytes() -> int:
    """Files up to this many bytes are imported in the request; larger ones in a Celery worker."""
    return int(settings.SHEETS_IMPORT_INLINE_BYTES)


def time_limit_seconds() -> int:
    """A worker stops an import after this long (Celery's soft time limit) and the job fails."""
    return int(settings.SHEETS_IMPORT_TIME_LIMIT_SECONDS)


def stale_after() -> dt.timedelta:
    """A job 导入中 with no sign of life this long has lost its worker."""
    return dt.timedelta(seconds=int(settings.SHEETS_IMPORT_STALE_SECONDS))


def _duration(seconds: float) -> str:
    """1800 → "30 分钟", 90 → "1.5 分钟", 5 → "5 秒"."""
    if seconds < 60:
        return f"{seconds:.0f} 秒"
    return f"{seconds / 60:.1f}".removesuffix(".0") + " 分钟"


def timeout_message(seconds: float | None = None) -> str:
    return TIMEOUT_MESSAGE.format(duration=_duration(seconds or time_limit_seconds()))


def lost_message() -> str:
    return LOST_MESSAGE.format(duration=_duration(stale_after().total_seconds()))


def import_job_create(
    *,
    actor: Actor,
    file_name: str,
    content: bytes,
    kind: str = ImportKind.SCHEDULE,
    year: int | None = None,
    generate_milestones: bool = False,
    preview: bool = False,
    month: int | None = None,
) -> ImportJob:
    """Record an upload (only the office imports); an empty or oversized file is refused here."""
    author = require(actor, "create", ImportJob)
    if kind == ImportKind.HISTORY:
        require(actor, "change", HistoricalCompletion)
    check_size(len(content))
    job = ImportJob(
        created_by=author,
        kind=kind,
        file_name=(file_name or ("往年完成投资.xlsx" if kind == ImportKind.HISTORY else "调度表.xlsx"))[-255:],
        file_size=len(content),
        content=content,
        year=year,
        generate_milestones=generate_milestones,
        preview=preview,
        month=month,
    )
    return save_validated(job, actor=actor)


def layout_remember(*, actor: Actor, fingerprint: str, headers: list[str], mapping: dict[str, str]) -> SheetLayout:
    """The office's column mapping for a sheet layout, remembered: next month's sheet of the same
    layout goes straight to the preview."""
    author = require(actor, "create", ImportJob)
    layout = SheetLayout.objects.filter(fingerprint=fingerprint).first() or SheetLayout(fingerprint=fingerprint)
    layout.headers = list(headers)
    layout.mapping = {h: (k if k in BY_KEY else "") for h, k in mapping.items()}
    layout.updated_by = author
    return save_validated(layout, actor=actor)


def _waiting(job: ImportJob, status: str) -> None:
    """The job waits for this step of the office (a second click, an old tab: refused, not redone)."""
    if job.status != status:
        raise ValidationError(f"这次导入当前状态为“{job.get_status_display()}”，不能再操作；请重新上传。")


def import_job_map(*, actor: Actor, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """The office maps the columns not recognised (a target, or "" to ignore on purpose); the
    mapping is remembered for the layout and the job goes on to its preview."""
    require(actor, "create", ImportJob)
    job = ImportJob.objects.get(pk=job.pk)
    _waiting(job, ImportStatus.MAPPING)
    unmapped = job.preview_data.get("unmapped", [])
    chosen = {h: (mapping.get(h) if mapping.get(h) in BY_KEY else "") for h in unmapped}
    taken = [k for k in chosen.values() if k]
    if len(taken) != len(set(taken)):
        raise ValidationError("两列不能对应同一个导入项，请检查。")
    recognised = {c["key"] for c in job.preview_data.get("columns", [])}
    clash = [BY_KEY[k].header for k in taken if k in recognised]
    if clash:
        raise ValidationError(f"表中已有列对应“{'、'.join(clash)}”，不能再把另一列对应到它。")
    saved = SheetLayout.objects.filter(fingerprint=job.layout).first()
    full = {**(saved.mapping if saved else {}), **chosen}
    layout_remember(actor=actor, fingerprint=job.layout, headers=job.preview_data.get("headers", []), mapping=full)
    job.mapping = full
    job.status = ImportStatus.PENDING
    job.task_id = ""
    job.save(update_fields=["mapping", "status", "task_id", "updated_at"])
    return job


def import_job_confirm(*, actor: Actor, job: ImportJob, digest: str, decisions: dict) -> ImportJob:
    """The office confirms the preview it saw (`digest`), with its choices: which unknown
    departments/townships/posts to create, which near namesakes are the same project."""
    require(actor, "create", ImportJob)
    job = ImportJob.objects.get(pk=job.pk)
    _waiting(job, ImportStatus.PREVIEW)
    if digest != job.preview_data.get("digest"):
        raise ValidationError("预览已更新，请按最新的预览核对后再确认。")
    if job.preview_data.get("sheet_errors"):
        raise ValidationError("表中有整表性的错误（见预览），改正后重新上传。")
    job.decisions = decisions
    job.confirmed_at = timezone.now()
    job.status = ImportStatus.PENDING
    job.task_id = ""
    job.save(update_fields=["decisions", "confirmed_at", "status", "task_id", "updated_at"])
    return job


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
        # The time limits travel in the message (Celery prefers them to the worker's own task
        # options): the soft one stops the import and fails the job; the hard one kills the process.
        limit = time_limit_seconds()
        try:
            import_sheet_task.apply_async(
                args=[job.pk],
                task_id=job.task_id,
                queue=import_queue(),
                retry=True,
                retry_policy=PUBLISH_RETRY,
                soft_time_limit=limit,
                time_limit=limit + HARD_LIMIT_GRACE_SECONDS,
            )
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


def import_job_worker_state(job: ImportJob) -> dict | None:
    """What the job's worker last wrote to the result backend: {phase, done, total, beat} (beat:
    a Unix time), or None when it wrote nothing yet. Raises when the backend cannot be read.

    Progress and heartbeat live there, not in the job row: the rows are written in one transaction
    nobody sees before it commits, and a second connection writing the row would wait on SQLite's
    lock for as long."""
    if not job.task_id:
        return None
    result = current_app.AsyncResult(job.task_id)
    if result.state == "PROGRESS" and isinstance(result.info, dict):
        return result.info
    return None


def import_job_fail_if_stale(*, job: ImportJob, now: dt.datetime | None = None) -> bool:
    """A job 导入中 with no sign of life for SHEETS_IMPORT_STALE_SECONDS lost its worker (killed, out
    of memory, the machine restarted): it ends failed, saying so. Its rows were written in one
    transaction that died with the worker, so nothing of it is in the ledger. Signs of life: the
    claim (started_at) and the worker's heartbeat in the result backend (written every few seconds
    while it reads, checks and writes). When the backend cannot be read, nothing is decided."""
    if job.status != ImportStatus.RUNNING:
        return False
    now = now or timezone.now()
    limit = stale_after()
    last = max(t for t in (job.started_at, job.updated_at) if t is not None)
    if now - last < limit:
        return False
    try:
        state = import_job_worker_state(job)
    except Exception as exc:  # the backend is down: a live import must not be failed for it
        logger.info("导入 %s 的心跳读取失败：%s", job.pk, exc)
        return False
    beat = state.get("beat") if state else None
    if isinstance(beat, int | float) and now - dt.datetime.fromtimestamp(beat, tz=dt.UTC) < limit:
        return False
    return import_job_fail(job_id=job.pk, message=lost_message(), statuses=(ImportStatus.RUNNING,), now=now)


def import_jobs_fail_stale(*, now: dt.datetime | None = None) -> int:
    """Every job whose worker was lost ends failed (the periodic task; the status poll does one)."""
    running = ImportJob.objects.filter(status=ImportStatus.RUNNING).defer("content")
    return sum(import_job_fail_if_stale(job=job, now=now) for job in running)


def import_job_fail(
    *,
    job_id: int,
    message: str,
    statuses: tuple[str, ...] = (ImportStatus.PENDING, ImportStatus.RUNNING),
    now: dt.datetime | None = None,
) -> bool:
    """End a job that has not finished as failed with `message` (its task died: a hard time limit,
    retries spent, a lost worker); a finished job keeps its result."""
    now = now or timezone.now()
    return bool(
        ImportJob.objects.filter(pk=job_id, status__in=statuses).update(
            status=ImportStatus.FAILED,
            errors=[_interruption(message)],
            finished_at=now,
            updated_at=now,
            processed_rows=0,
            content=b"",
        )
    )


def _claim(job_id: int) -> bool:
    """Take a queued job. A job already 导入中 is not taken again: its worker is alive, or it is
    lost and ends failed (import_job_fail_if_stale) rather than being retried on the file that may
    have killed it."""
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
            status=ImportStatus.RUNNING, started_at=now, updated_at=now, processed_rows=0
        )
    )


def _interruption(message: str) -> dict:
    """The one error of a job that did not run to its end (time limit, lost worker, a crash): not
    the file's fault, and the job page says so (ImportJob.interrupted)."""
    return RowError(None, "", message).as_dict() | {"interrupted": True}


def _finish(
    job: ImportJob, *, status: str, errors: list[RowError], notes: Iterable[RowError] = (), interruption: str = "", **counts
) -> ImportJob:
    job.status = status
    job.errors = [_interruption(interruption)] if interruption else [e.as_dict() for e in errors]
    job.notes = [n.as_dict() for n in notes]
    job.finished_at = timezone.now()
    job.content = b""  # the upload is not kept once it has been read
    for key, value in counts.items():
        setattr(job, key, value)
    try:
        job.save()
    except DatabaseError:
        # The import was interrupted mid-query (a time limit): the connection may be unusable.
        connection.close()
        job.save()
    return job


def import_job_run(*, job_id: int, progress: Progress | None = None, time_limit: float | None = None) -> ImportJob:
    """Run a queued job once: a second run (a retried or duplicated task) finds it taken and does
    nothing. `time_limit`: the worker's soft limit on this run, for the message when it strikes."""
    if not _claim(job_id):
        job = ImportJob.objects.defer("content").get(pk=job_id)
        if import_job_fail_if_stale(job=job):  # the message came back after its worker died
            job.refresh_from_db()
        return job
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        if job.kind == ImportKind.SCHEDULE and job.preview:
            return _staged(job, progress=progress)
        if job.kind == ImportKind.HISTORY and job.preview:
            shown = history_import(
                actor=job.created_by, content=bytes(job.content), file_name=job.file_name, progress=progress, preview=True
            ).preview
            if job.confirmed_at is None or shown["digest"] != job.preview_data.get("digest"):
                if job.confirmed_at is not None:
                    shown["changed_since"] = True
                return _pause(job, ImportStatus.PREVIEW, shown)
        if job.kind == ImportKind.HISTORY:
            return _finish_history(
                job, history_import(actor=job.created_by, content=bytes(job.content), file_name=job.file_name, progress=progress)
            )
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
    except SoftTimeLimitExceeded:
        # Raised by the worker inside the import; its transaction has been rolled back.
        logger.warning("导入 %s 超过时间限制（%s 秒），已停止。", job_id, time_limit or time_limit_seconds())
        return _finish(job, status=ImportStatus.FAILED, errors=[], interruption=timeout_message(time_limit))
    except DatabaseError:
        # Rolled back; let the task retry it (a lock timeout, a failover).
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.PENDING, updated_at=timezone.now())
        raise
    except Exception:
        logger.exception("调度表导入 %s 失败", job_id)
        return _finish(job, status=ImportStatus.FAILED, errors=[], interruption=CRASH_MESSAGE)
    return _finish(
        job,
        status=ImportStatus.SUCCEEDED if outcome.ok else ImportStatus.FAILED,
        errors=outcome.errors,
        notes=outcome.notes,
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


def _pause(job: ImportJob, status: str, data: dict) -> ImportJob:
    """The job waits for the office (mapping or confirming); the upload is kept until then."""
    job.status = status
    job.preview_data = data
    job.confirmed_at = None
    job.save()
    return job


def _target_label(column) -> str:
    """What a recognised column is read as, in the mapping step's words."""
    if column.spec.key == "done_year" and column.month:
        return f"{column.spec.header}（1-{column.month}月，记入{column.month}月的月报）"
    if column.spec.key == "nature":
        return "建设性质（填新建/续建时读作本年度的年度属性）"
    return column.spec.header


def _staged(job: ImportJob, *, progress: Progress | None = None) -> ImportJob:
    """The office's import in steps: columns not recognised → the mapping step; then the preview;
    once confirmed, the same validation again — and, if it still shows what the office saw, the
    rows written (the refused ones left out and listed)."""
    actor = job.created_by
    content = bytes(job.content)
    sheet = read_sheet(content, progress=progress)
    job.layout = sheet.layout
    saved = SheetLayout.objects.filter(fingerprint=sheet.layout).first()
    mapping = job.mapping or (saved.mapping if saved else {})
    if mapping:
        sheet = read_sheet(content, mapping=mapping)
        job.mapping = mapping
    unmapped = [h for h in sheet.ignored_headers if h not in mapping]
    base = {
        "sheet_name": sheet.name[:60],
        "unit": sheet.unit_label,
        "total_rows": len(sheet.rows),
        "notes": [n.as_dict() for n in sheet.notes],
    }
    for key, value in base.items():
        setattr(job, key, value)
    if unmapped:
        columns = [
            {"header": c.header, "key": c.spec.key, "target": _target_label(c)}
            for c in sorted(sheet.columns.values(), key=lambda c: c.index)
        ]
        return _pause(job, ImportStatus.MAPPING, {"columns": columns, "unmapped": unmapped, "headers": sheet.headers})
    year = job.year or timezone.localdate().year
    kwargs: dict[str, Any] = {
        "actor": actor,
        "sheet": sheet,
        "year": year,
        "report_month": job.month,
        "source": job.file_name,
        "progress": progress,
    }
    shown = sheet_preview(**kwargs)
    if job.confirmed_at is None:
        return _pause(job, ImportStatus.PREVIEW, shown)
    if shown["digest"] != job.preview_data.get("digest"):
        shown["changed_since"] = True  # the ledger moved since the preview: the office looks again
        return _pause(job, ImportStatus.PREVIEW, shown)
    validation = sheet_validate(decisions=Decisions.from_json(job.decisions), **kwargs)
    numbers = {p.number for p in validation.plans}
    if any(e.row not in numbers for e in validation.errors):
        return _finish(job, status=ImportStatus.FAILED, errors=[e for e in validation.errors if e.row not in numbers])
    refused = [e for e in validation.errors if e.row in numbers]
    skip = {e.row for e in refused if e.row is not None}  # refused rows are the plans', which have numbers
    outcome = sheet_apply(
        actor=actor, validation=validation, generate_milestones=job.generate_milestones, headers={}, skip=skip, progress=progress
    )
    if not outcome.ok:
        return _finish(job, status=ImportStatus.FAILED, errors=outcome.errors)
    notes = [*sheet.notes, *(RowError(e.row, e.column, f"未导入：{e.message}") for e in refused)]
    return _finish(
        job,
        status=ImportStatus.SUCCEEDED,
        errors=[],
        notes=notes,
        total_rows=len(sheet.rows),
        processed_rows=outcome.created + outcome.updated + outcome.unchanged,
        created_count=outcome.created,
        updated_count=outcome.updated,
        unchanged_count=outcome.unchanged,
        year=validation.year,
        ignored_headers=sheet.ignored_headers[:50],
    )


def _finish_history(job: ImportJob, result: HistoryImport) -> ImportJob:
    """A 往年完成投资 job: rows are projects, created/updated count monthly figures."""
    ok = not result.errors
    return _finish(
        job,
        status=ImportStatus.SUCCEEDED if ok else ImportStatus.FAILED,
        errors=result.errors,
        total_rows=result.rows,
        processed_rows=result.rows,
        created_count=result.created,
        updated_count=result.updated,
    )
