"""Exactly once with a real Redis and a real worker process: a worker killed with SIGKILL in the
middle of a batch (its deliveries sent again by the beat's minutely requeue, not after Redis's
visibility timeout), and Redis stopped while rows are written. SMS and webhooks whose sender died
mid-send: tests/reminders/test_faults.py.

Each test starts a private redis-server on a free port in a temporary folder (the shared Redis on
6379 is never stopped) and points both the worker and this process's Celery app at it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.milestones.models import Milestone, Stage
from apps.organization.models import Department
from apps.projects.models import Project, ResponsibilityRole
from apps.reminders.models import DeliveryStatus, Notification, ReminderDelivery, ReminderRule, SweepRun
from apps.reminders.seeds import load_reminder_rules
from apps.reminders.services import reminders_sweep
from tests.conftest import need_service
from tests.factories import DepartmentFactory, ProjectFactory, ProjectResponsibilityFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.heavy]  # real worker processes: their own stage of bin/test

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
N = 1200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


# Waits end on the event they wait for; their timeouts are generous and only turn a hang into a
# failure (a busy 2-core machine must not fail them by being slow).
HANG = 600


@contextmanager
def _fails_if_hung(seconds: int, what: str) -> Iterator[None]:
    """Raise in the main thread if the block has not finished after `seconds` (a hang, not slowness)."""

    def _hung(signum, frame):
        raise AssertionError(f"疑似挂起（{seconds}秒仍未完成）：{what}")

    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _wait_until(predicate, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"等待超时（{timeout}秒）：{what}")


class PrivateRedis:
    """A redis-server of this test's own: no persistence, so a restart starts empty like a crash."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - a fixed binary and our own arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until(self.ping, 60, "私有 redis-server 启动")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def private_redis(tmp_path):
    if not Path(REDIS_SERVER).exists():
        need_service("redis-server 可执行文件（/usr/bin/redis-server）")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_on(private_redis, settings):
    """This process's Celery app publishes to the private Redis, on a queue of the test's own."""
    from projects_mgmt.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = private_redis.url
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    reset_pools()
    settings.REMINDERS_QUEUE = f"test-reminders-{uuid.uuid4().hex[:8]}"
    yield settings.REMINDERS_QUEUE
    app.conf.broker_url, app.conf.broker_transport_options = saved
    reset_pools()


class Worker:
    def __init__(self, queue: str, redis_url: str, folder: Path) -> None:
        self.queue = queue
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "projects_mgmt.settings.test",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": redis_url,
            "REMINDERS_QUEUE": queue,
        }
        self.proc: subprocess.Popen | None = None
        self.loglevel = "WARNING"  # INFO logs each task's outcome (succeeded, retry, raised)
        self.log = open(folder / f"{queue}.log", "a+")  # noqa: SIM115 - closed in stop()

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "projects_mgmt", "worker", "--pool", "solo", "-Q", self.queue]
            + ["--loglevel", self.loglevel, "--without-heartbeat", "--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.seek(0)
        print(self.log.read()[-5000:])  # shown when the test fails
        self.log.close()


@pytest.fixture
def worker(transactional_db, celery_on, private_redis, tmp_path):
    w = Worker(celery_on, private_redis.url, tmp_path)
    yield w
    w.stop()


def _due_items(n: int, due: dt.date) -> None:
    """N milestones due `due`, each reminding one department user in-app, at any hour of any day
    (the worker runs on the real clock)."""
    load_reminder_rules()
    ReminderRule.objects.update(working_days_only=False, send_from=dt.time(0, 0), send_until=dt.time(23, 59, 59), channels=["in_app"])
    dept = DepartmentFactory(name="住房和城乡建设局")
    UserFactory(username="zjj", role=Role.DEPARTMENT, department=dept)
    project = ProjectFactory(name="集成测试项目")
    ProjectResponsibilityFactory(project=project, role=ResponsibilityRole.LEAD_DEPT, leader=None, department=dept)
    Milestone.objects.bulk_create(
        Milestone(project=project, name=f"节点{i}", stage=Stage.CONSTRUCTION, planned_date=due, responsible_dept=dept) for i in range(n)
    )


def _queue_drained(redis_url: str, queue: str) -> bool:
    """Nothing left for a worker to run: the queue's lists (one per priority) are empty and no message
    is taken but unacknowledged (tasks ack late, so a running or reserved task is in "unacked")."""
    import redis

    client = redis.Redis.from_url(redis_url)
    queued = sum(client.llen(key) for key in client.scan_iter(match=f"{queue}*") if client.type(key) == b"list")
    return queued == 0 and client.hlen("unacked") == 0


def _sent() -> int:
    return ReminderDelivery.objects.filter(status=DeliveryStatus.SENT).count()


def _assert_exactly_once(n: int) -> None:
    assert ReminderDelivery.objects.count() == n
    assert _sent() == n
    assert Notification.objects.count() == n
    assert Notification.objects.values("delivery").distinct().count() == n


@contextmanager
def _notifications_locked() -> Iterator[None]:
    """Hold a lock that makes every in-app send wait at its INSERT (from a connection of its own),
    so a worker can be killed with a send surely in flight."""
    import psycopg

    if connection.vendor != "postgresql":
        need_service("PostgreSQL（设置 DATABASE_URL）")
    with psycopg.connect(_database_url().replace("postgres://", "postgresql://", 1)) as locker:
        locker.execute(f"LOCK TABLE {Notification._meta.db_table} IN SHARE MODE")
        yield
        locker.rollback()


def _a_send_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE NOT l.granted AND a.datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def requeue_until(done, queue: str, what: str) -> None:
    """Publish the beat's minutely requeue (its entry's task and options) to the test's queue, a run
    every half second instead of every minute, until `done()`."""
    from django.conf import settings

    from projects_mgmt.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["requeue-lost-deliveries"]
    deadline = time.monotonic() + HANG
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"等待超时（{HANG}秒）：{what}")
        app.send_task(entry["task"], queue=queue, **entry["options"])
        time.sleep(0.5)


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(worker, private_redis):
    import redis

    # given N due items and one sweep that wrote and enqueued N deliveries
    _due_items(N, timezone.localdate())
    result = reminders_sweep(subjects=["milestone"])
    assert result.created == N
    # when the whole worker process is killed with SIGKILL in the middle of the batch, inside a send
    worker.start()
    _wait_until(lambda: _sent() >= N // 4, HANG, "worker 发出四分之一")
    with _notifications_locked():
        _wait_until(_a_send_waits_for_a_lock, HANG, "worker 的一次发送在途")
        worker.kill()
    sent_at_kill = _sent()
    assert 0 < sent_at_kill < N
    # (the message of the send in flight stays in Redis's unacked set, given back only after the
    # visibility timeout, an hour)
    assert redis.Redis.from_url(private_redis.url).hlen("unacked") == 1
    # and a new worker is started, and the beat's minutely requeue runs
    worker.env["REMINDERS_REQUEUE_LOST_AFTER_SECONDS"] = "1"  # seconds, not minutes: the test waits for events
    worker.start()
    requeue_until(lambda: _sent() == N, worker.queue, f"全部 {N} 条发出")
    # then every reminder went out exactly once, the one in flight included
    _assert_exactly_once(N)


def test_writes_succeed_while_redis_is_down_and_reminders_go_out_once_it_is_back(worker, private_redis, settings):
    n = 300
    worker.start()
    _wait_until(lambda: private_redis.ping(), 60, "Redis 可用")
    # given Redis is down
    private_redis.stop()
    # when the API takes writes: N milestones created and then rescheduled through /api/v1/
    # (none may block on the missing broker: a write waiting for Redis would hang here)
    with _fails_if_hung(HANG, f"Redis 停止时的 {2 * n} 次写入和一次扫描"):
        _due_items(0, timezone.localdate())
        api = APIClient()
        api.force_authenticate(UserFactory(username="xmb", role=Role.PORTFOLIO_OFFICE))
        project = Project.objects.get(name="集成测试项目")
        dept = Department.objects.get(name="住房和城乡建设局")
        for i in range(n):
            created = api.post(
                "/api/v1/milestones/",
                {
                    "project": project.pk,
                    "name": f"节点{i}",
                    "stage": "construction",
                    "planned_date": "2000-01-01",
                    "responsible_dept": dept.pk,
                },
                format="json",
            )
            assert created.status_code == 201, created.content[:200]
            moved = api.patch(
                f"/api/v1/milestones/{created.json()['id']}/", {"planned_date": timezone.localdate().isoformat()}, format="json"
            )
            assert moved.status_code == 200, moved.content[:200]
        # and a sweep writes their deliveries
        result = reminders_sweep(subjects=["milestone"])
    # then every write succeeded and the deliveries wait in the database
    assert result.created == n
    assert ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == n
    # when Redis is back (empty: whatever it held is gone) and the next sweep runs
    private_redis.start()
    if not worker.alive():  # a worker may give up reconnecting; the service manager restarts it
        worker.start()
    settings.REMINDERS_REQUEUE_AFTER_SECONDS = 0
    assert reminders_sweep(subjects=["milestone"]).requeued == n
    # then the reminders go out, once each
    _wait_until(lambda: _sent() == n, HANG, f"Redis 恢复后 {n} 条发出")
    _assert_exactly_once(n)


def test_two_sweeps_at_once_run_one_at_a_time_and_two_workers_send_each_reminder_once(worker, private_redis, tmp_path):
    # given N due items, and a second worker on the same queue and Redis
    _due_items(N, timezone.localdate())
    second = Worker(worker.queue, private_redis.url, tmp_path)
    env = worker.env | {"REMINDERS_QUEUE": worker.queue}
    # when two sweeps start together in two processes
    sweeps = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "manage.py", "sweep_reminders", "--subject", "milestone", "--no-digest"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=HANG)[0] for p in sweeps]
    assert all(p.returncode == 0 for p in sweeps), outputs
    # then one of them wrote the N deliveries and the other none: a rule is swept by one process at a
    # time (the other skipped it while it was held, or found everything written when it got it)
    runs = list(SweepRun.objects.filter(kind__startswith="sweep:").values_list("created", "note"))
    assert sorted(created for created, _ in runs) == [0, N], (runs, outputs)
    assert ReminderDelivery.objects.count() == N
    # when two workers take the queue
    worker.start()
    second.start()
    try:
        _wait_until(lambda: _sent() == N, HANG, f"两个 worker 发出全部 {N} 条")
        # a duplicate would land after the last first send: wait until no message is left to run
        # (none queued, none taken and unacknowledged), so any duplicate has landed by then
        _wait_until(lambda: _queue_drained(private_redis.url, worker.queue), HANG, "队列清空且无未确认的消息")
    finally:
        second.stop()
    # then each reminder went out once
    _assert_exactly_once(N)
