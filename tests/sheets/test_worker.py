"""A large import through a real Celery worker process on Redis (and PostgreSQL in CI): the page
queues it, the worker imports it, the status view shows its progress meanwhile, the job ends
succeeded. Uses the private redis-server and worker helpers of tests/reminders/test_worker.py."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from apps.projects.models import Project
from apps.sheets.models import ImportJob, ImportStatus
from tests.reminders.test_worker import HANG, PrivateRedis, Worker, _wait_until
from tests.sheets.conftest import row, tidy

pytestmark = pytest.mark.integration

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
    settings.SHEETS_IMPORT_INLINE_ROWS = 50
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

    _wait_until(finished, HANG, "后台导入完成", interval=0.2)
    # then the job succeeded, its progress was visible on the way, and the projects are in
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.errors[:5]
    assert Project.objects.count() == N
    assert any(s["status"] == "running" and 0 < s["done"] < s["total"] == N for s in seen), seen[-5:]
    assert "导入成功" in client.get(f"/import/jobs/{job.pk}/").content.decode()
