"""A real Celery worker process runs a task end to end, on the broker the settings name:
Redis in CI, kombu's filesystem transport in the embedded default."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.workcalendar.services import calendar_load_from_package
from apps.workcalendar.tasks import check_calendar_coverage_task

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or "postgres"
    return f"postgres://{user}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@pytest.fixture
def worker(transactional_db):
    queue = f"test-{uuid.uuid4().hex[:8]}"  # a queue of its own: a developer's worker won't steal the task
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "projects_mgmt.settings.test", "DATABASE_URL": _database_url()}
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "projects_mgmt",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    proc.terminate()
    try:
        output, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    print(output)  # shown when the test fails


def test_a_real_worker_process_runs_the_calendar_task(worker):
    calendar_load_from_package()
    result = check_calendar_coverage_task.apply_async(queue=worker)
    payload = result.get(timeout=90)
    assert payload["known_years"][0] == 2004
    assert settings.CELERY_BROKER_URL.split(":")[0] in {"redis", "filesystem"}
