"""The overdue list (逾期与临期清单) and a leader's list: every open item of the due-item registry
(`apps.core.due`) past due or due within its kind's warning window, worst first.

Overdue items carry `days_overdue` and due-soon items `days_left`, each in calendar days and in
working days (statutory calendar); neither is ever negative."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, CharField, IntegerField, Value, When

from apps.core.due import ROW_KEYS, kinds
from apps.core.models import LIGHT_RANK, Light
from apps.organization.models import Department, Leader
from apps.workcalendar.services import WorkdayIndex

from .due import due_rows, item_leaders, project_leaders
from .selectors import LightContext, item_light

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
        self._count: int | None = None

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
        if self._count is None:
            keys = self._keys()
            self._count = 0 if keys is None else keys.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[OverdueItem]:
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
