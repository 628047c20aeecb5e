"""The open months' figures, stored: `LiveFigure` rows read by SQL aggregates.

`apps.stats.selectors.project_period_figures` works a project's row out of its plan, targets,
reports, milestones and lights: over 20 000 projects, seconds of Python per request. Its rows are
kept here instead, one per project and open month, and a statistic is a GROUP BY over them.

Kept in step without the services' help: the database triggers of migration 0003 bump a project's
`FigureStamp` in the transaction of every write to what its row is computed from (and the global
stamp, project 0, on a rule or calendar edit). A stored row is fresh when its stamps equal the
current ones and it was computed for the day asked (`as_of`: lights and the milestones due are the
day's). A reader works out only the rows that are not fresh, having read the stamps *before* the
data, so a write that commits during the computation leaves its row stale, never wrong. The
nightly task computes the latest report period and the running month for every live project
after the due items are brought to the new day, so the day's first reader finds them ready.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.models import Light
from apps.projects import notions
from apps.projects.models import FIVE_MILLION, HUNDRED_MILLION, Project, ProjectResponsibility, ResponsibilityRole
from apps.workcalendar.periods import Period, latest_report_period

from .models import FigureStamp, FreshMark, LiveFigure

GLOBAL = 0  # FigureStamp.project_id of the rules' and the calendar's stamp
# The ProjectPeriodFigures fields a row keeps: every column but its key and its freshness.
FIELDS = tuple(
    f.name for f in LiveFigure._meta.concrete_fields if f.name not in ("id", "year", "month", "project", "as_of", "stamp", "global_stamp")
)
BATCH = 1000
FEW = 200  # up to this many rows to do, computed for their ids; more, for the caller's whole queryset


def _global_stamp() -> int:
    return FigureStamp.objects.filter(project_id=GLOBAL).values_list("n", flat=True).first() or 0


def fresh_figures(*, year: int, month: int, today: dt.date, global_stamp: int) -> QuerySet[LiveFigure]:
    """The stored rows of (year, month) that still stand: computed for `today`, under the current
    global stamp and their project's current stamp."""
    current = Subquery(FigureStamp.objects.filter(project_id=OuterRef("project_id")).values("n")[:1])
    rows = LiveFigure.objects.filter(year=year, month=month, as_of=today, global_stamp=global_stamp)
    return rows.annotate(current=Coalesce(current, Value(0))).filter(stamp=F("current"))


def _is_live_portfolio(projects: QuerySet[Project]) -> bool:
    """`projects` is the whole live portfolio (the same SQL as notions.live_projects)."""
    try:
        return projects.order_by().query.sql_with_params() == notions.live_projects().order_by().query.sql_with_params()
    except EmptyResultSet:  # .none(): no SQL at all
        return False


def _stamps_marked(*, year: int, month: int, today: dt.date) -> tuple[int, int, bool]:
    """The stamps' total and count now, and whether a FreshMark of (year, month, today) holds them —
    then no row's input has changed since every live project's row was found fresh. One query."""
    sql = (
        f"SELECT s.total, s.n, EXISTS (SELECT 1 FROM {FreshMark._meta.db_table} m WHERE m.year = %s AND m.month = %s"  # noqa: S608 - model tables
        " AND m.as_of = %s AND m.stamp_total = s.total AND m.stamp_rows = s.n)"
        f" FROM (SELECT COALESCE(SUM(n), 0) AS total, COUNT(*) AS n FROM {FigureStamp._meta.db_table}) s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [year, month, today])
        total, rows, marked = cursor.fetchone()
    return int(total), int(rows), bool(marked)


def ensure_fresh(*, year: int, month: int, today: dt.date, projects: QuerySet[Project]) -> int:
    """Work out and store the rows of `projects` for (year, month) that are missing or stale; the
    number written. Two queries when every row stands; one for the whole live portfolio when nothing
    has changed since its rows were last found fresh (`FreshMark`)."""
    whole = _is_live_portfolio(projects)
    if whole:
        # First of all: a bump committed after this read makes the mark written below not match.
        total, rows, marked = _stamps_marked(year=year, month=month, today=today)
        if marked:
            return 0
    written = _work_out(year=year, month=month, today=today, projects=projects)
    if whole:
        _mark(year=year, month=month, today=today, stamp_total=total, stamp_rows=rows)
    return written


def _mark(*, year: int, month: int, today: dt.date, stamp_total: int, stamp_rows: int) -> None:
    """Record that every live project's row of (year, month) stood for `today` under these stamps."""
    FreshMark.objects.bulk_create(
        [FreshMark(year=year, month=month, as_of=today, stamp_total=stamp_total, stamp_rows=stamp_rows)],
        update_conflicts=True,
        unique_fields=["year", "month"],
        update_fields=["as_of", "stamp_total", "stamp_rows"],
    )


def _work_out(*, year: int, month: int, today: dt.date, projects: QuerySet[Project]) -> int:
    """ensure_fresh's check and computation, row by row."""
    from .selectors import project_period_figures  # the rows' one definition

    stamp = _global_stamp()  # first: a rule edit committed from here on leaves what is written stale
    fresh = fresh_figures(year=year, month=month, today=today, global_stamp=stamp).values("project_id")
    todo = list(projects.order_by().exclude(pk__in=fresh).values_list("pk", flat=True))
    if not todo:
        return 0
    # The stamps before the data. Many rows to do: computed over the caller's queryset (a subquery)
    # rather than a list of ids — PostgreSQL plans the prior year's anti-join over 20 000 literal
    # ids as a nested loop (128 s measured; 0.5 s over the subquery).
    few = len(todo) <= FEW
    stamped = FigureStamp.objects.filter(project_id__in=todo) if few else FigureStamp.objects.all()
    stamps: dict[int, int] = dict(stamped.values_list("project_id", "n"))
    source = Project.objects.filter(pk__in=todo) if few else projects
    wanted = set(todo)
    rows = {pk: row for pk, row in project_period_figures(year=year, month=month, today=today, projects=source).items() if pk in wanted}
    objs = [
        LiveFigure(
            year=year,
            month=month,
            project_id=pk,
            as_of=today,
            stamp=stamps.get(pk, 0),
            global_stamp=stamp,
            **{name: str(row.time_progress) if name == "time_progress" else getattr(row, name) for name in FIELDS},
        )
        for pk, row in sorted(rows.items())  # in project order: two writers lock rows in the same order
    ]
    LiveFigure.objects.bulk_create(
        objs,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["year", "month", "project"],
        update_fields=["as_of", "stamp", "global_stamp", *FIELDS],
    )
    if not few and connection.vendor == "postgresql":
        # A month's thousands of new rows: without statistics the planner takes them for one row
        # and joins them to the projects by a nested loop (a summary's 25 ms became 60).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {LiveFigure._meta.db_table}")
    return len(objs)


def live_rows(*, year: int, month: int, today: dt.date, projects: QuerySet[Project]) -> dict:
    """`project_period_figures` of `projects` read from the stored rows (the stale ones worked out first)."""
    from .selectors import ProjectPeriodFigures

    ensure_fresh(year=year, month=month, today=today, projects=projects)
    stored = LiveFigure.objects.filter(year=year, month=month, project__in=projects.order_by().values("pk")).order_by("project_id")
    result = {}
    for pk, *values in stored.values_list("project_id", *FIELDS):
        row = ProjectPeriodFigures(pk, **dict(zip(FIELDS, values, strict=True)))
        row.time_progress = Decimal(row.time_progress)
        row.light_parts, row.light_past_due = dict(row.light_parts or {}), list(row.light_past_due or [])
        result[pk] = row
    return result


# --- the aggregates ---------------------------------------------------------------------------


@dataclass
class Totals:
    """The sums and counts a PortfolioFigures is made of (`selectors.figures_from_totals`)."""

    project_count: int = 0
    annual_plan: Decimal = Decimal("0")
    ytd: Decimal = Decimal("0")
    prior_ytd: Decimal = Decimal("0")
    carry_over: Decimal = Decimal("0")
    until_period: Decimal = Decimal("0")
    new_start_planned: int = 0
    new_start_started: int = 0
    continuing: int = 0
    continuing_resumed: int = 0
    over_5m_count: int = 0
    over_5m_investment: Decimal = Decimal("0")
    over_100m_count: int = 0
    over_100m_investment: Decimal = Decimal("0")
    under_construction: int = 0
    under_construction_plan: Decimal = Decimal("0")
    milestones_due: int = 0
    milestones_on_time: int = 0
    milestones_done_late: int = 0
    red: int = 0
    yellow: int = 0
    green: int = 0


def _literal(value: str) -> str:
    # Code constants only (roles, lights): never a user's text.
    if not value.replace("_", "").isalnum():
        raise ValueError(value)
    return f"'{value}'"


def _aggregates() -> list[tuple[str, str]]:
    """(Totals field, SQL over the rows `f`): the same sums and counts `selectors.totals_of` makes.
    FILTER, not SUM(CASE …): PostgreSQL then adds only the rows that count (a third less time)."""
    going = "f.has_plan AND (f.started OR f.resumed)"
    continuing = ", ".join(_literal(str(role)) for role in notions.CONTINUING_ROLES)
    new_start = _literal(str(notions.AnnualRole.NEW_START))

    def count(condition: str) -> str:
        return f"COUNT(*) FILTER (WHERE {condition})"

    def total(column: str, condition: str) -> str:
        return f"SUM({column}) FILTER (WHERE {condition})"

    return [
        ("project_count", "COUNT(*)"),
        ("annual_plan", total("f.annual_plan", "f.has_plan")),
        ("ytd", "SUM(f.ytd)"),
        ("prior_ytd", "SUM(f.prior_ytd)"),
        ("carry_over", "SUM(f.carry_over)"),
        ("until_period", "SUM(f.until_period)"),
        ("new_start_planned", count(f"f.has_plan AND f.annual_role = {new_start}")),
        ("new_start_started", count("f.has_plan AND f.started")),
        ("continuing", count(f"f.has_plan AND f.annual_role IN ({continuing})")),
        ("continuing_resumed", count("f.has_plan AND f.resumed")),
        ("over_5m_count", count(f"{going} AND f.total_investment >= {FIVE_MILLION}")),
        ("over_5m_investment", total("f.total_investment", f"{going} AND f.total_investment >= {FIVE_MILLION}")),
        ("over_100m_count", count(f"{going} AND f.total_investment >= {HUNDRED_MILLION}")),
        ("over_100m_investment", total("f.total_investment", f"{going} AND f.total_investment >= {HUNDRED_MILLION}")),
        ("under_construction", count("f.in_construction")),
        ("under_construction_plan", total("f.annual_plan", "f.in_construction")),
        ("milestones_due", "SUM(f.milestones_due)"),
        ("milestones_on_time", "SUM(f.milestones_on_time)"),
        ("milestones_done_late", "SUM(f.milestones_done_late)"),
        *((light.value, count(f"f.light = {_literal(light.value)}")) for light in Light),
    ]


def _totals(values: tuple, kinds: list[tuple[str, type]]) -> Totals:
    return Totals(**{name: kind(value) for (name, kind), value in zip(kinds, values, strict=True) if value is not None})


def _memberships(group_by: str) -> tuple[str, list]:
    """SQL of (pid, key) rows: the projects of each group, as `selectors.group_members` reads them."""
    project, region = Project._meta.db_table, Project._meta.get_field("region").related_model._meta.db_table
    if group_by == "category":
        return f"SELECT id AS pid, category_id AS gkey FROM {project} WHERE category_id IS NOT NULL", []  # noqa: S608 - model tables
    if group_by == "region":
        # A town holds its own projects and those of its sub-areas (never both for one project).
        return (
            f"SELECT id AS pid, region_id AS gkey FROM {project} WHERE region_id IS NOT NULL UNION ALL"  # noqa: S608 - model tables
            f" SELECT p.id, r.parent_id FROM {project} p JOIN {region} r ON r.id = p.region_id WHERE r.parent_id IS NOT NULL",
            [],
        )
    role, column = (
        (ResponsibilityRole.LEAD_DEPT, "department_id") if group_by == "department" else (ResponsibilityRole.LEAD_LEADER, "leader_id")
    )
    table = ProjectResponsibility._meta.db_table
    # DISTINCT: a project named twice under one unit counts once, as in group_members.
    sql = f"SELECT DISTINCT project_id AS pid, {column} AS gkey FROM {table} WHERE role = %s AND {column} IS NOT NULL"  # noqa: S608 - model names
    return sql, [str(role)]


def live_totals(*, year: int, month: int, projects: QuerySet[Project], group_by: str | None = None) -> dict[object, Totals]:
    """The totals of the stored rows of (year, month) over `projects` (fresh: `ensure_fresh` first),
    per group id of `group_by` (None: one entry, key None) — one query."""
    projects_sql, projects_params = projects.order_by().values("pk").query.sql_with_params()
    columns = ", ".join(sql for _, sql in _aggregates())
    where = f"f.year = %s AND f.month = %s AND f.project_id IN ({projects_sql})"
    params = [year, month, *projects_params]
    table = LiveFigure._meta.db_table
    if group_by is None:
        sql = f"SELECT NULL, {columns} FROM {table} f WHERE {where}"  # noqa: S608 - code's SQL, values as parameters
    else:
        members, member_params = _memberships(group_by)
        sql = f"SELECT g.gkey, {columns} FROM {table} f JOIN ({members}) g ON g.pid = f.project_id WHERE {where} GROUP BY g.gkey"  # noqa: S608 - code's SQL, values as parameters
        params = [*member_params, *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    blank = Totals()
    kinds = [(name, type(getattr(blank, name))) for name, _ in _aggregates()]  # int or Decimal, per column
    return {key: _totals(values, kinds) for key, *values in rows if group_by is None or values[0]}


def live_figures_refresh(*, today: dt.date | None = None) -> int:
    """The nightly pass: the rows of the latest report period and of the running month for every live
    project, so the day's first statistic reads them ready. The number written."""
    today = today or timezone.localdate()
    written = 0
    for period in dict.fromkeys((latest_report_period(today), Period.of(today))):
        written += ensure_fresh(year=period.year, month=period.month, today=today, projects=notions.live_projects())
    return written
