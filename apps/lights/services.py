"""Stored due items (`DueItem`): the due-item registry's live answer (`apps.core.due.kinds()`) kept as
rows, each with the days its light turns yellow and red (issue 21, docs/decisions/0006-stored-due-items.md).

The registry stays the one definition of what is due: this module only copies its answer and works
out, once per item, the two days on which `item_light` would change its answer —

- yellow from the first day on which the item is "due soon": its due date within the kind's warning
  window of N working days (`WorkdayIndex.horizon`), i.e. the (count(due) − N)-th working day;
- red from the first day past the kind's red cutoff (`selectors.light_context`'s `red_before`): the
  day after the due date (milestones, problems and any kind without a rule of its own), the day
  after `red_after_months` months past a planned start, `report_red_from` for a report's period.

A light on day D is then `D >= red_from` red, else `D >= yellow_from` yellow, else green; a kind
whose warning rule is switched off never lights (both days `NEVER`). Tests hold both equal to
`item_light` over many days.

Kept in step as rows are written, in the same transaction (signal receivers wired in
`LightsConfig.ready`, so no way in can skip them): a kind with a model of its own (milestones,
problems) names the fields its sources read (`DueKind.watch`); a save of such a row that changes one
of them, or its deletion, rewrites that item in two statements (`due_items_write`: a DELETE, and an
INSERT … SELECT from the kind's own source joined to the light days worked out per (kind, due date)
in `DueLightDay`). The rows that decide a project's items (`apps.core.due.watch_project`: the
project's 在库/开工 facts, its people, plans and reports) rewrite every item of the project in five
(`due_items_write_projects`, its statement compiled once per day and set of open report periods). A bulk load defers both to its end (`due_items_deferred`).

What is open depends on the day for two kinds (a report period opens with its month, a project counts
as started from its 实际开工日期): `due_items_refresh` without `project_ids` is the nightly pass that
brings every row to the new day, and reports any other drift it had to repair.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, QuerySet, Value
from django.utils import timezone

from apps.core.due import DEFAULT_DUE_DAY, DueKindCode, ProjectWatch, due_day_now, kinds
from apps.workcalendar.periods import add_months, period_of_deadline
from apps.workcalendar.services import WorkCalendar, WorkdayIndex

from .models import DueItem, DueItemsDay, DueLightDay, RuleCode
from .selectors import Thresholds, all_thresholds, report_red_from

logger = logging.getLogger(__name__)

# Every open item whatever its due date: the registry's sources are bounded by `until`.
FAR_FUTURE = dt.date(9999, 12, 31)
# The light days of an item whose kind's warning rule is switched off: never reached.
NEVER = dt.date(9999, 12, 31)
# The window of due dates whose light days are kept in `DueLightDay` (years before and after today's).
LIGHT_TABLE_YEARS = (2, 3)
# The due dates worked out with the calendar; outside them, see `light_days`.
SANE = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))
COMPARED = ("title", "project_id", "department_id", "leader_id", "own_leader_id", "yellow_from", "red_from")

Key = tuple[str, int, dt.date]


@dataclass(frozen=True)
class Drift:
    """What a refresh changed: rows added, removed and corrected."""

    added: int = 0
    removed: int = 0
    changed: int = 0

    @property
    def total(self) -> int:
        return self.added + self.removed + self.changed


def light_days(code: str, due: dt.date, t: Thresholds, index: WorkdayIndex, due_day: int) -> tuple[dt.date, dt.date]:
    """(yellow_from, red_from) of an open item of kind `code` due on `due` under its rule `t`.
    `index` must cover `due` and N working days before it."""
    if not t.enabled:
        return NEVER, NEVER
    if not SANE[0] <= due <= SANE[1]:
        # A date no deadline of this trade can have (a typing slip: year 1, year 9999), kept as it
        # was typed: long past is red from the next day, far ahead never lights.
        return (due + dt.timedelta(days=1),) * 2 if due < SANE[0] else (NEVER, NEVER)
    k = index.count(due) - t.due_soon_working_days
    yellow = index.day(k) if k >= 1 else index.first
    if code == DueKindCode.START:
        red = add_months(due, t.red_after_months) + dt.timedelta(days=1)
    elif code == DueKindCode.REPORT:
        red = report_red_from(period_of_deadline(due, due_day), t, index)
    else:
        red = due + dt.timedelta(days=1)
    return min(yellow, red), red


def _light_index(
    dues: Iterable[dt.date], today: dt.date, rules: dict[str, Thresholds], quiet: Callable[[int], bool] | None = None
) -> WorkdayIndex:
    """One calendar load covering every due date, the working-day windows before them, and the
    report deadlines' moves (`report_red_from` looks past a period's deadline)."""
    dues = [due for due in dues if SANE[0] <= due <= SANE[1]] or [today]
    widest = max(t.due_soon_working_days for t in rules.values())
    first = min(min(dues), today) - dt.timedelta(days=3 * widest + 40)
    last = max(max(dues), today) + dt.timedelta(days=80)
    calendar = WorkCalendar.load(first.year, last.year)
    if quiet is not None:
        calendar.warned_years.update(year for year in range(first.year, last.year + 1) if quiet(year))
    return WorkdayIndex(first, last, calendar)


def live_due_items(*, today: dt.date, project_ids: Collection[int] | None = None) -> dict[Key, DueItem]:
    """The registry's open items on `today` (for `project_ids` only, when given) as unsaved rows."""
    rules = all_thresholds()
    due_day = rules[RuleCode.REPORT_FILING].report_due_day
    parts = []
    for code, kind in kinds().items():
        for source in kind.sources(today=today, until=FAR_FUTURE, due_day=due_day):
            if project_ids is not None:
                source = source.filter(project_ref__in=list(project_ids))
            parts.append(_with_kind(source, code))
    # One query for every kind and report period: UNION ALL of the sources (as `_item_ranks` does).
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0] if parts else []
    rows: dict[Key, dict] = {(row["kind"], row["id"], row["due"]): row for row in union}
    index = _light_index((due for _, _, due in rows), today, rules)
    items = {}
    for (code, object_id, due), row in rows.items():
        yellow, red = light_days(code, due, rules[kinds()[code].rule_code], index, due_day)
        items[(code, object_id, due)] = DueItem(
            kind=code,
            object_id=object_id,
            due=due,
            title=row["title"] or "",
            project_id=row["project_ref"],
            department_id=row["dept_ref"],
            leader_id=row["leader_ref"],
            own_leader_id=row["own_leader_ref"],
            yellow_from=yellow,
            red_from=red,
        )
    return items


def _one_at_a_time() -> None:
    """Within the caller's transaction, wait for any other refresh or rebuild of the stored rows to
    commit (PostgreSQL's transaction-level advisory lock). Two of them at once (the seed's beside the
    worker's task, as when web, worker and beat start together) would both insert the same missing
    rows, and the second would fail on the unique constraint. SQLite runs one writer at a time already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('projects_mgmt.due_items'))")


def due_items_refresh(*, today: dt.date | None = None, project_ids: Collection[int] | None = None) -> Drift:
    """Make the stored rows (of `project_ids`, or all) equal to the registry's live answer on `today`:
    add the missing, remove the settled, correct the changed. Returns what it changed."""
    today = today or timezone.localdate()
    with transaction.atomic():
        _one_at_a_time()  # before reading: what another refresh wrote is then seen, not written again
        live = live_due_items(today=today, project_ids=project_ids)
        stored_qs = DueItem.objects.all() if project_ids is None else DueItem.objects.filter(project_id__in=list(project_ids))
        stored = {(i.kind, i.object_id, i.due): i for i in stored_qs.select_for_update()}
        gone = [item.pk for key, item in stored.items() if key not in live]
        new = [item for key, item in live.items() if key not in stored]
        changed = []
        for key, item in live.items():
            old = stored.get(key)
            if old is not None and any(getattr(old, f) != getattr(item, f) for f in COMPARED):
                for f in COMPARED:
                    setattr(old, f, getattr(item, f))
                changed.append(old)
        if gone:
            DueItem.objects.filter(pk__in=gone).delete()
        DueItem.objects.bulk_create(new, batch_size=2000)
        DueItem.objects.bulk_update(changed, [f.removesuffix("_id") for f in COMPARED], batch_size=2000)
        if project_ids is None:  # every row is now as of `today`: the lists may read them for that day
            DueItemsDay.objects.update_or_create(pk=1, defaults={"as_of": today})
    return Drift(added=len(new), removed=len(gone), changed=len(changed))


def due_items_check(*, today: dt.date | None = None) -> Drift:
    """The nightly pass, just after midnight. First the check: the rows against the registry's answer
    for the day they were kept for (yesterday) — any difference is drift, repaired and logged. Then
    every row is brought to `today` (report periods open with their month, planned starts settle on
    their 实际开工日期): the day's change, not drift. Returns the drift."""
    today = today or timezone.localdate()
    drift = due_items_refresh(today=today - dt.timedelta(days=1))
    if drift.total:
        logger.warning("到期事项与实时计算结果不一致，已修正：新增%s条，删除%s条，更正%s条。", drift.added, drift.removed, drift.changed)
    light_table_rebuild(today=today)
    due_items_refresh(today=today)
    return drift


def due_items_recompute() -> Drift:
    """A warning rule or the calendar changed: the light days of every due date, then of every
    stored item, worked out again (the worker's task)."""
    light_table_rebuild()
    return due_items_refresh()


def light_table_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last due dates `DueLightDay` holds around `today` (`LIGHT_TABLE_YEARS`)."""
    return dt.date(today.year - LIGHT_TABLE_YEARS[0], 1, 1), dt.date(today.year + LIGHT_TABLE_YEARS[1], 12, 31)


def light_table_rebuild(*, today: dt.date | None = None) -> int:
    """Work out the light days of every kind for every due date of the window around `today`
    (`LIGHT_TABLE_YEARS`) with `light_days`, and store them in place of the old ones. Returns the
    number of rows."""
    today = today or timezone.localdate()
    first, last = light_table_window(today)
    rules = all_thresholds()
    due_day = rules[RuleCode.REPORT_FILING].report_due_day
    # Years far from today are counted Monday to Friday until their calendar is published: said once
    # for next year, not every night for every year of the window.
    index = _light_index((first, last), today, rules, quiet=lambda year: abs(year - today.year) > 1)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    rows = []
    for code, kind in kinds().items():
        t = rules[kind.rule_code]
        for due in days:
            yellow, red = light_days(code, due, t, index, due_day)
            rows.append(DueLightDay(kind=code, due=due, yellow_from=yellow, red_from=red))
    with transaction.atomic():
        _one_at_a_time()
        DueLightDay.objects.all().delete()
        # Written over, not just added: an item's write learning a day (`_light_days_by_hand`) may
        # have committed rows of the same (kind, due) since this DELETE's snapshot, and a plain
        # INSERT failed on them (due_light_day_unique). This rebuild's days win.
        DueLightDay.objects.bulk_create(
            rows, batch_size=5000, update_conflicts=True, unique_fields=["kind", "due"], update_fields=["yellow_from", "red_from"]
        )
    return len(rows)


# Insert open items from the kinds' sources (a UNION ALL, each row with its kind), with their light
# days looked up in the same statement. An item whose due date is outside the table's window comes
# back with NULL days.
_INSERT_ITEMS = """
INSERT INTO {items} (kind, object_id, due, title, project_id, department_id, leader_id, own_leader_id, yellow_from, red_from)
SELECT s.kind, s.id, s.due, COALESCE(s.title, ''), s.project_ref, s.dept_ref, s.leader_ref, s.own_leader_ref,
       d.yellow_from, d.red_from
FROM ({source}) s LEFT JOIN {days} d ON d.kind = s.kind AND d.due = s.due
RETURNING id, kind, due, red_from
"""


def _union_sql(parts: list[QuerySet]) -> tuple[str, tuple]:
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return union.query.sql_with_params()


def _insert_items(parts: list[QuerySet]) -> None:
    """INSERT … SELECT the rows of `parts` (sources annotated with their `kind`), in one statement."""
    if parts:
        _insert_sql(*_union_sql(parts))


def _insert_sql(sql: str, params: Sequence) -> None:
    statement = _INSERT_ITEMS.format(items=DueItem._meta.db_table, days=DueLightDay._meta.db_table, source=sql)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        unknown = [(pk, code, due) for pk, code, due, red in cursor.fetchall() if red is None]
    if unknown:
        _light_days_by_hand(unknown)


def _with_kind(source: QuerySet, code: str) -> QuerySet:
    return source.order_by().annotate(kind=Value(code, output_field=CharField()))


def due_items_write(code: str, object_ids: Collection[int]) -> None:
    """Rewrite the stored items of these rows of kind `code` (a kind with a model of its own, whose
    items are its rows) from the kind's own source: a DELETE and one INSERT … SELECT, in the
    caller's transaction. A settled or deleted row leaves no item; an open one gets its row back
    with the light days of `DueLightDay`, or worked out here when its due date is outside that
    table's window (or the table is not built yet)."""
    kind = kinds()[code]
    ids = list(object_ids)
    DueItem.objects.filter(kind=code, object_id__in=ids).delete()
    # A kind with a model of its own reads neither the day nor the office's due day.
    sources = kind.sources(today=None, until=FAR_FUTURE, due_day=DEFAULT_DUE_DAY)
    _insert_items([_with_kind(source.filter(id__in=ids), code) for source in sources])


def due_items_write_projects(project_ids: Collection[int]) -> None:
    """Rewrite every stored item of these projects from the registry's sources on today: the office's
    due day (1 statement), the report periods open and their deadlines (2, the calendar), a DELETE
    and one INSERT … SELECT of every kind's open items, in the caller's transaction. What a project's own row, its people, its
    plans and its reports decide (在库, 开工, 计划开工, 月报) changes here."""
    ids = list(project_ids)
    today = timezone.localdate()
    due_day = due_day_now()
    DueItem.objects.filter(project_id__in=ids).delete()
    # The statement is compiled once per process for what its SQL depends on (the day, the due day,
    # each kind's `sources_key`: the open report periods and their deadlines, and how many projects),
    # then reused with these projects' ids — building the sources, a report period each, is ~40 ms
    # of Python (100 ms and more with a year's periods open); the statement itself, a few.
    key = (today, due_day, connection.vendor, *(k.sources_key(today, due_day) for k in kinds().values() if k.sources_key))
    if key not in _compiled:  # a new day or set of open periods: the old statements are done with
        _compiled.clear()
    by_size = _compiled.setdefault(key, {})
    if len(ids) not in by_size:
        if len(by_size) >= _COMPILED_SIZES:
            by_size.clear()
        sentinels = [_PROJECT_SENTINEL - n for n in range(len(ids))]
        by_size[len(ids)] = _union_sql(_project_parts(sentinels, today, due_day))
    sql, params = by_size[len(ids)]
    by_sentinel = {_PROJECT_SENTINEL - n: pk for n, pk in enumerate(ids)}
    _insert_sql(sql, [by_sentinel.get(p, p) if isinstance(p, int) else p for p in params])


def _project_parts(ids: list[int], today: dt.date, due_day: int) -> list[QuerySet]:
    return [
        _with_kind(source.filter(project_ref__in=ids), code)
        for code, kind in kinds().items()
        for source in kind.sources(today=today, until=FAR_FUTURE, due_day=due_day)
    ]


# Project ids no row has (this one and those below it), standing for the projects in the compiled
# statement; a statement per number of projects written together, a few kept.
_PROJECT_SENTINEL = -7_000_000_001
_COMPILED_SIZES = 8
_compiled: dict[tuple, dict[int, tuple[str, tuple]]] = {}


def _light_days_by_hand(items: Sequence[tuple[int, str, dt.date | str]]) -> None:
    """`light_days` for stored items whose due date the table does not cover."""
    today = timezone.localdate()
    rules = all_thresholds()
    due_day = rules[RuleCode.REPORT_FILING].report_due_day
    # SQLite hands a date back from a raw statement as text.
    items_ = [(pk, code, due if isinstance(due, dt.date) else dt.date.fromisoformat(due)) for pk, code, due in items]
    index = _light_index((due for _, _, due in items_), today, rules)
    window = light_table_window(today)
    worked, learned = [], {}
    for pk, code, due in items_:
        yellow, red = light_days(code, due, rules[kinds()[code].rule_code], index, due_day)
        worked.append(DueItem(pk=pk, yellow_from=yellow, red_from=red))
        if window[0] <= due <= window[1]:
            learned[(code, due)] = DueLightDay(kind=code, due=due, yellow_from=yellow, red_from=red)
    DueItem.objects.bulk_update(worked, ["yellow_from", "red_from"])  # one statement
    # A day of the table's window is kept for the next item due that day: the table fills as it is
    # used until the worker (or the night) rebuilds it whole — after a rule or calendar edit emptied
    # it, or before the first rebuild. A day outside it is worked out each time (the rebuild would
    # not keep it).
    if learned:
        DueLightDay.objects.bulk_create(learned.values(), ignore_conflicts=True)


def light_table_clear() -> None:
    """A warning rule or the calendar changed: the stored light days are no longer theirs. Emptied in
    the edit's transaction, so no item written from now on takes a day worked out under the old rule;
    they are worked out by hand (and kept) until the worker's rebuild."""
    DueLightDay.objects.all().delete()


class _Deferred(threading.local):
    depth = 0

    def __init__(self) -> None:
        self.objects: dict[str, set[int]] = {}
        self.projects: set[int] = set()


_deferred = _Deferred()
# Ids per statement when a deferred batch is written: SQLite takes at most 32 766 parameters, and a
# project's UNION names its ids once per source.
_CHUNK = 500


@contextmanager
def due_items_deferred() -> Iterator[None]:
    """A bulk load (the demo, a county's 调度表): the rows' hooks only note which items and projects
    changed, and they are written once, at the end of the block, in the caller's transaction —
    not once per saved row. Nothing is written when the block fails or its transaction is to roll back."""
    _deferred.depth += 1
    try:
        yield
        doomed = connection.in_atomic_block and transaction.get_rollback()
        if _deferred.depth == 1 and not doomed:
            for code, ids in _deferred.objects.items():
                for chunk in _chunks(ids):
                    due_items_write(code, chunk)
            for chunk in _chunks(_deferred.projects):
                due_items_write_projects(chunk)
    finally:
        _deferred.depth -= 1
        if _deferred.depth == 0:
            _deferred.objects, _deferred.projects = {}, set()


def _chunks(ids: set[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def due_item_saved(code: str, instance, *, created: bool) -> None:
    """A row of kind `code`'s model was saved: rewrite its item when the save changed a field the
    kind reads (`DueKind.watch`) against the row as it was read (`Versioned.from_db`), or when it is
    new or was not read from the database."""
    changed, attnames = _changed(instance, kinds()[code].watch)
    if not (created or changed):
        return
    if _deferred.depth:
        _deferred.objects.setdefault(code, set()).add(instance.pk)
    else:
        due_items_write(code, [instance.pk])
    _remember(instance, attnames)


def due_item_deleted(code: str, object_id: int) -> None:
    """A row of kind `code`'s model was deleted: its item goes with it."""
    if _deferred.depth:
        _deferred.objects.setdefault(code, set()).add(object_id)
        return
    DueItem.objects.filter(kind=code, object_id=object_id).delete()


def _changed(instance, fields: Iterable[str]) -> tuple[bool, list[str]]:
    """Whether a save changed one of `fields` against the row as read (`KnownKeys.from_db`); a row
    not read from the database counts as changed. Also the fields' attnames."""
    attnames = [instance._meta.get_field(name).attname for name in fields]
    loaded = getattr(instance, "_db_values", None)
    missing = object()
    if loaded is None:
        return True, attnames
    return any(loaded.get(a, missing) != getattr(instance, a) for a in attnames), attnames


def _remember(instance, attnames: list[str]) -> None:
    # A second save of the same object in the transaction compares with what is stored now.
    instance._db_values = {**getattr(instance, "_db_values", {}), **{a: getattr(instance, a) for a in attnames}}


def project_row_saved(watch: ProjectWatch, instance, *, created: bool) -> None:
    """A row that decides its project's items was saved (`apps.core.due.watch_project`): rewrite the
    project's items when it is new, or when the save changed a watched field (any, when none named)."""
    if watch.fields:
        changed, attnames = _changed(instance, watch.fields)
    else:
        changed, attnames = True, []
    if not (created or changed):
        return
    project_id = getattr(instance, watch.project_attr)
    # A row moved to another project: the project it left changes too.
    old = None if created else getattr(instance, "_db_values", {}).get(watch.project_attr)
    projects = [p for p in {project_id, old} if p is not None]
    if _deferred.depth:
        _deferred.projects.update(projects)
    else:
        due_items_write_projects(projects)
    _remember(instance, attnames)


def project_row_deleted(watch: ProjectWatch, instance, *, origin) -> None:
    """A row that decides its project's items was deleted. Not when the project itself is being
    deleted (its items go with it, by their foreign key)."""
    project_model = watch.model if watch.project_attr == "pk" else watch.model._meta.get_field("project").related_model
    origin_model = origin.model if isinstance(origin, QuerySet) else type(origin)
    if watch.project_attr == "pk" or origin_model is project_model:
        return
    project_id = getattr(instance, watch.project_attr)
    if project_id is not None and _deferred.depth:
        _deferred.projects.add(project_id)
    elif project_id is not None:
        due_items_write_projects([project_id])


def _publish_refresh() -> None:
    from .tasks import refresh_due_items_task

    try:
        refresh_due_items_task.apply_async(retry=False)
    except Exception as exc:  # any broker/transport error: the nightly pass catches up
        logger.warning("到期事项重算任务入队失败（%s），将在夜间核对时重算。", exc)


def due_items_refresh_later() -> None:
    """After a warning rule or the working-day calendar changes (and the change commits), every
    row's light days are worked out again in the worker, once per transaction however many rows it
    changed (a calendar loaded from the package is hundreds of days). A broker that cannot be
    reached is logged; the nightly pass repairs the rows then. Off with DUE_ITEMS_REFRESH_ON_EDIT
    (the test settings: a suite's edits must not queue work for other tests' workers)."""
    if not settings.DUE_ITEMS_REFRESH_ON_EDIT:
        return
    connection = transaction.get_connection()
    if any(func is _publish_refresh for _sids, func, *_ in connection.run_on_commit):
        return
    transaction.on_commit(_publish_refresh)
