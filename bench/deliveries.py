"""Reminder deliveries per second through real Celery workers on the in-app channel
(`manage.py bench --deliveries`), each beside two floors measured in the same run:

- a no-op task (Celery's built-in `celery.accumulate`) through the same broker, queue and workers:
  what Celery and Redis alone allow;
- the same send in hand-written SQL (lock the row, check the item is still open, insert the
  notification, mark the row sent; one transaction each) in as many threads as there are workers:
  what the database alone allows.

The rows are written by the sweep's own writer (`persist_deliveries`, which enqueues them on commit)
with the context the sweep stores, for open milestones of the database, under a ReminderRule of the
bench's own (disabled, so no real sweep touches it). The workers are real `celery worker` processes
on a private redis-server; each batch is published while no worker consumes it, then every worker
of the phase is told to consume at once (Celery's remote control `add_consumer`), and the clock runs
from there until the queue and its unacked set are empty. Everything the bench wrote (rows,
notifications, the rule) is deleted at the end, also when it fails.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

from django.conf import settings
from django.db import connection, connections, transaction
from django.test.utils import override_settings
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[1]
BUDGET_PER_WORKER = 500  # DESIGN.md §8: in-app deliveries per second per worker
RULE_PREFIX = "bench-deliveries-"
WARMUP_PER_WORKER = 10
# Waits end on what they wait for; the limits only turn a hang (a dead worker, a lost message) into an error.
STALL_SECONDS = 120
START_SECONDS = 180


@dataclass
class DeliveryFigure:
    workers: int
    deliveries: int  # rows found sent afterwards
    notifications: int  # their in-app notifications (one per row: a OneToOne)
    seconds: float
    per_second: float
    per_worker: float
    span_per_second: float  # from the first to the last sent_at: the same rate without start and end
    noop_tasks: int
    noop_seconds: float
    noop_per_second: float
    ratio_noop: float  # how many times faster the no-op task goes than a delivery
    sql_deliveries: int
    sql_seconds: float
    sql_per_second: float
    ratio_sql: float  # how many times faster the essential SQL goes than a delivery
    budget_per_worker: int = BUDGET_PER_WORKER
    problems: list[str] = field(default_factory=list)


# --- The rows -----------------------------------------------------------------------------


def _cleanup(rules) -> dict[str, int]:
    from apps.reminders.models import Notification, ReminderDelivery

    if connection.vendor == "postgresql":
        # The tables just grew by thousands of rows; with the statistics of a freshly analyzed empty
        # table PostgreSQL plans the delete as nested loops over all of them (it ran for minutes).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Notification._meta.db_table}, {ReminderDelivery._meta.db_table}")
    ids = list(ReminderDelivery.objects.filter(rule__in=rules).values_list("id", flat=True))
    notifications = deliveries = 0
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        notifications += Notification.objects.filter(delivery_id__in=chunk).delete()[0]
        deliveries += ReminderDelivery.objects.filter(id__in=chunk).delete()[0]
    rules.delete()
    return {"deliveries": deliveries, "notifications": notifications}


@contextlib.contextmanager
def bench_rule() -> Iterator:
    """A rule of the bench's own, in its window at any hour; its rows and notifications go with it."""
    from apps.reminders.models import Channel, ReminderRule, Subject

    # A run killed before its clean-up left its rule behind; one that old is no other run's.
    _cleanup(ReminderRule.objects.filter(code__startswith=RULE_PREFIX, updated_at__lt=timezone.now() - dt.timedelta(hours=6)))
    rule = ReminderRule.objects.create(
        code=f"{RULE_PREFIX}{uuid.uuid4().hex[:8]}",
        name="基准测试：站内消息发送",
        subject=Subject.MILESTONE,
        enabled=False,  # no sweep plans or re-enqueues its rows; the send task does not look at it
        channels=[Channel.IN_APP],
        working_days_only=False,
        send_from=dt.time(0, 0),
        send_until=dt.time.max,
        note="manage.py bench --deliveries 运行时临时创建，结束后删除。",
    )
    cleaned: dict[str, int] = {}
    try:
        yield rule, cleaned
    finally:
        cleaned.update(_cleanup(ReminderRule.objects.filter(pk=rule.pk)))


def plan_deliveries(rule, n: int, *, now: dt.datetime) -> list:
    """`n` planned in-app deliveries as the sweep plans them: open milestones (the registry's rows),
    the sweep's item context, one user of the item's department. An item serves several rows (by
    occurrence) when the database has fewer open milestones than rows."""
    from apps.accounts.models import User
    from apps.core.due import kinds
    from apps.reminders.models import Channel, StepKind
    from apps.reminders.selectors import Directory, Responsibilities
    from apps.reminders.services.common import PlannedDelivery
    from apps.reminders.services.sweep import _item_context

    today = timezone.localdate(now)
    kind = kinds()[rule.subject]
    rows = [r for qs in kind.sources(today=today, until=today + dt.timedelta(days=30), due_day=0) for r in qs[:n]][:n]
    if not rows:
        raise RuntimeError("数据库中没有未办结的要件/节点，无法测量提醒发送。")
    directory = Directory.load()
    resp = Responsibilities.load({r["project_ref"] for r in rows if r["project_ref"]})
    fallback = directory.office_users[:1] or list(User.objects.filter(is_active=True).order_by("id").values_list("id", flat=True)[:1])
    if not fallback:
        raise RuntimeError("数据库中没有可接收站内消息的用户。")
    planned = []
    for i in range(n):
        row = rows[i % len(rows)]
        days = (row["due"] - today).days
        timing = SimpleNamespace(remaining=days, overdue=max(0, -days))
        item = _item_context(rule, row, resp, directory, timing)
        overdue = days < 0
        key, label = ("overdue:1", "逾期1个工作日提醒") if overdue else ("before:0", "到期当日提醒")
        users = directory.users_by_dept.get(item["dept_id"]) or fallback
        planned.append(
            PlannedDelivery(
                rule_id=rule.pk,
                subject=rule.subject,
                object_id=row["id"],
                due_date=row["due"],
                project_id=row["project_ref"],
                step_key=key,
                step_label=label,
                occurrence=1 + i // len(rows),
                fire_date=today,
                recipient_key=f"user:{users[0]}",
                user_id=users[0],
                endpoint_id=None,
                channel=Channel.IN_APP,
                context={**item, "kind": StepKind.OVERDUE if overdue else StepKind.BEFORE, "step_label": label},
            )
        )
    return planned


def write_rows(planned: list, *, now: dt.datetime) -> list[int]:
    """The rows without a message (for the SQL floor)."""
    from apps.reminders.models import ReminderDelivery

    batch = uuid.uuid4()
    ReminderDelivery.objects.bulk_create([p.row(batch=batch, now=now) for p in planned], batch_size=1000)
    return list(ReminderDelivery.objects.filter(batch=batch).order_by("id").values_list("id", flat=True))


def _messages(deliveries: int) -> int:
    """Messages the in-app rows of one write travel in (enqueue_deliveries batches them)."""
    return -(-deliveries // settings.REMINDERS_SEND_BATCH_SIZE)


def write_and_enqueue(planned: list, *, now: dt.datetime, queue: str) -> list[int]:
    """The rows by the sweep's writer, which publishes their send tasks to `queue` on commit
    (in-app rows REMINDERS_SEND_BATCH_SIZE to a message)."""
    from apps.reminders.services.common import persist_deliveries

    with override_settings(REMINDERS_QUEUE=queue), transaction.atomic():
        ids = persist_deliveries(planned, now=now)
    return ids


# --- Broker and workers -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def private_redis(folder: Path) -> Iterator[str]:
    """A redis-server of the bench's own (no persistence): its queue and unacked set hold only our messages."""
    import redis

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise RuntimeError("需要 redis-server 可执行文件（测量发送速度时启动一个私有实例）。")
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603 - a fixed binary and our own arguments
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait(lambda: _ping(redis, url), START_SECONDS, "私有 redis-server 启动")
        yield url
    finally:
        proc.kill()
        proc.wait(10)


def _ping(redis, url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _wait(predicate: Callable[[], bool], seconds: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"等待超时（{seconds}秒）：{what}")
        time.sleep(interval)


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator:
    """This process's Celery app publishes to (and controls workers through) the broker at `url`."""
    from projects_mgmt.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url, app.conf.broker_transport_options = url, {"visibility_timeout": 3600}
    reset_pools()
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        reset_pools()


def database_url() -> str:
    s = connection.settings_dict
    auth = quote(s.get("USER") or "postgres", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


class Workers:
    """`count` real worker processes (one pool process each) listening on a queue nobody uses until
    they are told to consume the bench queue."""

    def __init__(self, count: int, *, broker_url: str, folder: Path, pool: str, tag: str) -> None:
        self.names = [f"w{i + 1}-{tag}@deliveries-bench" for i in range(count)]
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker_url,
            "CACHE_URL": broker_url,
            "DJANGO_DEBUG": "False",  # as in production: no query log kept per statement
        }
        self.idle_queue = f"bench-idle-{tag}"
        self.pool = pool
        self.logs = [folder / f"worker-{i + 1}.log" for i in range(count)]
        self.procs: list[subprocess.Popen] = []

    def start(self, app) -> None:
        for name, log in zip(self.names, self.logs, strict=True):
            command = [sys.executable, "-m", "celery", "-A", "projects_mgmt", "worker", "-n", name, "-Q", self.idle_queue]
            command += ["--pool", self.pool, "--concurrency", "1", "--loglevel", "WARNING", "--without-heartbeat"]
            command += ["--without-gossip", "--without-mingle"]
            with open(log, "w") as out:
                self.procs.append(
                    subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
                )

        def all_answer() -> bool:
            self.check()
            replies = app.control.ping(destination=self.names, timeout=0.5)
            return {name for reply in replies for name in reply} >= set(self.names)

        _wait(all_answer, START_SECONDS, f"{len(self.names)} 个 worker 启动", interval=0.2)

    def check(self) -> None:
        dead = [i for i, p in enumerate(self.procs) if p.poll() is not None]
        if dead:
            raise RuntimeError(f"worker 意外退出：\n{self.tail(dead[0])}")

    def tail(self, i: int) -> str:
        return self.logs[i].read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)  # the worker and its pool process: its own session
                p.wait(10)


class Queue:
    """The bench queue on the private Redis: how many messages wait, and how many are taken but not acked."""

    def __init__(self, app, name: str, url: str) -> None:
        import redis

        self.app, self.name = app, name
        self.client = redis.Redis.from_url(url)

    def busy(self) -> int:
        pipe = self.client.pipeline()
        pipe.llen(self.name)
        pipe.hlen("unacked")  # kombu's Redis transport: messages delivered to a worker and not acked yet
        return sum(pipe.execute())

    def consume(self, workers: Workers, count: int, expected: int) -> float:
        """Let the first `count` workers consume the queue's `expected` waiting messages; the seconds
        from the go to an empty queue with nothing unacked."""
        _wait(lambda: self.busy() >= expected, STALL_SECONDS, f"{expected} 条消息入队")
        names = workers.names[:count]
        start = time.perf_counter()
        replies = self.app.control.add_consumer(self.name, destination=names, reply=True, timeout=5)
        if len(replies) < count:
            raise RuntimeError(f"worker 未响应 add_consumer：{replies}")
        last, progress = self.busy(), time.monotonic()
        drained_at = None
        while True:
            busy = self.busy()
            if busy == 0:
                # Seen twice: a message popped from the list is briefly in neither place before the
                # transport files it as unacked.
                if drained_at is not None:
                    break
                drained_at = time.perf_counter()
            else:
                drained_at = None
            if busy != last:
                last, progress = busy, time.monotonic()
            elif time.monotonic() - progress > STALL_SECONDS:
                raise RuntimeError(f"{STALL_SECONDS} 秒没有进展，仍有 {busy} 条消息未完成。\n{workers.tail(0)}")
            workers.check()
            time.sleep(0.005)
        seconds = drained_at - start
        self.app.control.cancel_consumer(self.name, destination=names, reply=True, timeout=5)
        return seconds

    def publish_noop(self, n: int) -> None:
        with self.app.producer_or_acquire() as producer:
            for _ in range(n):
                self.app.send_task("celery.accumulate", args=[1], queue=self.name, producer=producer)


# --- The essential SQL --------------------------------------------------------------------


def essential_send(cursor, delivery_id: int, tables: SimpleNamespace, closed: list[str], withdrawn: str) -> bool:
    """One send in hand-written SQL, in the caller's transaction: the floor of `delivery_send`."""
    cursor.execute(
        f"SELECT d.status, d.user_id, d.project_id, d.object_id, d.due_date, d.context, r.send_from, r.send_until"
        f" FROM {tables.delivery} d JOIN {tables.rule} r ON r.id = d.rule_id WHERE d.id = %s FOR UPDATE OF d SKIP LOCKED",
        [delivery_id],
    )
    row = cursor.fetchone()
    if row is None or row[0] != "pending":
        return False
    _, user_id, project_id, object_id, due, ctx, send_from, send_until = row
    if not send_from <= timezone.localtime().time() <= send_until:
        return False
    cursor.execute(
        f"SELECT 1 FROM {tables.milestone} m JOIN {tables.project} p ON p.id = m.project_id WHERE m.id = %s AND m.planned_date = %s"
        f" AND NOT (m.status = ANY(%s)) AND p.archived_at IS NULL AND p.pool_stage <> %s",
        [object_id, due, closed, withdrawn],
    )
    if cursor.fetchone() is None:
        return False
    ctx = json.loads(ctx) if isinstance(ctx, str) else ctx  # Django's psycopg setup loads jsonb as text
    overdue = ctx["overdue_days"]
    when = f"已逾期{overdue}个工作日" if overdue else f"距到期{ctx['remaining_days']}个工作日"
    title = f"{'【逾期提醒】' if overdue else '【到期提醒】'}{ctx['project']}｜{ctx['title']} {when}"
    body = (
        f"{title}\n\n事项类型：{ctx['subject_label']}\n事项：{ctx['title']}\n项目：{ctx['project']}\n到期日：{due.year}年{due.month}月{due.day}日\n"
        f"{when}\n责任单位：{ctx['dept'] or '未指定'}\n提醒步骤：{ctx['step_label']}\n\n查看详情：{settings.REMINDERS_SITE_URL}{ctx['link']}"
    )
    cursor.execute(
        f"INSERT INTO {tables.notification} (user_id, delivery_id, project_id, title, body, link, created_at)"
        f" VALUES (%s, %s, %s, %s, %s, %s, now())",
        [user_id, delivery_id, project_id, title[:200], body, ctx["link"][:300]],
    )
    cursor.execute(
        f"UPDATE {tables.delivery} SET status = 'sent', attempts = attempts + 1, sent_at = now(), last_error = '',"
        f" updated_at = now() WHERE id = %s",
        [delivery_id],
    )
    return True


def essential_sql_seconds(ids: list[int], threads: int) -> float:
    """The rows sent by `essential_send`, one transaction each, over `threads` connections at once."""
    from apps.milestones.models import CLOSED_STATUSES, Milestone
    from apps.projects.models import PoolStage, Project
    from apps.reminders.models import Notification, ReminderDelivery, ReminderRule

    tables = SimpleNamespace(
        **{k: m._meta.db_table for k, m in [("delivery", ReminderDelivery), ("rule", ReminderRule), ("notification", Notification)]},
        milestone=Milestone._meta.db_table,
        project=Project._meta.db_table,
    )
    closed = [str(s) for s in CLOSED_STATUSES]
    errors: list[BaseException] = []
    ready = threading.Barrier(threads + 1)

    def work(part: list[int]) -> None:
        try:
            db = connections["default"]
            db.ensure_connection()
            raw = db.connection  # the driver's own connection: no Django wrapper in the floor
            ready.wait()
            with raw.cursor() as cursor:
                for pk in part:
                    with raw.transaction():
                        essential_send(cursor, pk, tables, closed, str(PoolStage.WITHDRAWN))
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)
            with contextlib.suppress(threading.BrokenBarrierError):
                ready.abort()
        finally:
            connections["default"].close()

    pool = [threading.Thread(target=work, args=(ids[i::threads],)) for i in range(threads)]
    for t in pool:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()
    start = time.perf_counter()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - start


# --- The run ------------------------------------------------------------------------------


def _sent(ids: list[int]) -> tuple[int, int, float]:
    """Rows sent, notifications written, and the rate between the first and the last sent_at."""
    from django.db.models import Count, Max, Min

    from apps.reminders.models import DeliveryStatus, Notification, ReminderDelivery

    rows = ReminderDelivery.objects.filter(id__in=ids, status=DeliveryStatus.SENT).aggregate(
        n=Count("id"), a=Min("sent_at"), b=Max("sent_at")
    )
    notes = Notification.objects.filter(delivery_id__in=ids).count()
    span = (rows["b"] - rows["a"]).total_seconds() if rows["n"] > 1 else 0
    return rows["n"], notes, round((rows["n"] - 1) / span, 1) if span > 0 else 0.0


def _rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1) if seconds > 0 else 0.0


def run_deliveries(n: int = 2000, *, workers: tuple[int, ...] = (1, 2), pool: str = "prefork") -> dict:
    """Deliveries per second through each number of `workers`, beside the no-op and essential-SQL floors."""
    if connection.vendor != "postgresql":
        raise RuntimeError("发送速度基准需要 PostgreSQL（设置 DATABASE_URL）。")
    if connection.in_atomic_block:
        raise RuntimeError("发送速度基准不能在事务中运行：worker 要看到已提交的发送记录。")
    tag = uuid.uuid4().hex[:8]
    queue = f"bench-deliveries-{tag}"
    now = timezone.now()
    figures: list[DeliveryFigure] = []
    most = max(workers)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        rule, cleaned = stack.enter_context(bench_rule())
        # One in-app message per worker at least, so that every worker is warm.
        warm_rows = max(WARMUP_PER_WORKER, settings.REMINDERS_SEND_BATCH_SIZE) * most
        planned = plan_deliveries(rule, warm_rows + 2 * n * len(workers), now=now)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-deliveries-")))
        url = stack.enter_context(private_redis(folder))
        app = stack.enter_context(celery_broker(url))
        pool_ = Workers(most, broker_url=url, folder=folder, pool=pool, tag=tag)
        stack.callback(pool_.stop)
        pool_.start(app)
        q = Queue(app, queue, url)
        # Warm-up: each worker's first send opens its connection and loads its templates.
        warm, planned = planned[:warm_rows], planned[warm_rows:]
        q.consume(pool_, most, _messages(len(write_and_enqueue(warm, now=now, queue=queue))))
        for count in workers:
            batch, sql_batch, planned = planned[:n], planned[n : 2 * n], planned[2 * n :]
            q.publish_noop(n)
            noop_seconds = q.consume(pool_, count, n)
            ids = write_and_enqueue(batch, now=now, queue=queue)
            seconds = q.consume(pool_, count, _messages(len(ids)))
            _wait(lambda ids=ids: _sent(ids)[0] == len(ids), STALL_SECONDS, "发送记录全部标记为已发送")
            sent, notes, span_rate = _sent(ids)
            sql_ids = write_rows(sql_batch, now=now)
            sql_seconds = essential_sql_seconds(sql_ids, count)
            sql_sent = _sent(sql_ids)[0]
            rate, noop_rate, sql_rate = _rate(sent, seconds), _rate(n, noop_seconds), _rate(sql_sent, sql_seconds)
            figure = DeliveryFigure(
                workers=count,
                deliveries=sent,
                notifications=notes,
                seconds=round(seconds, 2),
                per_second=rate,
                per_worker=round(rate / count, 1),
                span_per_second=span_rate,
                noop_tasks=n,
                noop_seconds=round(noop_seconds, 2),
                noop_per_second=noop_rate,
                ratio_noop=round(noop_rate / rate, 1) if rate else 0.0,
                sql_deliveries=sql_sent,
                sql_seconds=round(sql_seconds, 2),
                sql_per_second=sql_rate,
                ratio_sql=round(sql_rate / rate, 1) if rate else 0.0,
            )
            if (sent, notes) != (len(ids), len(ids)):
                figure.problems.append(f"{len(ids)} 条中发出 {sent} 条、站内消息 {notes} 条")
            if sql_sent != len(sql_ids):
                figure.problems.append(f"手写 SQL 下限只发出 {sql_sent}/{len(sql_ids)} 条")
            if figure.per_worker < BUDGET_PER_WORKER:
                figure.problems.append(f"每个 worker 每秒 {figure.per_worker} 条，低于预算 {BUDGET_PER_WORKER} 条")
            figures.append(figure)
    return {
        "deliveries": n,
        "channel": "in_app",
        "pool": pool,
        "broker": "redis-server（私有实例）",
        "budget_per_worker": BUDGET_PER_WORKER,
        "seconds": round(time.perf_counter() - started, 1),
        "cleaned": cleaned,
        "figures": [asdict(f) for f in figures],
    }


# The table's columns: heading, field, suffix.
COLUMNS = (
    ("worker 数", "workers", ""),
    ("条/秒", "per_second", ""),
    ("每 worker 条/秒", "per_worker", ""),
    ("首末 sent_at 间 条/秒", "span_per_second", ""),
    ("空任务下限 个/秒", "noop_per_second", ""),
    ("倍数", "ratio_noop", "×"),
    ("手写 SQL 下限 条/秒", "sql_per_second", ""),
    ("倍数", "ratio_sql", "×"),
)


def format_deliveries(result: dict) -> str:
    head = f"提醒发送（站内消息，每轮 {result['deliveries']} 条，worker 池 {result['pool']}、并发 1；预算每个 worker ≥ {result['budget_per_worker']} 条/秒）"
    lines = [head, "| " + " | ".join(c[0] for c in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for f in result["figures"]:
        cells = [f"{f[name]}{suffix}" for _, name, suffix in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |" + ("".join(" ⚠ " + p for p in f["problems"])))
    cleaned = result.get("cleaned") or {}
    lines.append(f"已删除基准写入的发送记录 {cleaned.get('deliveries', 0)} 条、站内消息 {cleaned.get('notifications', 0)} 条。")
    return "\n".join(lines)
