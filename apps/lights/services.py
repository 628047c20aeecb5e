"""Stored due items (`DueItem`): the due-item registry's live answer (`apps.core.due.kinds()`) kept as
rows, each with the days its light turns yellow and red (issue 21, docs/decisions/0006-stored-due-items.md).

The registry stays the one definition of what is due: this module only copies its answer and works
out, once per item, the two days on which `item_light` would change its answer —

- yellow from the first day on which the item is "due soon": its due date within the kind's warning
  window of N working days (`WorkdayIndex.horizon`), i.e. the (count(due) − N)-th working day;
- red from the first day past the kind's red cutoff (`selectors.light_context`'s `red_before`): the
  day after the due date (milestones, problems and any kind without a rule of its own), the day
  after `red_after_months` months past a planned start, `report_red_from` for a report's period.

A light on day D is then `D >= red_from` red, else `D >= yellow_from` yellow, else green; NULL days:
the kind's warning rule is switched off. Tests hold both equal to `item_light` over many days.

What is open depends on the day for two kinds (a report period opens with its month, a project counts
as started from its 实际开工日期): `due_items_refresh` without `project_ids` is the nightly pass that
brings every row to the new day, and reports any other drift it had to repair.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Value
from django.utils import timezone

from apps.core.due import DueKindCode, kinds
from apps.workcalendar.periods import add_months, period_of_deadline
from apps.workcalendar.services import WorkdayIndex

from .models import DueItem, RuleCode
from .selectors import Thresholds, all_thresholds, report_red_from

logger = logging.getLogger(__name__)

# Every open item whatever its due date: the registry's sources are bounded by `until`.
FAR_FUTURE = dt.date(9999, 12, 31)
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


def light_days(code: str, due: dt.date, t: Thresholds, index: WorkdayIndex, due_day: int) -> tuple[dt.date | None, dt.date | None]:
    """(yellow_from, red_from) of an open item of kind `code` due on `due` under its rule `t`.
    `index` must cover `due` and N working days before it."""
    if not t.enabled:
        return None, None
    k = index.count(due) - t.due_soon_working_days
    yellow = index.day(k) if k >= 1 else index.first
    if code == DueKindCode.START:
        red = add_months(due, t.red_after_months) + dt.timedelta(days=1)
    elif code == DueKindCode.REPORT:
        red = report_red_from(period_of_deadline(due, due_day), t, index)
    else:
        red = due + dt.timedelta(days=1)
    return min(yellow, red), red


def _light_index(dues: Iterable[dt.date], today: dt.date, rules: dict[str, Thresholds]) -> WorkdayIndex:
    """One calendar load covering every due date, the working-day windows before them, and the
    report deadlines' moves (`report_red_from` looks past a period's deadline)."""
    dues = list(dues) or [today]
    widest = max(t.due_soon_working_days for t in rules.values())
    first = min(min(dues), today) - dt.timedelta(days=3 * widest + 40)
    last = max(max(dues), today) + dt.timedelta(days=80)
    return WorkdayIndex(first, last)


def live_due_items(*, today: dt.date, project_ids: Collection[int] | None = None) -> dict[Key, DueItem]:
    """The registry's open items on `today` (for `project_ids` only, when given) as unsaved rows."""
    rules = all_thresholds()
    due_day = rules[RuleCode.REPORT_FILING].report_due_day
    parts = []
    for code, kind in kinds().items():
        for source in kind.sources(today=today, until=FAR_FUTURE, due_day=due_day):
            if project_ids is not None:
                source = source.filter(project_ref__in=list(project_ids))
            parts.append(source.order_by().annotate(kind=Value(code, output_field=CharField())))
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


def due_items_refresh(*, today: dt.date | None = None, project_ids: Collection[int] | None = None) -> Drift:
    """Make the stored rows (of `project_ids`, or all) equal to the registry's live answer on `today`:
    add the missing, remove the settled, correct the changed. Returns what it changed."""
    today = today or timezone.localdate()
    with transaction.atomic():
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
    due_items_refresh(today=today)
    return drift


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
