"""PostgreSQL restarted under load: a web process (gunicorn) serving a stream of requests, a Celery
worker in the middle of a batch and another holding its connection idle all keep running, and the
requests and tasks after the restart succeed without restarting any of them.

How PostgreSQL is restarted: for real where this process can (as root with Debian's pg_ctlcluster,
as in CI): every connection on the machine is dropped and new ones are refused while it starts.
Elsewhere, or with TEST_PG_RESTART=terminate (on a machine whose PostgreSQL others are using), the
test does to its own database what a restart does to its clients, and to nobody else's: new
connections refused (ALLOW_CONNECTIONS false) and every backend ended (pg_terminate_backend) until
the web process has failed a request, then connections allowed again.

Web and workers run on a database of the test's own, a copy of the test database dropped at the
end. A real restart also drops this process's connection to the test database: it is closed after
the test, so the next test opens a new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections

from tests.conftest import need_service
from tests.core import test_scale_out
from tests.reminders import test_worker
from tests.reminders.test_worker import HANG, ROOT, Worker, _wait_until

# Alone, after the parallel run (bin/test): it restarts or loads the shared services, or measures.
pytestmark = [pytest.mark.integration, pytest.mark.serial]

# A private redis-server, and this process's Celery app publishing to it.
private_redis = test_worker.private_redis
celery_on = test_worker.celery_on

N = 200  # deliveries in each of the two batches


def _url(name: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgresql://{s.get('USER') or 'postgres'}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{name}"


def _admin() -> psycopg.Connection:
    return psycopg.connect(_url("postgres"), autocommit=True)


def _accepts_connections(name: str) -> bool:
    try:
        with psycopg.connect(_url(name), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


@contextlib.contextmanager
def own_database() -> Iterator[str]:
    """A copy of the test database (schema, content types) for web and workers, dropped at the end."""
    template = connection.settings_dict["NAME"]
    name = f"{template}_pgrestart"
    connections.close_all()  # a template must have no other session
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for _ in range(20):
            try:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except psycopg.errors.ObjectInUse:
                # A process of an earlier test still connected to the test database (only this test
                # run uses it): end its session.
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [template])
                time.sleep(0.5)
        else:
            raise AssertionError(f"无法复制测试数据库 {template}")
    try:
        yield name
    finally:
        _wait_until(lambda: _accepts_connections("postgres"), HANG, "PostgreSQL 可连接")
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed(env: dict[str, str]) -> dict:
    """In the test's database: 2N + 1 in-app deliveries for one department user (written by the
    sweep, parked on a queue no worker takes), and a logged-in session of that user."""
    script = f"""
import json
import django
django.setup()
from django.test import Client
from django.utils import timezone
from apps.accounts.models import User
from apps.reminders.models import ReminderDelivery
from apps.reminders.services import reminders_sweep
from tests.reminders.test_worker import _due_items
_due_items({2 * N + 1}, timezone.localdate())
reminders_sweep(subjects=["milestone"])
client = Client()
client.force_login(User.objects.get(username="zjj"))
ids = list(ReminderDelivery.objects.order_by("id").values_list("id", flat=True))
print(json.dumps({{"session": client.cookies["sessionid"].value, "ids": ids}}))
"""
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=HANG, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


class Load:
    """A thread requesting a page over and over, noting when each request started and how it ended."""

    def __init__(self, port: int, session: str) -> None:
        self.port, self.session = port, session
        self.results: list[tuple[float, int]] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def get(self, path: str = "/notifications/") -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")  # noqa: S310 - loopback
        request.add_header("Cookie", f"sessionid={self.session}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    def _run(self) -> None:
        while not self.stopped.is_set():
            started = time.monotonic()
            self.results.append((started, self.get()))
            time.sleep(0.02)

    def failed_since(self, moment: float) -> bool:
        return any(status != 200 for started, status in self.results if started >= moment)

    def since(self, moment: float) -> list[int]:
        return [status for started, status in self.results if started >= moment]

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(60)


def _cluster() -> list[str] | None:
    """pg_ctlcluster's restart command for the local cluster, when this process may run it."""
    if os.environ.get("TEST_PG_RESTART", "auto") == "terminate":
        return None
    tool = shutil.which("pg_ctlcluster")
    if not (tool and os.geteuid() == 0 and Path("/etc/postgresql").is_dir()):
        return None
    version = sorted(os.listdir("/etc/postgresql"))[0]
    return [tool, "--skip-systemctl-redirect", "--mode", "fast", version, "main", "restart"]


def restart_postgres(name: str, load: Load) -> str:
    """Restart PostgreSQL (or, where that is not possible, do to `name`'s clients what a restart
    does); returns which it was."""
    command = _cluster()
    if command:
        subprocess.run(command, check=True, timeout=HANG, capture_output=True)  # noqa: S603 - a fixed tool
        return "pg_ctlcluster restart"
    with _admin() as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            ended = time.monotonic()
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name])
            _wait_until(lambda: load.failed_since(ended), HANG, "数据库不可用期间 Web 请求失败")
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    return "pg_terminate_backend"


def _sent(name: str, ids: list[int]) -> int:
    try:
        with psycopg.connect(_url(name), connect_timeout=2) as conn:
            row = conn.execute("SELECT count(*) FROM reminders_reminderdelivery WHERE status = 'sent' AND id = ANY(%s)", [ids]).fetchone()
            return row[0]
    except psycopg.OperationalError:
        return -1


def _notifications(name: str) -> tuple[int, int]:
    with psycopg.connect(_url(name)) as conn:
        return conn.execute("SELECT count(*), count(DISTINCT delivery_id) FROM reminders_notification").fetchone()


def _outcomes(worker: Worker) -> list[str]:
    """The worker's log lines saying how each task published after the restart ended (succeeded,
    retry or raised; the worker logs at INFO)."""
    worker.log.flush()
    worker.log.seek(0)
    return [line for line in worker.log.read().splitlines() if "[after-restart-" in line and "] received" not in line]


def test_postgresql_restarted_under_load_web_and_workers_reconnect_and_the_next_requests_and_tasks_succeed(
    django_db_setup, celery_on, private_redis, tmp_path, monkeypatch
):
    from apps.reminders.tasks import send_delivery_task
    from projects_mgmt.celery import app

    if connection.vendor != "postgresql":
        need_service("PostgreSQL（设置 DATABASE_URL）")
    web = busy = idle = load = None
    try:
        with own_database() as name:
            # given a web process and two workers on the test's own database
            monkeypatch.setattr(test_scale_out, "_database_url", lambda: _url(name))
            monkeypatch.setattr(test_worker, "_database_url", lambda: _url(name))
            env = os.environ | {"DJANGO_SETTINGS_MODULE": "projects_mgmt.settings.test", "DATABASE_URL": _url(name)}
            seeded = _seed(env | {"REDIS_URL": private_redis.url, "REMINDERS_QUEUE": f"parked-{uuid.uuid4().hex[:8]}"})
            warm_up, batch_a, batch_b = seeded["ids"][:1], seeded["ids"][1 : N + 1], seeded["ids"][N + 1 :]
            busy = Worker(celery_on, private_redis.url, tmp_path)
            idle = Worker(f"{celery_on}-idle", private_redis.url, tmp_path)
            idle.loglevel = "INFO"
            busy.start()
            idle.start()
            web = test_scale_out.Web(private_redis.url, f"t{uuid.uuid4().hex[:8]}", tmp_path)
            _wait_until(web.up, HANG, "gunicorn 启动")
            # (one worker has sent a delivery and keeps its connection, idle)
            send_delivery_task.apply_async(args=warm_up, queue=idle.queue)
            _wait_until(lambda: _sent(name, warm_up) == 1, HANG, "空闲 worker 的预热发送")
            # and the web process serves a stream of requests, the other worker a batch
            load = Load(web.port, seeded["session"])
            _wait_until(lambda: load.since(0).count(200) >= 5, HANG, "Web 请求成功")
            with app.producer_or_acquire() as producer:
                for pk in batch_a:
                    send_delivery_task.apply_async(args=[pk], queue=busy.queue, producer=producer)
            _wait_until(lambda: _sent(name, batch_a) >= N // 10, HANG, "忙碌的 worker 开始发送")
            # when PostgreSQL restarts
            how = restart_postgres(name, load)
            _wait_until(lambda: _accepts_connections(name), HANG, "PostgreSQL 重新接受连接")
            back = time.monotonic()
            # then the next requests succeed: every one started after PostgreSQL was back
            assert [load.get() for _ in range(5)] == [200] * 5, how
            _wait_until(lambda: len(load.since(back)) >= 10, HANG, "重启后的 Web 请求")
            assert set(load.since(back)) == {200}, (how, load.since(back))
            # and the idle worker's next tasks succeed at the first try: the beat's requeue (its first
            # query outside a transaction), then a batch of deliveries
            entry = app.conf.beat_schedule["requeue-lost-deliveries"]
            app.send_task(entry["task"], queue=idle.queue, task_id="after-restart-requeue", **entry["options"])
            _wait_until(lambda: _outcomes(idle), HANG, "重启后的重新入队任务")
            assert "] succeeded in " in _outcomes(idle)[0], _outcomes(idle)
            with app.producer_or_acquire() as producer:
                for pk in batch_b:
                    send_delivery_task.apply_async(args=[pk], queue=idle.queue, task_id=f"after-restart-{pk}", producer=producer)
            _wait_until(lambda: len(_outcomes(idle)) >= N + 1, HANG, f"重启后的 {N} 条发送")
            failed = [line for line in _outcomes(idle) if "] succeeded in " not in line]
            assert failed == [], failed[:5]
            assert _sent(name, batch_b) == N
            # and the busy worker's batch, cut by the restart, ends sent: each delivery exactly once
            _wait_until(lambda: _sent(name, batch_a) == N, HANG, f"重启时在途的 {N} 条发送")
            assert _notifications(name) == (2 * N + 1, 2 * N + 1)
            # and none of the processes was restarted
            assert web.proc.poll() is None, how
            assert busy.alive(), how
            assert idle.alive(), how
            load.stop()
            load = None
            for process in (web, busy, idle):
                process.stop()
            web = busy = idle = None
    finally:
        if load:
            load.stop()
        for process in (web, busy, idle):
            if process:
                process.stop()
        # A real restart ended this process's connection to the test database too.
        connections.close_all()


def test_the_next_test_reads_and_writes_the_test_database(db):
    # after the restart above, on a new connection (tests/core/test_scale_out.py follows as well)
    from apps.accounts.models import User
    from tests.factories import UserFactory

    UserFactory(username="after-restart")
    assert User.objects.filter(username="after-restart").count() == 1
