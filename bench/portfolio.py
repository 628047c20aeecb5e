"""The portfolio benchmark (`manage.py bench`): every read a user or another system makes often,
timed in-process through Django's full request stack, each beside its floor — the same rows fetched
by hand-written SQL and encoded with `json.dumps`, measured in the same run, request and floor
alternating so that a busy machine slows both alike. The ratio is the figure to watch; the
milliseconds depend on the machine.

Every request and the write run inside one transaction that is rolled back at the end: the bench
reads a real database and leaves it as it found it (the sweep, which commits by design, runs only
with --sweep, on a database made for the bench).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.utils import timezone


class Rollback(Exception):
    """Raised at the end of the measured block so that nothing the bench did is kept."""


@dataclass
class Case:
    name: str
    label: str
    request: Callable[[], object]
    floor: Callable[[], object]
    # Regression guards for --check (the quick mode in CI): queries per request, and the ratio of
    # p50s. Not a time: the machines are shared, the ratio to a floor measured alongside is steady.
    max_queries: int
    max_ratio: float


@dataclass
class Figure:
    name: str
    label: str
    p50_ms: float
    p95_ms: float
    floor_p50_ms: float
    floor_p95_ms: float
    ratio_p50: float
    ratio_p95: float
    queries: int
    floor_queries: int
    max_queries: int
    max_ratio: float
    status: int = 200
    problems: list[str] = field(default_factory=list)


class count_queries:  # noqa: N801 - used as a context manager, like CaptureQueriesContext
    """Counts the statements sent to the database. (CaptureQueriesContext loses a request's queries:
    the request_started signal resets the query log.)

    A write request runs in its own transaction, BEGIN … COMMIT, which this count does not see. Run
    inside a transaction already (the CI bench, in a test), that transaction is a SAVEPOINT … RELEASE
    pair instead, which it would: the pair is left out, so both count the same."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self._nested = False  # set on entering: whether a transaction was already open

    @property
    def n(self) -> int:
        sql = self.statements
        if self._nested:
            # the outermost pair: the first savepoint taken, released by the last statement
            first = next((s for s in sql if s.startswith("SAVEPOINT")), None)
            if first is not None and sql[-1] == "RELEASE " + first:
                return len(sql) - 2
        return len(sql)

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def __enter__(self) -> count_queries:
        self._nested = connection.in_atomic_block
        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._cm.__exit__(*exc)


def _ms(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return round(p50 * 1000, 2), round(p95 * 1000, 2)


def _sql(sql: str, params: list | tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _dump(*parts: object) -> str:
    return json.dumps(parts, default=str, ensure_ascii=False)


def _table(model) -> str:
    return model._meta.db_table


class Portfolio:
    """Ids and parameters the cases need, read once."""

    def __init__(self) -> None:
        from apps.accounts.models import Role, User
        from apps.lights.selectors import light_context
        from apps.organization.models import Leader, Region
        from apps.projects.models import Project, ProjectResponsibility, ResponsibilityRole

        self.today = timezone.localdate()
        self.ctx = light_context(today=self.today)
        self.projects = Project.objects.filter(archived_at__isnull=True).count()
        self.project_id = Project.objects.filter(archived_at__isnull=True).order_by("id").values_list("id", flat=True)[self.projects // 2]
        lead = (
            ProjectResponsibility.objects.filter(role=ResponsibilityRole.LEAD_LEADER, leader__isnull=False)
            .values("leader_id")
            .annotate(n=Count("id"))
            .order_by("-n", "leader_id")
            .first()
        )
        self.leader_id = lead["leader_id"] if lead else Leader.objects.order_by("id").values_list("id", flat=True).first()
        # The region with most projects: its filtered page and its export are full, not empty.
        busiest = Project.objects.values("region_id").annotate(n=Count("id")).order_by("-n", "region_id").first()
        self.region_id = busiest["region_id"] if busiest else Region.objects.order_by("id").values_list("id", flat=True).first()
        self.search = Project.objects.get(pk=self.project_id).name[:4]
        self.office = User.objects.create(username="bench-office", role=Role.PORTFOLIO_OFFICE, is_staff=True)
        self.leader_user = User.objects.filter(leader_id=self.leader_id).first() or User.objects.create(
            username="bench-leader", role=Role.LEADER, leader_id=self.leader_id
        )
        self.client = Client(SERVER_NAME="127.0.0.1")
        self.client.force_login(self.office)
        self.leader_client = Client(SERVER_NAME="127.0.0.1")
        self.leader_client.force_login(self.leader_user)


def _get(client: Client, path: str) -> Callable[[], object]:
    def run():
        response = client.get(path)
        if response.status_code != 200:
            raise AssertionError(f"{path}: HTTP {response.status_code} {response.content[:300]!r}")
        return response

    return run


def build_cases(p: Portfolio) -> list[Case]:
    from apps.milestones.models import CLOSED_STATUSES, Milestone
    from apps.organization.models import Department, Leader, Region
    from apps.problems.models import PROBLEM_CLOSED_STATUSES, Problem
    from apps.progress.models import ProgressReport, ReportStatus
    from apps.projects.models import AnnualPlan, Project, ProjectCategory, ProjectResponsibility

    project, milestone, problem = _table(Project), _table(Milestone), _table(Problem)
    resp, region, category = _table(ProjectResponsibility), _table(Region), _table(ProjectCategory)
    leader, dept, plan, report = _table(Leader), _table(Department), _table(AnnualPlan), _table(ProgressReport)
    closed_m = [str(s) for s in CLOSED_STATUSES]
    closed_p = [str(s) for s in PROBLEM_CLOSED_STATUSES]
    today, year, month = p.today, p.ctx.period_year, p.ctx.period_month
    m_limit, p_limit = p.ctx.milestone_limit, p.ctx.problem_limit

    list_cols = (
        "p.id, p.name, p.short_name, p.primary_code, p.code_is_legacy, c.code, c.name, p.region_id, r.name, p.investment_mode,"
        " p.build_status, p.pool_stage, p.total_investment, p.start_year, p.end_year, p.planned_start, p.actual_start, p.updated_at"
    )

    def page_extras(ids: list[int]) -> list:
        """Leaders, departments and the light's inputs of the rows shown: what a page adds to its rows."""
        return [
            _sql(
                f"SELECT x.project_id, x.role, l.position, d.name FROM {resp} x LEFT JOIN {leader} l ON l.id = x.leader_id"
                f" LEFT JOIN {dept} d ON d.id = x.department_id WHERE x.project_id = ANY(%s) ORDER BY x.id",
                [ids],
            ),
            _sql(
                f"SELECT project_id, min(planned_date) FROM {milestone} WHERE project_id = ANY(%s) AND planned_date <= %s"
                f" AND NOT (status = ANY(%s)) GROUP BY project_id",
                [ids, m_limit, closed_m],
            ),
            _sql(
                f"SELECT project_id, min(deadline) FROM {problem} WHERE project_id = ANY(%s) AND deadline <= %s"
                f" AND NOT (status = ANY(%s)) GROUP BY project_id",
                [ids, p_limit, closed_p],
            ),
            _sql(
                f"SELECT a.project_id, a.annual_plan, (SELECT sum(period_completed) FROM {report} r WHERE r.project_id = a.project_id"
                f" AND r.year = a.year AND r.month <= %s AND r.status = %s) FROM {plan} a WHERE a.project_id = ANY(%s) AND a.year = %s",
                [month, str(ReportStatus.APPROVED), ids, year],
            ),
        ]

    def project_page(where: str = "TRUE", params: tuple = (), order: str = "p.total_investment DESC, p.id", offset: int = 0):
        def run():
            rows = _sql(
                f"SELECT {list_cols} FROM {project} p JOIN {category} c ON c.id = p.category_id JOIN {region} r ON r.id = p.region_id"
                f" WHERE p.archived_at IS NULL AND {where} ORDER BY {order} LIMIT 20 OFFSET %s",
                [*params, offset],
            )
            count = _sql(f"SELECT count(*) FROM {project} p WHERE p.archived_at IS NULL AND {where}", params)
            return _dump(rows, count, page_extras([r[0] for r in rows]))

        return run

    def project_all(where: str, params: tuple = (), order: str = "p.total_investment DESC, p.id"):
        """Every matching row (an export's floor), with the same extras as a page."""

        def run():
            rows = _sql(
                f"SELECT {list_cols} FROM {project} p JOIN {category} c ON c.id = p.category_id JOIN {region} r ON r.id = p.region_id"
                f" WHERE p.archived_at IS NULL AND {where} ORDER BY {order}",
                list(params),
            )
            return _dump(rows, page_extras([r[0] for r in rows]))

        return run

    def detail_floor():
        rows = _sql(
            f"SELECT p.*, c.code, c.name, r.name FROM {project} p JOIN {category} c ON c.id = p.category_id"
            f" JOIN {region} r ON r.id = p.region_id WHERE p.id = %s",
            [p.project_id],
        )
        plans = _sql(f"SELECT * FROM {plan} WHERE project_id = %s ORDER BY year DESC", [p.project_id])
        return _dump(rows, plans, page_extras([p.project_id]))

    def milestone_floor():
        rows = _sql(f"SELECT m.*, p.name FROM {milestone} m JOIN {project} p ON p.id = m.project_id ORDER BY m.planned_date, m.id LIMIT 20")
        return _dump(rows, _sql(f"SELECT count(*) FROM {milestone}"))

    def overdue_floor(extra: str = "", params: tuple = ()):
        def run():
            union = (
                f"SELECT 'milestone' AS kind, m.id, m.planned_date AS due, m.name AS title, m.project_id FROM {milestone} m"
                f" JOIN {project} p ON p.id = m.project_id WHERE p.archived_at IS NULL AND m.planned_date <= %s"
                f" AND NOT (m.status = ANY(%s)) {extra.format(alias='m', due='m.planned_date')}"
                f" UNION ALL SELECT 'problem', q.id, q.deadline, q.description, q.project_id FROM {problem} q"
                f" WHERE q.deadline <= %s AND NOT (q.status = ANY(%s)) {extra.format(alias='q', due='q.deadline')}"
            )
            args = [m_limit, closed_m, *params, p_limit, closed_p, *params]
            rows = _sql(f"SELECT * FROM ({union}) u ORDER BY due, kind, id LIMIT 20", args)
            count = _sql(f"SELECT count(*) FROM ({union}) u", args)
            return _dump(rows, count, page_extras([r[4] for r in rows if r[4]]))

        return run

    leader_filter = (
        "AND EXISTS (SELECT 1 FROM " + resp + " x WHERE x.project_id = {alias}.project_id AND x.role = 'leader' AND x.leader_id = %s)"
    )

    def summary_floor(group: str | None = None):
        key = {"region": "p.region_id", "department": "x.department_id", "leader": "x.leader_id"}.get(group or "", "NULL")
        join = ""
        if group in ("department", "leader"):
            role = "lead_dept" if group == "department" else "leader"
            join = f" JOIN {resp} x ON x.project_id = p.id AND x.role = '{role}'"

        def run():
            figures = _sql(
                f"SELECT {key}, count(*), sum(p.total_investment), count(*) FILTER (WHERE p.build_status = 'in_progress'),"
                f" sum(a.annual_plan), sum(y.ytd) FROM {project} p{join} LEFT JOIN {plan} a ON a.project_id = p.id AND a.year = %s"
                f" LEFT JOIN (SELECT project_id, sum(period_completed) AS ytd FROM {report} WHERE year = %s AND month <= %s"
                f" AND status = %s GROUP BY project_id) y ON y.project_id = p.id WHERE p.archived_at IS NULL GROUP BY 1 ORDER BY 1",
                [year, year, month, str(ReportStatus.APPROVED)],
            )
            red = _sql(
                f"SELECT count(DISTINCT m.project_id) FROM {milestone} m WHERE m.planned_date < %s AND NOT (m.status = ANY(%s))",
                [today, closed_m],
            )
            return _dump(figures, red)

        return run

    def sync_floor(after: bool = False):
        def run():
            where = "TRUE"
            params: list = []
            if after:
                pivot = _sql(f"SELECT updated_at, id FROM {project} ORDER BY updated_at, id OFFSET %s LIMIT 1", [min(99, p.projects - 1)])[
                    0
                ]
                where, params = "(p.updated_at, p.id) > (%s, %s)", list(pivot)
            rows = _sql(f"SELECT p.* FROM {project} p WHERE {where} ORDER BY p.updated_at, p.id LIMIT 100", params)
            ids = [r[0] for r in rows]
            return _dump(
                rows,
                _sql(f"SELECT * FROM {resp} WHERE project_id = ANY(%s)", [ids]),
                _sql(f"SELECT * FROM {plan} WHERE project_id = ANY(%s)", [ids]),
            )

        return run

    def sync_next() -> Callable[[], object]:
        first = p.client.get("/api/v1/projects/sync/").json()
        return _get(p.client, first["next"].split("127.0.0.1", 1)[-1]) if first.get("next") else _get(p.client, "/api/v1/projects/sync/")

    c, lc = p.client, p.leader_client
    pid = p.project_id
    deep = max(1, min(200, p.projects // 20))
    search_like = f"%{p.search}%"
    return [
        Case("project_list", "项目列表（默认第 1 页）", _get(c, "/api/v1/projects/"), project_page(), 12, 50),
        Case(
            "project_list_filtered",
            "项目列表（按区划筛选、按总投资排序）",
            _get(c, f"/api/v1/projects/?region={p.region_id}&ordering=-total_investment"),
            project_page("p.region_id = %s", (p.region_id,)),
            12,
            50,
        ),
        Case(
            "project_list_search",
            "项目列表（搜索）",
            _get(c, f"/api/v1/projects/?search={p.search}"),
            project_page("(p.name LIKE %s OR p.primary_code LIKE %s)", (search_like, search_like)),
            12,
            50,
        ),
        Case(
            "project_list_deep",
            f"项目列表（第 {deep} 页）",
            _get(c, f"/api/v1/projects/?page={deep}"),
            project_page(offset=(deep - 1) * 20),
            12,
            50,
        ),
        Case("project_detail", "项目详情", _get(c, f"/api/v1/projects/{pid}/"), detail_floor, 17, 150),
        Case("milestone_list", "要件节点列表", _get(c, "/api/v1/milestones/"), milestone_floor, 8, 25),
        Case("overdue", "逾期与临期清单（全部）", _get(c, "/api/v1/overdue/"), overdue_floor(), 13, 40),
        Case("overdue_red", "逾期清单（仅红灯）", _get(c, "/api/v1/overdue/?light=red"), overdue_floor("AND {due} < %s", (today,)), 13, 40),
        Case(
            "leader_overdue",
            "包保领导的清单",
            _get(c, f"/api/v1/leaders/{p.leader_id}/overdue/"),
            overdue_floor(leader_filter, (p.leader_id,)),
            14,
            120,
        ),
        # The statistics sum the stored rows (apps.stats.live): 7 queries, 10 at most, and near the floor.
        Case("stats_summary", "统计汇总", _get(c, "/api/v1/stats/summary/"), summary_floor(), 10, 5),
        *(
            Case(
                f"stats_by_{g}",
                f"统计汇总（按{label}分组）",
                _get(c, f"/api/v1/stats/summary/?group_by={g}"),
                summary_floor(g),
                12,
                10,
            )
            for g, label in (("region", "区划"), ("department", "牵头单位"), ("leader", "包保领导"))
        ),
        Case("sync_first", "同步（第 1 页，100 条）", _get(c, "/api/v1/projects/sync/"), sync_floor(), 11, 90),
        Case("sync_next", "同步（后续页）", sync_next(), sync_floor(after=True), 11, 90),
        # 30 queries, 16× at 2 000 projects: the figures and category lights sum stored rows; the unit
        # board still builds every due item (docs/decisions/0007).
        Case("page_dashboard", "页面：驾驶舱", _get(c, "/dashboard/"), summary_floor(), 35, 40),
        # 31: a leader's 批示 right covers every leader role (包保, 直报, 协调), remembered for the page's
        # projects in one more query (apps.projects.rules.remember_own_projects), not one per row.
        Case("page_mylist", "页面：我的清单（包保领导）", _get(lc, "/my/"), overdue_floor(leader_filter, (p.leader_id,)), 31, 110),
        Case("page_dossier", "页面：项目档案", _get(c, f"/projects/{pid}/"), detail_floor, 24, 250),
        Case("oc4ids_project", "OC4IDS 单个项目", _get(c, f"/api/v1/oc4ids/projects/{pid}/"), detail_floor, 14, 250),
        Case(
            "export_region",
            "项目台账导出（一个区划，Excel）",
            _get(c, f"/projects/export.xlsx?region={p.region_id}"),
            project_page("p.region_id = %s", (p.region_id,)),
            16,
            250,
        ),
        # About 1 000 rows at 20 000 projects (6 % have not started): the "Excel export of 1 000 rows".
        Case(
            "export_not_started",
            "项目台账导出（未开工项目，Excel）",
            _get(c, "/projects/export.xlsx?build_status=not_started"),
            project_all("p.build_status = %s", ("not_started",)),
            16,
            250,
        ),
    ]


def measure(case: Case, repeat: int) -> Figure:
    case.request()  # warm: first-call costs (imports, template loading) are not the steady figure
    case.floor()
    # A browser session's activity is written at most once a minute (SessionTimeoutMiddleware): 3
    # more statements on whichever request crosses the minute, which on a slow machine was now and
    # then the counted one (a cap missed by 3 on a random page). Not the endpoint's own work.
    with override_settings(SESSION_IDLE_WRITE_SECONDS=10**9), count_queries() as q:
        case.request()
    with count_queries() as fq:
        case.floor()
    samples, floors = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        case.request()
        samples.append(time.perf_counter() - start)
        start = time.perf_counter()
        case.floor()
        floors.append(time.perf_counter() - start)
    p50, p95 = _ms(samples)
    f50, f95 = _ms(floors)
    figure = Figure(
        case.name,
        case.label,
        p50,
        p95,
        f50,
        f95,
        round(p50 / max(f50, 0.01), 1),
        round(p95 / max(f95, 0.01), 1),
        q.n,
        fq.n,
        case.max_queries,
        case.max_ratio,
    )
    if figure.queries > case.max_queries:
        figure.problems.append(f"查询 {figure.queries} 次，超过上限 {case.max_queries}")
    if figure.ratio_p50 > case.max_ratio:
        figure.problems.append(f"与下限之比 {figure.ratio_p50}，超过上限 {case.max_ratio}")
    return figure


def write_figure(p: Portfolio) -> Figure:
    """One PATCH with If-Match, the way a clerk's edit arrives: its queries and its time."""
    from apps.projects.models import Project

    path = f"/api/v1/projects/{p.project_id}/"
    samples, floors, queries = [], [], 0
    for i in range(6):
        etag = p.client.get(path).headers["ETag"]
        body = json.dumps({"remarks": f"基准测试 {i}"})
        start = time.perf_counter()
        with count_queries() as q:
            response = p.client.patch(path, body, content_type="application/json", headers={"if-match": etag})
        samples.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise AssertionError(f"PATCH {path}: HTTP {response.status_code} {response.content[:300]!r}")
        queries = q.n
        start = time.perf_counter()
        with count_queries() as fq:
            _sql(f"SELECT * FROM {_table(Project)} WHERE id = %s FOR UPDATE", [p.project_id])
            _sql(f"UPDATE {_table(Project)} SET remarks = %s, updated_at = now() WHERE id = %s", [f"基准 {i}", p.project_id])
        floors.append(time.perf_counter() - start)
    p50, p95 = _ms(samples[1:])
    f50, f95 = _ms(floors[1:])
    figure = Figure("project_patch", "修改项目（PATCH + If-Match）", p50, p95, f50, f95, round(p50 / max(f50, 0.01), 1),
                    round(p95 / max(f95, 0.01), 1), queries, fq.n, 15, 800)  # fmt: skip  # DESIGN.md §8: a PATCH ≤ 15 queries
    if queries > figure.max_queries:
        figure.problems.append(f"查询 {queries} 次，超过上限 {figure.max_queries}")
    return figure


def ledger_counts() -> dict:
    """The size of the portfolio measured: projects on the ledger (apps.projects.notions) and in all."""
    from apps.projects.models import Project
    from apps.projects.notions import on_ledger_q

    return {"projects": Project.objects.filter(on_ledger_q()).count(), "all_projects": Project.objects.count()}


def sweep_figures() -> list[dict]:
    """The reminder sweep over the whole portfolio: the first (everything due is new, handled by the
    rules' backlog policy) and a steady one, at 10:00 of the last working day (inside the rules'
    sending window whenever the bench runs: a sweep outside it writes nothing)."""
    from apps.reminders.services import reminders_sweep
    from apps.reminders.services.common import load_calendar

    day = timezone.localdate()
    calendar = load_calendar(today=day)
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    out = []
    for label, now in (("first", at), ("steady", at + dt.timedelta(minutes=5))):
        start = time.perf_counter()
        result = reminders_sweep(now=now)
        out.append(
            {
                "name": f"sweep_{label}",
                "at": now.isoformat(),
                "seconds": round(time.perf_counter() - start, 2),
                "items": result.items,
                "backlog": result.backlog,
                "deliveries": result.created,
                "summaries": result.summaries,
                "notices": result.notices,
            }
        )
    return out


def run(*, repeat: int = 20, only: list[str] | None = None, sweep: bool = False) -> dict:
    from apps.projects.models import Project
    from apps.stats.live import live_figures_refresh

    if not connection.vendor == "postgresql":
        raise RuntimeError("基准测试需要 PostgreSQL（设置 DATABASE_URL）。")
    started = timezone.now()
    figures: list[Figure] = []
    info: dict = {}
    try:
        with transaction.atomic():
            p = Portfolio()
            info = {"projects": p.projects, "today": p.today.isoformat(), "project_id": p.project_id, "leader_id": p.leader_id}
            # The statistics read the rows the nightly pass (00:30) stores; worked out here as it
            # does, and timed: what a day's first reader would wait for if the pass had not run.
            clock = time.perf_counter()
            info["live_figures_written"] = live_figures_refresh(today=p.today)
            info["live_figures_seconds"] = round(time.perf_counter() - clock, 1)
            for case in build_cases(p):
                if only and case.name not in only:
                    continue
                figures.append(measure(case, repeat))
            if not only or "project_patch" in only:
                figures.append(write_figure(p))
            raise Rollback
    except Rollback:
        pass
    result = {
        "started": started.isoformat(),
        "database": connection.settings_dict.get("NAME"),
        "postgresql": connection.cursor().connection.info.server_version,
        "jit": _sql("SHOW jit")[0][0],
        "repeat": repeat,
        "portfolio": {**info, "all_projects": Project.objects.count()},
        "figures": [asdict(f) for f in figures],
    }
    if sweep:
        result["sweep"] = sweep_figures()
    return result


def format_table(result: dict) -> str:
    lines = [
        f"项目 {result['portfolio'].get('projects')} 个；PostgreSQL {result['postgresql']}；JIT {result['jit']}；每项 {result['repeat']} 次；"
        f"统计行（夜间计算）{result['portfolio'].get('live_figures_written')} 行，"
        f"{result['portfolio'].get('live_figures_seconds')} 秒",
        "| 接口 | p50 ms | p95 ms | 下限 p50 | 下限 p95 | 倍数 p50 | 倍数 p95 | 查询数 | 下限查询数 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in result["figures"]:
        flag = " ⚠ " + "；".join(f["problems"]) if f["problems"] else ""
        lines.append(
            f"| {f['label']} (`{f['name']}`) | {f['p50_ms']} | {f['p95_ms']} | {f['floor_p50_ms']} | {f['floor_p95_ms']} |"
            f" {f['ratio_p50']}× | {f['ratio_p95']}× | {f['queries']} | {f['floor_queries']} |{flag}"
        )
    for s in result.get("sweep", []):
        lines.append(
            f"提醒扫描 {s['name']}（{s['at']}）: {s['seconds']} 秒，事项 {s['items']}（积压 {s['backlog']}），"
            f"发送记录 {s['deliveries']}（汇总 {s['summaries']}），督办函 {s['notices']}"
        )
    return "\n".join(lines)
