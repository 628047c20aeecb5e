"""The overdue list (逾期与临期清单) and a leader's list: every open item of the due-item registry
(`apps.core.due`) past due or due within its kind's warning window, worst first.

Overdue items carry `days_overdue` and due-soon items `days_left`, each in calendar days and in
working days (statutory calendar); neither is ever negative.

Both read the stored due items (`DueItem`, apps.lights.services) when they were last brought to the
day asked for: a lit item is then one whose `yellow_from` has come, red when its `red_from` has, a
range scan of an index instead of the registry's UNION of every source. A day gone by (`ctx.past`),
or rows not yet brought to today (a system that was down over midnight), is computed live from the
registry as before; tests hold both answers equal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from apps.core.due import ROW_KEYS, kinds
from apps.core.models import LIGHT_RANK, Light
from apps.organization.models import Department, Leader
from apps.projects.models import ProjectResponsibility, ResponsibilityRole
from apps.workcalendar.services import WorkdayIndex

from .due import due_rows, item_leaders, project_leaders
from .models import DueItem
from .selectors import LightContext, item_light, stored_answers

TODAY_DUE = "今天到期"


def time_left_label(days_left: int) -> str:
    """How the time left on an item not yet overdue reads, everywhere: 今天到期 on its due day (never
    "剩余 0 天"), else 剩余 N 天."""
    return TODAY_DUE if days_left <= 0 else f"剩余 {days_left} 天"


@dataclass
class OverdueItem:
    type: str
    id: int
    title: str
    project_id: int | None
    project_name: str | None
    department_id: int | None
    department_name: str | None
    leader_id: int | None
    leader_position: str | None
    due_date: dt.date
    days_overdue: int
    working_days_overdue: int
    days_left: int
    working_days_left: int
    light: str
    link: str
    leader_ids: tuple[int, ...] = ()


def item_days(due: dt.date, today: dt.date, index: WorkdayIndex) -> tuple[int, int, int, int]:
    """(days overdue, working days overdue, days left, working days left); the unused pair is 0."""
    if due < today:
        return (today - due).days, index.between(due, today), 0, 0
    return 0, 0, (due - today).days, index.between(today, due)


# A stored row as the registry's row (apps.core.due.ROW_KEYS), for `build_items` and the links.
STORED_ROW = {
    "id": "object_id",
    "due": "due",
    "title": "title",
    "project_ref": "project_id",
    "project_name": "project__name",
    "dept_ref": "department_id",
    "leader_ref": "leader_id",
    "own_leader_ref": "own_leader_id",
}


def stored_items(
    ctx: LightContext,
    codes: list[str],
    *,
    leader: int | None = None,
    department: int | None = None,
    region: int | None = None,
    light: str | None = None,
) -> QuerySet[DueItem]:
    """The stored items of `codes` lit on `ctx.today`, narrowed as `due_rows` narrows (a leader's:
    its own items and those of the projects it leads; a region's: its projects and its townships')."""
    today = ctx.today
    qs = DueItem.objects.filter(kind__in=codes, yellow_from__lte=today)
    if light == Light.RED:
        qs = qs.filter(red_from__lte=today)
    elif light == Light.YELLOW:
        qs = qs.filter(red_from__gt=today)
    elif light == Light.GREEN:  # an open item past due or due soon is never green
        qs = qs.none()
    if leader:
        leads = ProjectResponsibility.objects.filter(role=ResponsibilityRole.LEAD_LEADER, leader_id=leader).values("project_id")
        # Its items as a UNION of two index reads (own leader; its projects), not an OR that PostgreSQL
        # checks against every lit item of the portfolio (17 ms at 20 000 projects; 4 ms so).
        own = DueItem.objects.filter(own_leader_id=leader).values("pk")
        qs = qs.filter(pk__in=own.union(DueItem.objects.filter(project_id__in=leads).values("pk"), all=True))
    if department:
        qs = qs.filter(department_id=department)
    if region:
        qs = qs.filter(Q(project__region_id=region) | Q(project__region__parent_id=region))
    return qs


def stored_rows(qs: QuerySet[DueItem]) -> list[tuple[str, dict]]:
    """(kind, registry row) of each stored item of `qs`, in its order."""
    fields = list(STORED_ROW.values())
    return [(kind, dict(zip(STORED_ROW, values, strict=True))) for kind, *values in qs.values_list("kind", *fields)]


def due_items(
    *,
    ctx: LightContext,
    leader: int | None = None,
    department: int | None = None,
    region: int | None = None,
    light: str | None = None,
    item_type: str | None = None,
    until: dict[str, dt.date] | None = None,
) -> list[OverdueItem]:
    """Open items past due or due on or before `until[kind]` (default: the kind's warning window),
    worst light first, then most overdue / soonest due."""
    today = ctx.today
    rows: list[tuple[str, dict]] = []
    codes = [code for code in kinds() if item_type in (None, code) and ctx.windows[code].enabled]
    if until is None and stored_answers(ctx):
        rows = stored_rows(stored_items(ctx, codes, leader=leader, department=department, region=region, light=light))
        items = build_items(rows, ctx=ctx, light=light)
        items.sort(key=lambda i: (-LIGHT_RANK[Light(i.light)], -i.days_overdue, i.days_left, i.type, i.id))
        return items
    for code in kinds():
        if item_type not in (None, code) or not ctx.windows[code].enabled:
            continue
        limit = (until or {}).get(code, ctx.limits[code])
        narrowing = {"leader": leader, "department": department, "region": region}
        for qs in due_rows(code, today=today, until=limit, due_day=ctx.report_due_day, past=ctx.past, index=ctx.index, **narrowing):
            rows += [(code, row) for row in qs]
    items = build_items(rows, ctx=ctx, light=light)
    items.sort(key=lambda i: (-LIGHT_RANK[Light(i.light)], -i.days_overdue, i.days_left, i.type, i.id))
    return items


def build_items(rows: list[tuple[str, dict]], *, ctx: LightContext, light: str | None = None) -> list[OverdueItem]:
    """Items from registry rows (kind, row), with names, days and links, in four queries whatever the count."""
    today = ctx.today
    if not rows:
        return []
    departments = dict(Department.objects.filter(pk__in={r["dept_ref"] for _, r in rows if r["dept_ref"]}).values_list("pk", "name"))
    leaders = dict(Leader.objects.filter(pk__in={r["leader_ref"] for _, r in rows if r["leader_ref"]}).values_list("pk", "position"))
    leaders_of_project = project_leaders({r["project_ref"] for _, r in rows if r["project_ref"]})
    dues = [r["due"] for _, r in rows]
    index = WorkdayIndex.spanning(today, *dues)
    items = []
    for code, row in rows:
        due = row["due"]
        lgt = item_light(code, due, ctx)
        if light and lgt != light:
            continue
        over, w_over, left, w_left = item_days(due, today, index)
        items.append(
            OverdueItem(
                type=code,
                id=row["id"],
                title=row["title"],
                project_id=row["project_ref"],
                project_name=row["project_name"],
                department_id=row["dept_ref"],
                department_name=departments.get(row["dept_ref"]),
                leader_id=row["leader_ref"],
                leader_position=leaders.get(row["leader_ref"]),
                due_date=due,
                days_overdue=over,
                working_days_overdue=w_over,
                days_left=left,
                working_days_left=w_left,
                light=Light(lgt).value,
                link=kinds()[code].link(row, due_day=ctx.report_due_day),
                leader_ids=tuple(item_leaders(row, leaders_of_project)),
            )
        )
    return items


class DueItemPage:
    """The overdue list as a lazy sequence for Django's paginator: it counts in the database and
    loads only the rows of the page asked for, so a page of 20 costs the same for 50 items and for
    50 000. The order is `due_items`' order: red before yellow, most overdue and soonest due first —
    for rows that are all past due or due soon, that is simply (yellow, due date, kind, id), where
    "yellow" is 0 for an item due before its kind's red cutoff, 1 otherwise."""

    def __init__(
        self,
        *,
        ctx: LightContext,
        leader: int | None = None,
        department: int | None = None,
        region: int | None = None,
        light: str | None = None,
        item_type: str | None = None,
    ) -> None:
        self.ctx = ctx
        self.light = light
        self.narrowing = {"leader": leader, "department": department, "region": region}
        self.codes = [c for c in kinds() if item_type in (None, c) and ctx.windows[c].enabled]
        self.item_type = item_type
        self._count: int | None = None
        self._red: int | None = None  # of the stored items counted, the red ones
        self.stored = stored_answers(ctx)

    def _stored_counts(self) -> tuple[int, int]:
        """(all, red) of the stored items listed: one query."""
        if self._count is None or self._red is None:
            qs = stored_items(self.ctx, self.codes, light=self.light, **self.narrowing)
            counts = qs.aggregate(n=Count("id"), red=Count("id", filter=Q(red_from__lte=self.ctx.today)))
            self._count, self._red = counts["n"], counts["red"]
        return self._count, self._red

    def _stored_page(self, window: slice) -> list[tuple[str, dict]]:
        """The rows of `window`: red items first, then yellow, each in (due, kind, object_id) order —
        two ordered reads of the index `due_item_order` (the second only when the page reaches the
        yellow ones), not a sort of every lit item by a key that changes with the day."""
        total, red = self._stored_counts()
        start, stop = window.start or 0, total if window.stop is None else window.stop
        today, order = self.ctx.today, ("due", "kind", "object_id")
        qs = stored_items(self.ctx, self.codes, light=self.light, **self.narrowing)
        rows = []
        if start < red:
            rows += stored_rows(qs.filter(red_from__lte=today).order_by(*order)[start : min(stop, red)])
        if stop > red:
            # Not red yet: red from a later day (NULL only while a service is working it out).
            yellow = qs.filter(Q(red_from__gt=today) | Q(red_from__isnull=True))
            rows += stored_rows(yellow.order_by(*order)[max(start - red, 0) : stop - red])
        return rows

    def _sources(self, code: str) -> list:
        ctx = self.ctx
        sources = due_rows(
            code, today=ctx.today, until=ctx.limits[code], due_day=ctx.report_due_day, past=ctx.past, index=ctx.index, **self.narrowing
        )
        red_before = ctx.red_before.get(code, ctx.today)  # past due but not yet red is yellow (start, report)
        if self.light == Light.RED:
            return [qs.filter(due__lt=red_before) for qs in sources]
        if self.light == Light.YELLOW:
            return [qs.filter(due__gte=red_before) for qs in sources]
        if self.light == Light.GREEN:  # an open item past due or due soon is never green
            return []
        return sources

    def _keys(self):
        parts = [
            qs.order_by()
            .annotate(
                kind=Value(code, output_field=CharField()),
                yellow=Case(
                    When(due__lt=self.ctx.red_before.get(code, self.ctx.today), then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                ),
            )
            .values_list("kind", "id", "due", "yellow")
            for code in self.codes
            for qs in self._sources(code)
        ]
        if not parts:
            return None
        return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    def count(self) -> int:
        if self._count is None and self.stored:
            self._stored_counts()
        if self._count is None:
            keys = self._keys()
            self._count = 0 if keys is None else keys.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def light_counts(self) -> tuple[int, int]:
        """(red, yellow) among the items listed: the count's own query for the stored items."""
        if self.stored:
            total, red = self._stored_counts()
            return red, total - red
        if self.light is not None:  # red only, yellow only, or green (never an open item's light)
            return {Light.RED: (self.count(), 0), Light.YELLOW: (0, self.count())}.get(self.light, (0, 0))
        red = DueItemPage(ctx=self.ctx, light=Light.RED, item_type=self.item_type, **self.narrowing).count()
        return red, self.count() - red

    def __getitem__(self, window: slice) -> list[OverdueItem]:
        if self.stored:  # the page's rows with their project's name, in one query (two across red and yellow)
            return build_items(self._stored_page(window), ctx=self.ctx)
        keys = self._keys()
        if keys is None:
            return []
        page = [key[:3] for key in keys.order_by("yellow", "due", "kind", "id")[window]]
        if not page:
            return []
        wanted: dict[str, set[int]] = {}
        for code, pk, _due in page:
            wanted.setdefault(code, set()).add(pk)
        # The page's rows in one more query, whatever kinds it shows (UNION ALL of their sources).
        parts = [
            qs.filter(id__in=ids).order_by().annotate(kind=Value(code, output_field=CharField())).values_list("kind", *ROW_KEYS)
            for code, ids in wanted.items()
            for qs in self._sources(code)
        ]
        rows: dict[tuple[str, int, dt.date], dict] = {}
        for code, *values in parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]:
            row = dict(zip(ROW_KEYS, values, strict=True))
            rows[(code, row["id"], row["due"])] = row
        found = [(code, rows[(code, pk, due)]) for code, pk, due in page if (code, pk, due) in rows]
        return build_items(found, ctx=self.ctx)


def lit_counts(ctx: LightContext, by: str) -> dict[int | None, list[int]]:
    """unit id → [red, yellow]: the items `due_items(ctx=ctx)` lists, counted per 责任单位
    (`department`, None for none), per region of their project and that region's parent (`region`), or
    per leader they belong to (`leader`, the rule of `item_leaders`: each of the project's 包保领导
    rows, then the item's own leader when not among them) — grouped in SQL over the stored rows
    instead of building every item. Only while they answer for the day (`stored_answers(ctx)`)."""
    if not stored_answers(ctx):
        raise ValueError("the stored items do not answer for this day")
    today = ctx.today
    codes = [code for code in kinds() if ctx.windows[code].enabled]
    lit = DueItem.objects.filter(kind__in=codes, yellow_from__lte=today).order_by()
    tallies = {"red": Count("id", filter=Q(red_from__lte=today)), "yellow": Count("id", filter=Q(red_from__gt=today))}
    counts: dict[int | None, list[int]] = {}

    def add(rows) -> None:
        for key, red, yellow in rows:
            mine = counts.setdefault(key, [0, 0])
            mine[0] += red
            mine[1] += yellow

    if by == "department":
        add(lit.values_list("department_id").annotate(**tallies))
    elif by == "region":
        # One scan grouped by (region, parent), each pair's counts added to both: not one per level.
        pairs = lit.filter(project__region_id__isnull=False).values_list("project__region_id", "project__region__parent_id")
        for region, parent, red, yellow in pairs.annotate(**tallies):
            add((key, red, yellow) for key in dict.fromkeys((region, parent)) if key is not None)
    elif by == "leader":
        role = ResponsibilityRole.LEAD_LEADER
        # One count per lead row, as item_leaders lists them (the filter's join is the one grouped on).
        leads = lit.filter(project__responsibilities__role=role, project__responsibilities__leader_id__isnull=False)
        add(leads.values_list("project__responsibilities__leader_id").annotate(**tallies))
        among = ProjectResponsibility.objects.filter(project_id=OuterRef("project_id"), role=role, leader_id=OuterRef("own_leader_id"))
        add(lit.filter(own_leader_id__isnull=False).exclude(Exists(among)).values_list("own_leader_id").annotate(**tallies))
    else:
        raise ValueError(by)
    return counts
