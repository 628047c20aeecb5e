"""What is due: the registry of the kinds of item that carry a deadline (DESIGN.md §4–5).

The kernel holds the shape of a kind and the registry; it imports no app. Each domain app that owns
a kind defines it in its own `due.py` (milestones, problems, projects for the planned start,
progress for the monthly report) and registers it in its `AppConfig.ready()`. The overdue list, a
leader's list, the lights, the reminder sweep, the leader digest and the send task's settled check
all read `kinds()`, so they cannot disagree; a new kind is one new `due.py` and one `register`.

Each kind says, once: its open items with their due date, title, project, responsible department
and leader; when an item is settled (done, or its deadline moved); and its link. Every kind yields
`.values()` rows with the same keys (`ROW_KEYS`):
- `id`: the item (a milestone or problem id; the project id for a planned start or a report);
- `due`, `title`, `project_ref`, `project_name`;
- `dept_ref`: the item's responsible department, else the project's 牵头单位;
- `leader_ref`: the item's own leader (a problem's 协调领导), else the project's 包保领导;
- `own_leader_ref`: the item's own leader only (reminders add the project's leaders themselves).

A kind's `sources(today, until, due_day, at=None, past=False, index=None)` returns querysets of such
rows due on or before `until`. `due_day` is the office's monthly due day (the 月报报送 rule's, owned
by the lights, which hand it over through `register_due_day`); `past=True` asks for the items as they
stood on the morning of `today`; `at` (kinds with `by_period`) pins the period whose deadline is `at`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

ROW_KEYS = ("id", "due", "title", "project_ref", "project_name", "dept_ref", "leader_ref", "own_leader_ref")
DEFAULT_DUE_DAY = 5  # the 月报报送 rule's default (lights.selectors.DEFAULTS), until the lights say otherwise
NO_PROJECT_LINK = "/my/"


class DueKindCode:
    """The codes of the kinds the domain apps register (reminder subjects and list filters use them)."""

    MILESTONE = "milestone"
    PROBLEM = "problem"
    START = "start"
    REPORT = "report"


@dataclass(frozen=True)
class DueKind:
    """One kind of due item. `sources(today, until, due_day, ...)` returns querysets of rows
    (ROW_KEYS) due on or before `until`; `order` places the kind in every list, filter and choice."""

    code: str
    label: str
    order: int
    rule_code: str  # the lights' WarningRule whose window makes an item "due soon" (yellow)
    sources: Callable[..., list[QuerySet]]
    link_pattern: str  # a page of the item, formatted with the row's `id` and `project_ref`
    open_q: Q | None = None  # per-row lights: which rows of the kind's model are open (the same test as `sources`)
    open_obj: Callable[[Any], bool] | None = None  # the same test on one loaded object of the kind's model
    link_query: Callable[[dict, int], str] | None = None  # extra query string of the link, from the row and the due day
    by_period: bool = False  # the item is a period's: its due date tells the period (asked per due date)
    # Kept in step as each row is written (the stored due items, apps.lights.services): the kind's own
    # model, whose row is the item (`id` is its pk), and the fields of that model its sources read — a
    # save that changes none of them (a remark) leaves the item as it was and costs nothing.
    model: Any = None
    watch: tuple[str, ...] = ()
    # What the SQL of `sources(today=…, due_day=…)` depends on besides those two and the project
    # ids (a kind of a period: the periods open and their deadlines, from the calendar): a project's
    # stored items are written by a statement compiled once per such key. None: nothing else.
    sources_key: Callable[[dt.date, int], Any] | None = None

    def link(self, row: dict, *, due_day: int | None = None) -> str:
        """The item's page. `due_day` (the 月报报送 rule's) tells a report's period from its deadline
        when a move to a working day crossed into another month; without it, the default day."""
        # An item outside any project (a problem raised for a whole area) has no dossier to open.
        if row.get("project_ref") is None:
            return NO_PROJECT_LINK
        link = self.link_pattern.format(id=row["id"], project_ref=row["project_ref"])
        return link + self.link_query(row, due_day or DEFAULT_DUE_DAY) if self.link_query else link

    def is_open(self, *, object_id: int, due: dt.date) -> bool:
        """The item is still open with this same due date (so a reminder about it still stands)."""
        return (object_id, due) in self.open_among([(object_id, due)])

    def open_among(self, items: Iterable[tuple[int, dt.date]]) -> set[tuple[int, dt.date]]:
        """`is_open` for many (object_id, due) pairs at once: the pairs still open with that due date.
        One query per source, not per item (a period's item is pinned by its due date, so such kinds
        are asked per due date; the other kinds only bound the due date by `until`)."""
        wanted = set(items)
        groups: dict[dt.date | None, set[tuple[int, dt.date]]] = defaultdict(set)
        for object_id, due in wanted:
            groups[due if self.by_period else None].add((object_id, due))
        # A period from its deadline needs the due day (a deadline moved across a month end).
        due_day = due_day_now() if self.by_period and wanted else 0
        found: set[tuple[int, dt.date]] = set()
        for at, group in groups.items():
            ids = {object_id for object_id, _ in group}
            for qs in self.sources(today=None, until=max(due for _, due in group), due_day=due_day, at=at):
                found.update(qs.filter(id__in=ids).values_list("id", "due"))
        return found & wanted


@dataclass(frozen=True)
class ProjectWatch:
    """A model whose rows decide which items of a project are open, or whose people they belong
    to, beyond the kinds' own rows: the project itself (在库, 开工), its 包保领导 and 牵头单位, its
    annual plans, its monthly reports. A save that changes one of `fields` (any save when empty), a
    new row or a deleted one rewrites every stored item of the row's project (apps.lights.services)."""

    model: Any
    project_attr: str  # the attribute holding the project's id ("pk" on the project itself)
    fields: tuple[str, ...] = ()


_registry: dict[str, DueKind] = {}
_project_watches: list[ProjectWatch] = []
_ordered: Mapping[str, DueKind] = MappingProxyType({})
_due_day: list[Callable[[], int]] = []


def register(kind: DueKind) -> DueKind:
    """Add a kind (from its app's `AppConfig.ready()`). A code or a place taken twice is refused:
    two apps cannot both own a kind, and the order of every list must not depend on start-up order."""
    global _ordered
    if kind.code in _registry:
        raise ValueError(f"due kind {kind.code!r} is registered twice")
    if any(k.order == kind.order for k in _registry.values()):
        raise ValueError(f"due kind {kind.code!r} takes order {kind.order}, already taken")
    _registry[kind.code] = kind
    _ordered = MappingProxyType({k.code: k for k in sorted(_registry.values(), key=lambda k: k.order)})
    return kind


def unregister(code: str) -> None:
    """Remove a kind (tests that register a kind of their own)."""
    global _ordered
    _registry.pop(code)
    _ordered = MappingProxyType({k.code: k for k in sorted(_registry.values(), key=lambda k: k.order)})


def kinds() -> Mapping[str, DueKind]:
    """Every registered kind by code, in order (read-only). Read only once the apps are ready: before,
    the registry would be missing the kinds of apps not yet started."""
    if not apps.ready:
        raise RuntimeError("due kinds are read before the apps are ready")
    return _ordered


def watch_project(watch: ProjectWatch) -> None:
    """Add a model whose changes rewrite its project's stored items (from its app's `ready()`)."""
    if any(w.model is watch.model for w in _project_watches):
        raise ValueError(f"{watch.model.__name__} is watched twice")
    _project_watches.append(watch)


def project_watches() -> tuple[ProjectWatch, ...]:
    """Every model registered with `watch_project` so far (see `kinds_registered_so_far`)."""
    return tuple(_project_watches)


def kinds_registered_so_far() -> Mapping[str, DueKind]:
    """The kinds registered until now, for an app's `ready()` that must wire itself to them (signal
    receivers need their senders): the app must come after every kind's app in INSTALLED_APPS."""
    return _ordered


def kind_choices() -> tuple[tuple[str, str], ...]:
    """(code, label) of every kind, in order: the choices of the lists' and the API's type filter."""
    return tuple((k.code, k.label) for k in kinds().values())


def register_due_day(provider: Callable[[], int]) -> None:
    """The office's monthly due day comes from the lights' 月报报送 rule (a derived app the kernel
    does not import): the lights hand over the function that reads it, once, at start-up."""
    _due_day[:] = [provider]


def due_day_now() -> int:
    """The office's monthly due day now (one query when the lights are installed)."""
    return _due_day[0]() if _due_day else DEFAULT_DUE_DAY
