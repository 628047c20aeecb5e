"""Large imports run as a Celery task: the task in-process, run twice with one effect; the page's
enqueue after commit; a job whose worker died is taken again; a lost message is published again."""

from __future__ import annotations

import datetime as dt
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
    with mock.patch.object(import_sheet_task, "update_state", side_effect=lambda **kw: states.append(kw["meta"])):
        import_sheet_task.apply(args=[job.pk], task_id="progress-test")
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


@pytest.mark.parametrize(("hours_ago", "taken"), [(3, True), (0, False)])
def test_a_job_left_running_by_a_dead_worker_is_taken_again(office, frozen_today, hours_ago, taken):
    job = import_job_create(actor=office, file_name="表.xlsx", content=rows(2))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, updated_at=timezone.now() - dt.timedelta(hours=hours_ago))
    import_sheet_task(job.pk)
    assert Project.objects.count() == (2 if taken else 0)
