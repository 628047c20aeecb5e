"""The load test (`manage.py loadtest`): simulated users (bench/locustfile.py) against gunicorn as
deployed, on loopback, for a bounded time — clerks' writes, leaders' lists and other systems' sync
pulls at once. Throughput, p50/p95 per request type and every failure; a run passes only with none.

What it does, in order:

1. Refuses a database that is not a benchmark's: SQLite, fewer than MIN_PROJECTS projects, or
   settings with DEBUG off unless `--yes` says it is a benchmark database all the same. The writes
   are real (a clerk's PATCH changes a 备注 and adds a history row): never against production.
2. Picks one existing account per simulated user — the API throttle counts per token, so fifty
   users on one account would measure the throttle, not the system — and gives each a short-lived
   API token (`apps.accounts.services.token_issue`, read-write only for the clerks) and, for the
   leaders' 我的清单 page, a session. Generated accounts have unusable passwords: the session is written directly, as
   `force_login` does, instead of setting anyone's password.
3. Starts gunicorn as the Dockerfile does (`projects_mgmt.wsgi:application`, sync workers) on a
   free loopback port, on the same database and Redis (the throttle counts and the cache shared by
   the workers, as in production), with DEBUG off.
4. Runs locust headless in a subprocess for the run time, then stops gunicorn, revokes the tokens
   and deletes the sessions, whatever happened.
5. Reads every request locust made (name, account, time, outcome) and reduces them to the figures.

The think times (WAITS) keep every simulated user far below the documented rate (600 requests a
minute per token): a clerk's edit is at most four requests (read, write, and once more after a 412)
every five seconds or more, a sync pull at most MAX_PAGES pages every ten seconds or more — under
50 a minute either way. The run checks this before it starts, against the rate the server will
apply, and reports the busiest account's peak minute beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"

# A portfolio smaller than this is not a benchmark database (the demo has a few dozen projects).
MIN_PROJECTS = 100
# Shares of the simulated users; the sync systems take what the rounding leaves.
MIX = {"clerk": 0.5, "leader": 0.3}
# Seconds between two tasks of one simulated user (locust's between(a, b)): a clerk saves an edit
# every 5–15 s, a leader opens a list every 10–30 s (and reads it), another system polls every
# 10–30 s. Busier than a real working day, still people and systems rather than a flood.
WAITS = {"clerk": (5, 15), "leader": (10, 30), "sync": (10, 30)}
# Pages one sync pull follows before it waits (the next pull resumes from the saved cursor).
MAX_PAGES = 5
# Requests one task makes at most, for the rate check before the run.
MAX_REQUESTS_PER_TASK = {"clerk": 4, "leader": 1, "sync": MAX_PAGES}
# Each clerk edits these many of its own projects and open milestones, drawn at random.
ITEMS_PER_CLERK = 20
# How far back the sync systems start: the last N changed projects (staggered so that they do not
# all ask for the same pages), then whatever the clerks change during the run.
SYNC_BACKLOG = (200, 300, 400, 500)

TYPES = {
    "project_read": "办事员：读项目（取 ETag）",
    "project_patch": "办事员：改项目备注（PATCH + If-Match）",
    "milestone_read": "办事员：读要件节点（取 ETag）",
    "milestone_patch": "办事员：改要件节点备注（PATCH + If-Match）",
    "write_conflict": "办事员：412 并发冲突（重读后重写）",
    "leader_overdue": "领导：逾期与临期清单（按包保领导筛选）",
    "leader_projects": "领导：包保项目列表",
    "leader_mylist": "领导：我的清单页面 /my/",
    "sync_since": "同步：按更新时间拉取（首页）",
    "sync_next": "同步：按游标翻页",
}
# Every type but the conflict must appear in a run: a 412 needs two clerks on one object at once.
REQUIRED_TYPES = tuple(name for name in TYPES if name != "write_conflict")


class LoadTestRefused(RuntimeError):
    """The database or the settings are not a benchmark's; nothing was written."""


@dataclass
class Options:
    users: int = 50
    run_time: int = 120
    spawn_rate: float | None = None
    workers: int = 4
    server_settings: str | None = None
    yes: bool = False


def parse_duration(text: str) -> int:
    """Seconds from locust's notation: "90", "20s", "2m", "1m30s", "1h"."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    if not text or match is None:
        raise ValueError(f"无法识别的时长“{text}”，应为如 20s、2m、1m30s。")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def split_users(users: int) -> dict[str, int]:
    """How many simulated users of each kind: clerks half, leaders three in ten, the rest sync."""
    if users < len(WAITS):
        raise ValueError(f"至少需要 {len(WAITS)} 个模拟用户（办事员、领导、同步系统各一）。")
    counts = {role: max(1, round(users * share)) for role, share in MIX.items()}
    counts["sync"] = users - sum(counts.values())
    if counts["sync"] < 1:
        counts["clerk"] -= 1
        counts["sync"] = 1
    return counts


def refuse_unless_benchmark(*, yes: bool) -> int:
    """The guards of step 1; returns the number of projects on the ledger."""
    from apps.projects.models import Project

    if connection.vendor != "postgresql":
        raise LoadTestRefused("压测需要 PostgreSQL（设置 DATABASE_URL）：SQLite 承受不了多个 gunicorn 进程同时写入。")
    if not settings.DEBUG and not yes:
        raise LoadTestRefused(
            "当前设置 DEBUG=False，像是生产环境。压测会真实写入数据（修改项目和要件节点的备注），只能在基准测试库上运行；"
            "确认这是基准测试库，请加 --yes。"
        )
    projects = Project.objects.filter(archived_at__isnull=True).count()
    if projects < MIN_PROJECTS:
        raise LoadTestRefused(
            f"数据库只有 {projects} 个在库项目（少于 {MIN_PROJECTS} 个），不像基准测试库。"
            "请在单独的数据库中先运行 manage.py generate_portfolio --projects 20000。"
        )
    return projects


# --- accounts ------------------------------------------------------------------------------------


def _spread(items: list, stride: int) -> Iterator:
    """Every stride-th item first, then the ones after them: picks spread over the whole province
    (the accounts are ordered by county) instead of all from its first county."""
    stride = max(1, stride)
    for start in range(stride):
        yield from items[start::stride]


def _clerk_items(department_id: int) -> tuple[list[int], list[int]]:
    """Projects the department may change (牵头、配合、属地) and their open milestones."""
    from apps.milestones.models import CLOSED_STATUSES, Milestone
    from apps.projects.models import ProjectResponsibility
    from apps.projects.selectors import DEPT_ROLES

    projects = list(
        ProjectResponsibility.objects.filter(role__in=DEPT_ROLES, department_id=department_id, project__archived_at__isnull=True)
        .order_by("project_id")
        .values_list("project_id", flat=True)
        .distinct()[:ITEMS_PER_CLERK]
    )
    milestones = list(
        Milestone.objects.filter(project_id__in=projects)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("id")
        .values_list("id", flat=True)[:ITEMS_PER_CLERK]
    )
    return projects, milestones


def pick_accounts(counts: dict[str, int]) -> dict[str, list[dict]]:
    """One account per simulated user, none used twice: department accounts with projects and open
    milestones of their own for the clerks, leader accounts that lead projects, and other department
    accounts for the sync systems (a bureau's own system pulling the ledger)."""
    from apps.accounts.models import Role, User
    from apps.projects.models import Project, ProjectResponsibility, ResponsibilityRole
    from apps.projects.selectors import DEPT_ROLES

    departments_with_projects = (
        ProjectResponsibility.objects.filter(role__in=DEPT_ROLES, department__isnull=False, project__archived_at__isnull=True)
        .values("department_id")
        .annotate(n=Count("project_id", distinct=True))
        .filter(n__gte=2)
        .values("department_id")
    )
    department_users = list(
        User.objects.filter(role=Role.DEPARTMENT, is_active=True, department_id__in=departments_with_projects)
        .order_by("id")
        .values("id", "username", "department_id")
    )
    one_per_department: dict[int, dict] = {}
    for user in department_users:
        one_per_department.setdefault(user["department_id"], user)
    candidates = list(one_per_department.values())
    clerks: list[dict] = []
    taken: set[int] = set()
    for user in _spread(candidates, len(candidates) // max(1, counts["clerk"])):
        if len(clerks) == counts["clerk"]:
            break
        projects, milestones = _clerk_items(user["department_id"])
        if projects and milestones:
            clerks.append({"user_id": user["id"], "username": user["username"], "projects": projects, "milestones": milestones})
            taken.add(user["id"])
    rest = [u for u in candidates if u["id"] not in taken]
    sync = [{"user_id": u["id"], "username": u["username"]} for u in list(_spread(rest, len(rest) // max(1, counts["sync"])))]
    sync = sync[: counts["sync"]]
    leading = ProjectResponsibility.objects.filter(
        role=ResponsibilityRole.LEAD_LEADER, leader__isnull=False, project__archived_at__isnull=True
    ).values("leader_id")
    leader_users = list(
        User.objects.filter(role=Role.LEADER, is_active=True, leader_id__in=leading).order_by("id").values("id", "username", "leader_id")
    )
    leaders = [
        {"user_id": u["id"], "username": u["username"], "leader_id": u["leader_id"]}
        for u in list(_spread(leader_users, len(leader_users) // max(1, counts["leader"])))[: counts["leader"]]
    ]
    found = {"clerk": len(clerks), "leader": len(leaders), "sync": len(sync)}
    if found != counts:
        raise LoadTestRefused(
            f"账号不够：需要办事员 {counts['clerk']}、领导 {counts['leader']}、同步系统 {counts['sync']} 个各不相同的账号，"
            f"数据库里只找到 {found['clerk']}、{found['leader']}、{found['sync']} 个。请减少 --users 或生成更大的台账。"
        )
    # The sync systems start a little behind the newest changes, each at its own point.
    newest = Project.objects.order_by("-updated_at", "-id").values_list("updated_at", flat=True)
    total = Project.objects.count()
    for i, account in enumerate(sync):
        backlog = SYNC_BACKLOG[i % len(SYNC_BACKLOG)]
        account["since"] = newest[min(backlog, total - 1)].isoformat()
    for i, account in enumerate(clerks + leaders):
        account["n"] = i
    return {"clerk": clerks, "leader": leaders, "sync": sync}


@contextmanager
def credentials(accounts: dict[str, list[dict]], run_id: str) -> Iterator[None]:
    """A token for every account (read-write for the clerks) and a session for every leader, added
    to the account dicts; revoked and deleted on the way out, whatever happened."""
    from apps.accounts.models import ApiToken, TokenScope, User
    from apps.accounts.services import token_issue, token_revoke

    tokens: list[int] = []
    sessions: list = []
    engine = import_module(settings.SESSION_ENGINE)
    # Expires by itself should the revocation below never run (a killed process).
    expires = timezone.now() + dt.timedelta(hours=6)
    try:
        users = User.objects.in_bulk([a["user_id"] for group in accounts.values() for a in group])
        for role, group in accounts.items():
            scope = TokenScope.READ_WRITE if role == "clerk" else TokenScope.READ
            for account in group:
                token, key = token_issue(actor=None, user=users[account["user_id"]], name=f"压测 {run_id}", scope=scope, expires_at=expires)
                tokens.append(token.pk)
                account["token"] = key
        for account in accounts["leader"]:
            account["session"] = _session_for(engine, users[account["user_id"]])
            sessions.append(account["session"])
        yield
    finally:
        # Through the service like any revocation (the system's own, actor None).
        for token in ApiToken.objects.filter(pk__in=tokens, revoked_at__isnull=True):
            token_revoke(actor=None, token=token)
        for key in sessions:
            engine.SessionStore(session_key=key).delete()


def _session_for(engine, user) -> str:
    """A signed-in session as `django.contrib.auth.login` writes it, without a password or a request."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = engine.SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


# --- processes -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """DATABASE_URL pointed at the database this process uses (under pytest, the test database)."""
    name = connection.settings_dict["NAME"]
    url = os.environ.get("DATABASE_URL", "")
    if url:
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path=f"/{name}"))
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s.get('USER') or 'postgres'}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{name}"


def server_env(server_settings: str, run_id: str) -> dict[str, str]:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": server_settings,
        "DATABASE_URL": database_url(),
        # Served as deployed: DEBUG off (no query log growing in each worker, real error pages).
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # The throttle counts of this run alone: fresh tokens, but a test database reuses token ids.
        "CACHE_KEY_PREFIX": f"{os.environ.get('CACHE_KEY_PREFIX', 'pm')}-lt{run_id}",
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    return env


def server_throttle_rates(env: dict[str, str]) -> dict[str, str]:
    """The throttle rates the server will apply (its settings module may differ from ours)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.REST_FRAMEWORK.get('DEFAULT_THROTTLE_RATES', {})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)  # noqa: S603 - our own interpreter
    return json.loads(out.stdout.strip().splitlines()[-1])


def database_connections() -> dict[str, int]:
    """Connections open to this database now (gunicorn's workers keep one each: CONN_MAX_AGE) and
    the server's limit, which every web and worker process of a deployment shares."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        here = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
        everywhere = cursor.fetchone()[0]
        cursor.execute("SHOW max_connections")
        limit = int(cursor.fetchone()[0])
    return {"this_database": here, "all_databases": everywhere, "max_connections": limit}


def per_minute(rate: str | None) -> float | None:
    """A DRF rate ("600/min") as requests a minute (periods s, m, h, d)."""
    if not rate:
        return None
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
    return int(count) * 60 / seconds


# The worker's pid first (<1234>): which worker served a request (tests/core/test_scale_out.py).
ACCESS_LOG_FORMAT = '%(p)s %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" in=%(M)sms'
_IN_WORKER = re.compile(r'"(?:GET|PATCH|POST|PUT|DELETE) (/api/|/my/)\S* HTTP/[\d.]+" \d+ .* in=(\d+)ms$')


def in_worker_ms(log_path: Path) -> list[float]:
    """The time each API or page request spent inside a worker, from gunicorn's access log."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        return sorted(float(m.group(2)) for line in log if (m := _IN_WORKER.search(line.rstrip())))


class Gunicorn:
    """gunicorn as the Dockerfile starts it, on a free loopback port; its log in `log_path`."""

    def __init__(self, *, workers: int, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "projects_mgmt.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            # The default format plus the time inside the worker: what the clients measure on top of
            # it is the wait for a free worker (the figures say which of the two a p95 is made of).
            "--access-logformat",
            ACCESS_LOG_FORMAT,
            # gunicorn's control socket has one default path per machine: ours must not replace that
            # of another gunicorn running here (a developer's server, another test).
            "--no-control-socket",
        ]
        self.log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)  # noqa: S603

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn 启动失败（退出码 {self.proc.returncode}），见日志 {self.log.name}。")
            try:
                with urllib.request.urlopen(f"{self.url}/login/", timeout=10) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn 在 {timeout:.0f} 秒内没有就绪，见日志 {self.log.name}。")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # gunicorn's graceful shutdown
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def run_locust(*, host: str, options: Options, spawn_rate: float, plan_path: Path, samples_path: Path, log_path: Path) -> int:
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        host,
        "--users",
        str(options.users),
        "--spawn-rate",
        f"{spawn_rate:g}",
        "--run-time",
        f"{options.run_time}s",
        # At the end each user finishes its task (a clerk's read-then-write) instead of being cut off.
        "--stop-timeout",
        "30",
        "--only-summary",
    ]
    env = os.environ | {"LOADTEST_PLAN": str(plan_path), "LOADTEST_SAMPLES": str(samples_path)}
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            # Only a hang ends here: run time, spawning, the stop timeout and a wide margin.
            return proc.wait(options.run_time + 30 + 300)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"locust 超时未结束，已终止；见日志 {log_path}。") from None


# --- figures ---------------------------------------------------------------------------------------


def _percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile (the value below which p of the samples lie)."""
    if not sorted_ms:
        return 0.0
    rank = max(1, round(p * len(sorted_ms) + 0.5 - 1e-9))
    return round(sorted_ms[min(rank, len(sorted_ms)) - 1], 1)


def _figure(name: str, samples: list[list], duration: float) -> dict:
    times = sorted(s[3] for s in samples)
    failures = [s for s in samples if not s[4]]
    return {
        "name": name,
        "label": TYPES.get(name, name),
        "requests": len(samples),
        "requests_per_s": round(len(samples) / duration, 2) if duration else 0.0,
        "p50_ms": _percentile(times, 0.50),
        "p95_ms": _percentile(times, 0.95),
        "max_ms": round(times[-1], 1) if times else 0.0,
        "mean_ms": round(statistics.fmean(times), 1) if times else 0.0,
        "failures": len(failures),
    }


def peak_per_minute(samples: list[list]) -> tuple[str, int]:
    """The busiest account's most requests within any 60 seconds, with its username."""
    by_account: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        by_account[s[1]].append(s[2])
    best = ("", 0)
    for account, starts in by_account.items():
        starts.sort()
        low = 0
        for high, t in enumerate(starts):
            while t - starts[low] >= 60:
                low += 1
            if high - low + 1 > best[1]:
                best = (account, high - low + 1)
    return best


def summarize(raw: dict, meta: dict) -> dict:
    """The result file's content from locust's samples: [name, account, start, ms, ok, error]."""
    samples = raw.get("samples", [])
    if samples:
        first = min(s[2] for s in samples)
        last = max(s[2] + s[3] / 1000 for s in samples)
        duration = max(last - first, 1e-3)
    else:
        duration = 0.0
    by_type: dict[str, list[list]] = defaultdict(list)
    for s in samples:
        by_type[s[0]].append(s)
    order = [n for n in TYPES if n in by_type] + sorted(n for n in by_type if n not in TYPES)
    figures = [_figure(name, by_type[name], duration) for name in order]
    failures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in samples:
        if not s[4]:
            failures[s[0]][s[5] or "?"] += 1
    # An exception in a task (not in a request) is a failure too: that user stopped doing its work.
    for error in raw.get("task_errors", []):
        failures["task_error"][error["msg"]] += error["count"]
    account, peak = peak_per_minute(samples)
    total = _figure("total", samples, duration)
    total["label"] = "合计"
    total["failures"] += sum(e["count"] for e in raw.get("task_errors", []))
    return {
        **meta,
        "duration_s": round(duration, 1),
        "requests": total["requests"],
        "requests_per_s": total["requests_per_s"],
        "failures": total["failures"],
        "types": figures,
        "total": total,
        "failures_by_type": {name: dict(errors) for name, errors in failures.items()},
        "busiest_account": {"username": account, "peak_requests_per_minute": peak},
        "missing_types": [name for name in REQUIRED_TYPES if name not in by_type],
    }


def format_table(result: dict) -> str:
    mix = result["mix"]
    lines = [
        f"压测：{result['users']} 个模拟用户（办事员 {mix['clerk']}、包保领导 {mix['leader']}、同步系统 {mix['sync']}），"
        f"计划 {result['run_time_s']} 秒、实测 {result['duration_s']} 秒；gunicorn {result['workers']} 个进程；"
        f"在库项目 {result['projects']} 个；本机 {result['cpus']} 核，开始前负载 {result['load_average_before'][0]}",
        "| 请求类型 | 请求数 | 每秒 | p50 ms | p95 ms | 最大 ms | 失败 |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in [*result["types"], result["total"]]:
        lines.append(
            f"| {f['label']} (`{f['name']}`) | {f['requests']} | {f['requests_per_s']} | {f['p50_ms']} | {f['p95_ms']} |"
            f" {f['max_ms']} | {f['failures']} |"
        )
    inside = result["in_worker"]
    lines.append(
        f"其中在 gunicorn 进程内处理的时间（访问日志，{inside['requests']} 次）：p50 {inside['p50_ms']} ms，p95 {inside['p95_ms']} ms；"
        "其余是等待空闲进程的排队时间。"
    )
    conns = result["database_connections"]
    lines.append(
        f"数据库连接（压测结束前）：本库 {conns['this_database']} 个（含本命令 1 个），全部 {conns['all_databases']} 个，"
        f"上限 max_connections={conns['max_connections']}。"
    )
    busiest = result["busiest_account"]
    rate = result["throttle_rates"].get("token")
    lines.append(
        f"单个账号最忙的一分钟：{busiest['peak_requests_per_minute']} 次（{busiest['username']}）；服务端限额：每个令牌 {rate or '不限'}。"
    )
    conflicts = next((f["requests"] for f in result["types"] if f["name"] == "write_conflict"), 0)
    lines.append(f"412 并发冲突 {conflicts} 次，均已重读后重写（再次 412 才计为失败）。")
    if result["failures"]:
        lines.append(f"失败 {result['failures']} 次（要求为 0）：")
        for name, errors in result["failures_by_type"].items():
            for error, count in sorted(errors.items(), key=lambda item: -item[1]):
                lines.append(f"  {TYPES.get(name, name)}：{count} 次 — {error}")
    else:
        lines.append("失败 0 次。")
    if result["missing_types"]:
        lines.append("没有发生的请求类型：" + "、".join(TYPES[n] for n in result["missing_types"]))
    return "\n".join(lines)


def run(options: Options, *, log_dir: Path) -> dict:
    """Steps 1–5 of the module docstring; returns the result (the command writes and prints it)."""
    projects = refuse_unless_benchmark(yes=options.yes)
    counts = split_users(options.users)
    spawn_rate = options.spawn_rate or max(1.0, options.users / 10)
    run_id = uuid.uuid4().hex[:8]
    server_settings = options.server_settings or settings.SETTINGS_MODULE
    env = server_env(server_settings, run_id)
    rates = server_throttle_rates(env)
    limit = per_minute(rates.get("token"))
    for role, (shortest, _longest) in WAITS.items():
        worst = MAX_REQUESTS_PER_TASK[role] * 60 / shortest
        if limit is not None and worst > limit:
            raise LoadTestRefused(f"{role} 的等待时间过短：最多每分钟 {worst:.0f} 次，超过服务端限额 {rates['token']}。")
    accounts = pick_accounts(counts)
    log_dir.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    # The machine may be shared: its load before and after say how much the figures owe to others.
    load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="loadtest-") as folder, credentials(accounts, run_id):
        # The tokens in the plan are secrets: a private temporary folder, removed afterwards.
        plan_path, samples_path = Path(folder) / "plan.json", Path(folder) / "samples.json"
        plan = {"counts": counts, "waits": WAITS, "max_pages": MAX_PAGES, "session_cookie": settings.SESSION_COOKIE_NAME}
        plan["accounts"] = accounts
        plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        server = Gunicorn(workers=options.workers, env=env, log_path=log_dir / "loadtest-gunicorn.log")
        try:
            server.wait_ready()
            exit_code = run_locust(
                host=server.url,
                options=options,
                spawn_rate=spawn_rate,
                plan_path=plan_path,
                samples_path=samples_path,
                log_path=log_dir / "loadtest-locust.log",
            )
            connections = database_connections()
        finally:
            server.stop()
        raw = json.loads(samples_path.read_text(encoding="utf-8")) if samples_path.exists() else {}
    if not raw:
        raise RuntimeError(f"locust 没有留下结果（退出码 {exit_code}），见日志 {log_dir / 'loadtest-locust.log'}。")
    in_worker = in_worker_ms(log_dir / "loadtest-gunicorn.log")
    meta = {
        "started": started.isoformat(),
        "database": connection.settings_dict.get("NAME"),
        "projects": projects,
        "users": options.users,
        "mix": counts,
        "waits_s": WAITS,
        "spawn_rate": spawn_rate,
        "run_time_s": options.run_time,
        "workers": options.workers,
        "cpus": os.cpu_count(),
        "server_settings": server_settings,
        "redis": bool(settings.REDIS_URL),
        "gunicorn": " ".join(["gunicorn", *server.command[3:]]),
        "throttle_rates": rates,
        "locust_exit_code": exit_code,
        "database_connections": connections,
        "in_worker": {"requests": len(in_worker), "p50_ms": _percentile(in_worker, 0.5), "p95_ms": _percentile(in_worker, 0.95)},
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    with suppress(Exception):
        meta["postgresql"] = connection.cursor().connection.info.server_version
    return summarize(raw, meta)
