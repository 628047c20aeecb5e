"""Imports through a real Celery worker process on Redis (and PostgreSQL in CI): the page queues a
large file at once and the worker imports it, its progress shown meanwhile; a 100 000-row file is
refused by the worker at the row cap; a worker killed mid-import leaves a job that ends failed
after the stale timeout; an import over the time limit is stopped and ends failed. Uses the private
redis-server and worker helpers of tests/reminders/test_worker.py."""

from __future__ import annotations

import time
import uuid

import pytest
from django.test import Client

from apps.projects.models import Project
from apps.sheets.models import ImportJob, ImportStatus
from tests.reminders.test_worker import HANG, PrivateRedis, Worker, _wait_until
from tests.sheets.conftest import row, tidy

pytestmark = [pytest.mark.integration, pytest.mark.heavy]  # real worker processes: their own stage of bin/test

N = 600


@pytest.fixture
def sheets_worker(transactional_db, reference, tmp_path, settings):
    from pathlib import Path

    from tests.reminders.test_worker import REDIS_SERVER, need_service

    if not Path(REDIS_SERVER).exists():
        need_service("redis-server 可执行文件（/usr/bin/redis-server）")
    from projects_mgmt.celery import app

    redis = PrivateRedis(tmp_path)
    redis.start()
    saved = (app.conf.broker_url, app.conf.broker_transport_options, app.conf.result_backend)
    app.conf.broker_url = redis.url
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    app.conf.result_backend = redis.url  # the status view reads the worker's progress from here
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)
    settings.SHEETS_IMPORT_QUEUE = f"test-sheets-{uuid.uuid4().hex[:8]}"
    settings.SHEETS_IMPORT_INLINE_BYTES = 1024  # every sheet here is larger: the worker imports it
    worker = Worker(settings.SHEETS_IMPORT_QUEUE, redis.url, tmp_path)
    yield worker
    worker.stop()
    redis.stop()
    app.conf.broker_url, app.conf.broker_transport_options, app.conf.result_backend = saved
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)


def test_a_large_import_runs_in_a_worker_with_its_progress_shown(sheets_worker):
    from tests.factories import UserFactory

    office = UserFactory(username="xmb-worker", role="office")
    client = Client()
    client.force_login(office)
    content = tidy([row(i, f"后台项目{i}", code=f"2025-433126-48-01-{i:06d}") for i in range(1, N + 1)])
    # when the office uploads a file over the inline threshold
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/import/", {"file": SimpleUploadedFile("大表.xlsx", content), "year": 2026})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportStatus.PENDING
    assert job.enqueued_at is not None
    page = client.get(f"/import/jobs/{job.pk}/")
    assert "等待后台处理" in page.content.decode()
    # and a worker runs
    sheets_worker.start()
    seen: list[dict] = []

    def finished() -> bool:
        status = client.get(f"/import/jobs/{job.pk}/status/").json()
        seen.append(status)
        return status["finished"]

    _wait_until(finished, HANG, "后台校验完成", interval=0.2)
    # the office reads the preview and confirms it; the worker writes the rows
    _confirm(client, job)
    _wait_until(finished, HANG, "后台导入完成", interval=0.2)
    # then the job succeeded, its progress was visible on the way, and the projects are in
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.errors[:5]
    assert Project.objects.count() == N
    assert any(s["status"] == "running" and 0 < s["done"] < s["total"] == N for s in seen), seen[-5:]
    assert "导入成功" in client.get(f"/import/jobs/{job.pk}/").content.decode()


class PreforkWorker(Worker):
    """The pool bin/run and docker-compose run (prefork): the one that enforces time limits."""

    def start(self) -> None:
        import subprocess
        import sys

        from tests.reminders.test_worker import ROOT

        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "projects_mgmt", "worker", "--pool", "prefork", "--concurrency", "1", "-Q", self.queue]
            + ["--loglevel", self.loglevel, "--without-heartbeat", "--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )


def _upload(client, content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    started = time.perf_counter()
    response = client.post("/import/", {"file": SimpleUploadedFile(name, content), "year": 2026})
    return response, time.perf_counter() - started


def _office_client() -> Client:
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="xmb-worker", role="office"))
    return client


def _queued_3000_rows(client, label: str) -> ImportJob:
    """A 3000-row 调度表 uploaded through the page and queued: long enough to kill or time out."""
    content = tidy([row(i, f"{label}项目{i}", code=f"2025-433126-48-01-{i:06d}") for i in range(1, 3001)])
    response, _seconds = _upload(client, content, f"{label}.xlsx")
    assert response.status_code == 302
    return ImportJob.objects.get()


def _ended(client, job: ImportJob, what: str, timeout: float = HANG) -> ImportJob:
    """Poll the job's status as its page does until it is finished; the job as it ended."""
    _wait_until(lambda: client.get(f"/import/jobs/{job.pk}/status/").json()["finished"], timeout, what)
    job.refresh_from_db()
    return job


def _failure(job: ImportJob) -> str:
    """The one whole-file message of a failed job."""
    assert job.status == ImportStatus.FAILED
    assert job.finished_at is not None
    [error] = job.errors
    assert (error["row"], error["column"]) == (None, "")
    return error["message"]


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))


@pytest.mark.parametrize(("dimension", "label"), [(None, "没有 dimension"), ("A1:B2", "dimension 谎称 A1:B2")])
def test_a_100000_row_upload_is_queued_at_once_and_the_worker_refuses_it_at_the_row_cap(sheets_worker, dimension, label):
    from tests.sheets.rawxlsx import many_rows

    client = _office_client()
    content = many_rows(100_000, dimension=dimension)
    # when the office uploads it, the page returns at once: the request only stores and queues it
    response, seconds = _upload(client, content, "十万行.xlsx")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert (job.status, job.total_rows) == (ImportStatus.PENDING, 0)
    assert job.enqueued_at is not None
    assert seconds < 10, seconds  # on main the request read the whole file first
    # and the worker reads it up to the cap and refuses it
    sheets_worker.start()
    job = _ended(client, job, "后台导入结束")
    assert _failure(job) == "工作表“调度表”超过 50000 行（第 50001 行仍有内容），一次最多导入 50000 行，请分成几个文件。"
    assert Project.objects.count() == 0
    peak = _peak_rss_mb(sheets_worker.proc.pid)
    print(f"\n100000 行（{label}）：上传请求 {seconds:.2f} 秒返回（已排队）；worker 进程峰值内存 {peak:.0f} MB")
    assert peak < 300, peak
    assert "一次最多导入 50000 行" in client.get(f"/import/jobs/{job.pk}/").content.decode()


def _confirm(client, job: ImportJob) -> None:
    """Confirm the job's preview as its page does (the worker read the file and paused for it)."""
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW, (job.status, job.errors[:3])
    response = client.post(f"/import/jobs/{job.pk}/confirm/", {"digest": job.preview_data["digest"]})
    assert response.status_code == 302


def _wait_for_phase(client, job: ImportJob, phase_label: str) -> None:
    def there() -> bool:
        status = client.get(f"/import/jobs/{job.pk}/status/").json()
        assert not status["finished"], status
        return status["label"] == phase_label and status["done"] > 0

    _wait_until(there, HANG, f"导入进入“{phase_label}”", interval=0.05)


def test_a_job_whose_worker_is_killed_ends_failed_after_the_stale_timeout(sheets_worker, settings):
    settings.SHEETS_IMPORT_STALE_SECONDS = 3
    client = _office_client()
    job = _queued_3000_rows(client, "中断")
    sheets_worker.start()
    _ended(client, job, "预览生成")
    _confirm(client, job)
    # given the worker is writing the rows (one transaction, not committed)
    _wait_for_phase(client, job, "正在写入")
    # when it is killed
    sheets_worker.kill()
    # then the job is still 导入中 for a while: the heartbeat is young
    assert client.get(f"/import/jobs/{job.pk}/status/").json()["status"] == "running"
    # and after the stale timeout the status poll ends it as failed, saying what happened and what to do
    message = _failure(_ended(client, job, "导入被标为失败", timeout=60))
    assert message.startswith("导入中断：后台导入已有 3 秒没有任何进展（服务器重启、后台任务被终止或内存不足），未导入任何数据。")
    assert "请重新上传" in message
    assert Project.objects.count() == 0  # the worker's transaction died with it
    page = client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert "导入中断" in page
    assert "重新上传" in page


@pytest.fixture
def prefork_worker(sheets_worker, tmp_path):
    worker = PreforkWorker(sheets_worker.queue, sheets_worker.env["REDIS_URL"], tmp_path)
    yield worker
    worker.stop()


def test_an_import_over_the_time_limit_is_stopped_and_ends_failed(prefork_worker, settings):
    settings.SHEETS_IMPORT_TIME_LIMIT_SECONDS = 2  # published with the message
    client = _office_client()
    job = _queued_3000_rows(client, "超时")
    # when a worker with a 2-second limit runs it
    prefork_worker.start()
    job = _ended(client, job, "校验结束")
    if job.status == ImportStatus.PREVIEW:  # the checking fit in the limit: the writing will not
        _confirm(client, job)
        job = _ended(client, job, "导入结束")
    # then it was stopped, nothing is imported, and the job says why and what to do
    assert _failure(job) == ("导入超过 2 秒仍未完成，已停止，未导入任何数据。请把文件分成几个较小的文件（如按类别或责任单位）后分别导入。")
    assert Project.objects.count() == 0
    assert prefork_worker.alive()  # the soft limit stops the import, not the worker
