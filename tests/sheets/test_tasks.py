"""Large imports run as a Celery task: the task in-process, run twice with one effect; the page's
enqueue after commit; a lost message is published again; a job whose worker died ends failed (when
its message comes again, and by the periodic task), as does one killed at the hard time limit."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from unittest import mock

import pytest
from django.utils import timezone

from apps.projects.models import Project
from apps.sheets.models import ImportJob, ImportStatus
from apps.sheets.services import import_job_create, import_job_requeue_if_lost, import_job_start
from apps.sheets.tasks import import_sheet_task
from tests.sheets.conftest import row, tidy


def rows(n: int) -> bytes:
    return tidy([row(i, f"批量项目{i}", code=f"2025-433126-48-01-{i:06d}") for i in range(1, n + 1)])


def test_the_task_imports_a_job_and_a_second_run_does_nothing(office, frozen_today):
    job = import_job_create(actor=office, file_name="调度表.xlsx", content=rows(5))
    # when the task runs (in-process, as a worker would), twice
    assert import_sheet_task(job.pk) == ImportStatus.SUCCEEDED
    assert import_sheet_task(job.pk) == ImportStatus.SUCCEEDED
    # then the projects were imported once
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, job.total_rows, job.processed_rows) == (5, 0, 5, 5)
    assert Project.objects.count() == 5
    assert bytes(job.content) == b""  # the upload is not kept
    assert job.started_at is not None
    assert job.finished_at is not None


def test_a_failed_job_keeps_its_errors_and_imports_nothing(office, frozen_today):
    job = import_job_create(actor=office, file_name="坏表.xlsx", content=tidy([row(1, "甲", total=-1)]))
    assert import_sheet_task(job.pk) == ImportStatus.FAILED
    job.refresh_from_db()
    assert job.errors == [{"row": 4, "column": "计划总投资", "message": "金额不能为负数。"}]
    assert Project.objects.count() == 0


def test_a_large_file_is_queued_after_commit_and_a_small_one_runs_at_once(
    office, frozen_today, settings, django_capture_on_commit_callbacks
):
    settings.SHEETS_IMPORT_INLINE_BYTES = len(rows(3))
    small = import_job_create(actor=office, file_name="小表.xlsx", content=rows(3))
    assert import_job_start(job=small).status == ImportStatus.SUCCEEDED
    large = import_job_create(actor=office, file_name="大表.xlsx", content=rows(12))
    with mock.patch.object(import_sheet_task, "apply_async") as publish, django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = import_job_start(job=large)
    assert job.status == ImportStatus.PENDING
    assert len(callbacks) == 1
    publish.assert_called_once()
    assert publish.call_args.kwargs["args"] == [large.pk]
    large.refresh_from_db()
    assert large.task_id == publish.call_args.kwargs["task_id"]
    assert large.enqueued_at is not None
    # the worker picks it up
    assert import_sheet_task(large.pk) == ImportStatus.SUCCEEDED
    assert Project.objects.count() == 12


def test_the_task_reports_progress_to_the_result_backend(office, frozen_today):
    job = import_job_create(actor=office, file_name="表.xlsx", content=rows(3))
    states = []
    started = time.time()
    with mock.patch.object(import_sheet_task, "update_state", side_effect=lambda **kw: states.append(kw["meta"])):
        import_sheet_task.apply(args=[job.pk], task_id="progress-test")
    finished = time.time()
    beats = [state.pop("beat") for state in states]  # the heartbeat: a Unix time with every write
    assert beats == sorted(beats)
    # taken during the run (an order, not a duration: no bound that a busy machine could miss)
    assert started <= beats[0]
    assert beats[-1] <= finished
    assert states[0] == {"phase": "validating", "done": 0, "total": 3}
    assert states[-1] == {"phase": "importing", "done": 3, "total": 3}


def test_a_publish_that_failed_is_retried_by_the_status_poll(office, frozen_today, django_capture_on_commit_callbacks):
    job = import_job_create(actor=office, file_name="表.xlsx", content=rows(1))
    job.task_id = "lost"
    job.save()
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=1))
    job.refresh_from_db()
    with (
        mock.patch.object(import_sheet_task, "apply_async", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert import_job_requeue_if_lost(job=job) is True
    job.refresh_from_db()
    assert job.enqueued_at is None  # still waiting: the next poll tries again
    with mock.patch.object(import_sheet_task, "apply_async") as publish, django_capture_on_commit_callbacks(execute=True):
        assert import_job_requeue_if_lost(job=job) is True
    publish.assert_called_once()
    job.refresh_from_db()
    assert job.enqueued_at is not None
    # published a moment ago: not again
    assert import_job_requeue_if_lost(job=job) is False


@pytest.mark.parametrize(("hours_ago", "ended"), [(3, True), (0, False)])
def test_a_job_left_running_by_a_dead_worker_ends_failed_when_its_task_comes_again(office, frozen_today, hours_ago, ended):
    # A message redelivered after its worker died is not run again on the file that may have killed
    # it: the job ends failed, saying so. A job whose worker is alive is left to it.
    job = import_job_create(actor=office, file_name="表.xlsx", content=rows(2))
    then = timezone.now() - dt.timedelta(hours=hours_ago)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=then, updated_at=then)
    import_sheet_task(job.pk)
    job.refresh_from_db()
    assert Project.objects.count() == 0
    assert job.status == (ImportStatus.FAILED if ended else ImportStatus.RUNNING)
    if ended:
        assert job.errors[0]["message"].startswith("导入中断：后台导入已有 10 分钟没有任何进展")
        assert bytes(job.content) == b""


def _running(office, *, minutes_ago: float, task_id: str = "") -> ImportJob:
    job = import_job_create(actor=office, file_name="表.xlsx", content=rows(2))
    then = timezone.now() - dt.timedelta(minutes=minutes_ago)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=then, updated_at=then, task_id=task_id)
    job.refresh_from_db()
    return job


def test_the_periodic_task_ends_the_jobs_whose_worker_was_lost_and_leaves_the_live_ones(office, settings):
    from celery import current_app

    from apps.sheets.tasks import fail_stale_imports_task

    settings.SHEETS_IMPORT_STALE_SECONDS = 600
    # given: a job started 20 minutes ago whose worker wrote its last heartbeat 15 minutes ago, one
    # whose worker beat a moment ago (a long import), one started a minute ago, and one that never
    # reached a worker's result backend (an import in a request whose process died)
    backend = current_app.backend
    lost = _running(office, minutes_ago=20, task_id=f"lost-{uuid.uuid4().hex}")
    backend.store_result(lost.task_id, {"phase": "importing", "done": 5, "total": 9, "beat": time.time() - 15 * 60}, "PROGRESS")
    alive = _running(office, minutes_ago=20, task_id=f"alive-{uuid.uuid4().hex}")
    backend.store_result(alive.task_id, {"phase": "importing", "done": 5, "total": 9, "beat": time.time() - 5}, "PROGRESS")
    young = _running(office, minutes_ago=1)
    silent = _running(office, minutes_ago=20)
    # when the periodic task runs
    assert fail_stale_imports_task() == 2
    # then the lost ones ended failed with the message, the others run on
    status = dict(ImportJob.objects.values_list("pk", "status"))
    assert status == {lost.pk: "failed", alive.pk: "running", young.pk: "running", silent.pk: "failed"}
    lost.refresh_from_db()
    assert lost.errors[0]["message"].startswith("导入中断：后台导入已有 10 分钟没有任何进展")
    assert lost.finished_at is not None
    assert fail_stale_imports_task() == 0
    assert "fail-stale-imports" in settings.CELERY_BEAT_SCHEDULE


def test_a_hard_time_limit_or_spent_retries_end_the_job_failed(office):
    from celery.exceptions import TimeLimitExceeded
    from django.db import OperationalError

    # What Celery calls in the worker's main process when it kills a task at the hard limit, and
    # when the retries of a database error are spent.
    killed = _running(office, minutes_ago=31)
    import_sheet_task.on_failure(TimeLimitExceeded(1860), "tid", (killed.pk,), {}, None)
    waiting = import_job_create(actor=office, file_name="表.xlsx", content=rows(2))
    import_sheet_task.on_failure(OperationalError("server closed the connection"), "tid", (waiting.pk,), {}, None)
    killed.refresh_from_db()
    waiting.refresh_from_db()
    assert (killed.status, waiting.status) == ("failed", "failed")
    assert killed.errors[0]["message"] == (
        "导入超过 30 分钟仍未完成，已停止，未导入任何数据。请把文件分成几个较小的文件（如按类别或责任单位）后分别导入。"
    )
    assert waiting.errors[0]["message"].startswith("导入时发生系统错误，未导入任何数据。")
    # a job that finished keeps its result
    done = import_job_create(actor=office, file_name="表.xlsx", content=rows(1))
    import_sheet_task(done.pk)
    import_sheet_task.on_failure(TimeLimitExceeded(1860), "tid", (done.pk,), {}, None)
    done.refresh_from_db()
    assert done.status == "succeeded"
