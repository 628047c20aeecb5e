"""Reminder benchmark (not part of the test suite): sweep time over the demo portfolio and over
generated milestones, and deliveries per second through one worker on the in-app channel, each
beside a floor measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reminders_bench REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/reminders_bench.py --reset [--milestones 100000] [--deliveries 5000]

--reset FLUSHES the database named by DATABASE_URL (required, so the developer's SQLite is safe).
Floors: the sweep against the raw SQL SELECT of the same due items; the worker against a no-op
task (Celery's built-in celery.accumulate) through the same worker, broker and queue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projects_mgmt.settings.local")


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def raw_due_items_sql(horizon: dt.date) -> float:
    """The floor of a sweep: SELECT the open due items (milestones, problems, planned starts) in raw SQL."""
    from django.db import connection

    sql = [
        (
            "SELECT m.id, m.planned_date, m.name, m.project_id, p.name, m.responsible_dept_id FROM milestones_milestone m "
            "JOIN projects_project p ON p.id = m.project_id WHERE m.planned_date <= %s AND m.status NOT IN ('done', 'na') "
            "AND p.archived_at IS NULL ORDER BY m.id"
        ),
        "SELECT id, deadline, description, project_id, responsible_dept_id FROM problems_problem WHERE deadline <= %s "
        "AND status NOT IN ('resolved', 'closed') ORDER BY id",
        "SELECT id, planned_start, name FROM projects_project WHERE planned_start <= %s AND build_status = 'not_started' "
        "AND archived_at IS NULL ORDER BY id",
    ]

    def run():
        rows = 0
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement, [horizon])
                rows += len(cursor.fetchall())
        return rows

    seconds, _ = timed(run, repeat=5)
    return seconds


def sweep_figures(label: str, now) -> dict:
    from apps.reminders.schedule import WorkdayIndex
    from apps.reminders.services import ITEM_SUBJECTS, reminders_sweep

    today = now.date()
    horizon = WorkdayIndex.spanning(today, margin_days=44).horizon(today, 7)
    first, result = timed(lambda: reminders_sweep(now=now, subjects=ITEM_SUBJECTS))
    steady, steady_result = timed(lambda: reminders_sweep(now=now, subjects=ITEM_SUBJECTS), repeat=5)
    floor = raw_due_items_sql(horizon)
    return {
        "label": label,
        "items": result.items,
        "created": result.created,
        "first": first,
        "steady": steady,
        "steady_created": steady_result.created,
        "floor": floor,
    }


def generate(milestones: int) -> None:
    """Projects of 50 milestones each, dates spread from half a year ago to a year ahead, a third done."""
    from django.utils import timezone

    from apps.accounts.models import Role, User
    from apps.milestones.models import Milestone, MilestoneStatus, Stage
    from apps.organization.models import Department, Leader, Region
    from apps.projects.models import Project, ProjectCategory, ProjectResponsibility, ResponsibilityRole

    rng = random.Random(20261127)  # noqa: S311 - reproducible data, not secrets
    today = timezone.localdate()
    category = ProjectCategory.objects.first()
    region = Region.objects.exclude(kind="county").first() or Region.objects.first()
    depts = [Department.objects.get_or_create(name=f"基准测试单位{i}", defaults={"short_name": f"基准{i}"})[0] for i in range(40)]
    leaders = [Leader.objects.get_or_create(position=f"基准测试领导{i}")[0] for i in range(10)]
    users = []
    for i, dept in enumerate(depts):
        users.append(User(username=f"bench-dept-{i}", role=Role.DEPARTMENT, department=dept, email=f"dept{i}@bench.invalid"))
    for i, leader in enumerate(leaders):
        users.append(User(username=f"bench-leader-{i}", role=Role.LEADER, leader=leader, email=f"leader{i}@bench.invalid"))
    User.objects.bulk_create(users, ignore_conflicts=True)
    per_project = 50
    n_projects = max(1, milestones // per_project)
    projects = Project.objects.bulk_create(
        Project(
            name=f"基准测试项目{i}",
            category=category,
            investment_mode="approval",
            region=region,
            start_year=today.year,
            end_year=today.year + 1,
            total_investment=10000,
        )
        for i in range(n_projects)
    )
    resp = []
    for i, project in enumerate(projects):
        dept = depts[i % len(depts)]
        resp += [
            ProjectResponsibility(project=project, role=ResponsibilityRole.LEAD_LEADER, leader=leaders[i % len(leaders)]),
            ProjectResponsibility(project=project, role=ResponsibilityRole.LEAD_DEPT, department=dept),
            ProjectResponsibility(project=project, role=ResponsibilityRole.LIAISON, department=dept, person_name="联络员"),
        ]
    ProjectResponsibility.objects.bulk_create(resp, batch_size=5000)
    rows = []
    for i, project in enumerate(projects):
        for j in range(per_project):
            done = rng.random() < 0.35
            planned = today + dt.timedelta(days=rng.randint(-180, 365))
            rows.append(
                Milestone(
                    project=project,
                    name=f"节点{j}",
                    seq=j,
                    stage=Stage.CONSTRUCTION,
                    planned_date=planned,
                    status=MilestoneStatus.DONE if done else MilestoneStatus.IN_PROGRESS,
                    actual_date=planned if done else None,
                    responsible_dept=depts[(i + j) % len(depts)],
                )
            )
    Milestone.objects.bulk_create(rows, batch_size=5000)


def purge(queue: str) -> None:
    from projects_mgmt.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def worker_figures(deliveries: int, noop: int) -> dict:
    from django.utils import timezone

    from apps.reminders.models import DeliveryStatus, ReminderDelivery
    from apps.reminders.tasks import send_delivery_task
    from projects_mgmt.celery import app

    queue = f"bench-worker-{uuid.uuid4().hex[:6]}"
    ids = list(
        ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING, channel="in_app")
        .order_by("id")
        .values_list("id", flat=True)[:deliveries]
    )
    env = os.environ | {"REMINDERS_QUEUE": queue}
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "projects_mgmt", "worker", "--pool", "solo", "-Q", queue, "--loglevel", "WARNING"]
        + ["--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)  # worker start-up is not what we measure
        with app.connection_for_write() as conn:
            client = conn.default_channel.client

            # floor: no-op tasks through the same worker, broker and queue
            start = time.perf_counter()
            for _ in range(noop):
                app.send_task("celery.accumulate", args=[1], queue=queue)
            while client.llen(queue):
                time.sleep(0.01)
            noop_seconds = time.perf_counter() - start

        start = time.perf_counter()
        for pk in ids:
            send_delivery_task.apply_async(args=[pk], queue=queue)
        while ReminderDelivery.objects.filter(id__in=ids, status=DeliveryStatus.SENT).count() < len(ids):
            time.sleep(0.05)
            if time.perf_counter() - start > 600:
                break
        seconds = time.perf_counter() - start
        sent = ReminderDelivery.objects.filter(id__in=ids, status=DeliveryStatus.SENT).count()
    finally:
        proc.terminate()
        proc.wait(30)
        purge(queue)
    _ = timezone  # keep the import local to Django setup
    return {
        "deliveries": sent,
        "seconds": seconds,
        "rate": sent / seconds,
        "noop": noop,
        "noop_seconds": noop_seconds,
        "noop_rate": noop / noop_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reset", action="store_true", help="flush the database named by DATABASE_URL first (required)")
    parser.add_argument("--milestones", type=int, default=100_000)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--noop", type=int, default=5000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not args.reset:
        sys.exit("需要 DATABASE_URL（一个可以清空的基准测试数据库）和 --reset。")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from apps.reminders.models import ReminderRule
    from apps.reminders.seeds import load_reminder_rules
    from seeds.demo import load_demo
    from seeds.reference import load_reference

    # The sweep publishes one message per new row; send them to a queue nobody consumes, then purge.
    settings.REMINDERS_QUEUE = f"bench-sweep-{uuid.uuid4().hex[:6]}"
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    load_reference()
    load_demo()
    load_reminder_rules()
    # Run at any hour of any day: the window is not what is measured.
    ReminderRule.objects.update(working_days_only=False, send_from=dt.time(0, 0), send_until=dt.time(23, 59, 59))
    now = timezone.now()

    print(
        f"数据库：{connection.vendor}；Broker：{settings.CELERY_BROKER_URL.split('://')[0]}；时间：{timezone.localtime(now):%Y-%m-%d %H:%M}"
    )
    demo = sweep_figures("演示台账", now)
    generate(args.milestones)
    big = sweep_figures(f"生成 {args.milestones} 个要件/节点（另含演示台账）", now)
    purge(settings.REMINDERS_QUEUE)
    work = worker_figures(args.deliveries, args.noop)

    print()
    print("| 测量 | 事项数 | 新建发送记录 | 结果 | 基线（同一轮测得） |")
    print("|---|---|---|---|---|")
    for f in (demo, big):
        print(
            f"| 首轮扫描（写入并入队），{f['label']} | {f['items']} | {f['created']} | {f['first']:.3f} s | 原生SQL查询到期事项 {f['floor']:.3f} s |"
        )
        print(
            f"| 稳态扫描（无新提醒，中位数×5），{f['label']} | {f['items']} | {f['steady_created']} | {f['steady']:.3f} s | 原生SQL查询到期事项 {f['floor']:.3f} s |"
        )
    print(
        f"| 单个 worker（solo）站内消息发送 | — | {work['deliveries']} | {work['rate']:.0f} 条/秒 | "
        f"空任务往返 {work['noop_rate']:.0f} 个/秒（{work['noop']} 个，{work['noop_seconds']:.2f} s） |"
    )


if __name__ == "__main__":
    main()
