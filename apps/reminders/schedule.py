"""Which step of a rule is due for an item on a given day, in working days (pure arithmetic).

Working days are counted with the work calendar's index (apps.workcalendar.services.WorkdayIndex),
c(d) = number of working days up to and including d:
- "before N" fires on the working day W with c(deadline) − c(W) = N (N = 0: the deadline, or the
  last working day before it when the deadline falls on a holiday);
- "overdue N, every K" fires on the working days with c(W) − c(deadline) = N, N+K, N+2K …;
- "escalate N" fires once, when c(today) − c(deadline) ≥ N.

Catch-up (beat down for a day): the before/overdue steps form one track and only the latest step
whose day has come is due; older ones are skipped, never sent late. Each escalation is a track of
its own: a threshold once reached stays reached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

# The one working-day index of the system; imported here for the schedule's callers.
from apps.workcalendar.services import WorkdayIndex

from .models import ReminderStep, StepKind

__all__ = ["DueStep", "ItemTiming", "WorkdayIndex", "item_timing"]


@dataclass(frozen=True)
class DueStep:
    step: ReminderStep
    key: str
    label: str
    occurrence: int
    fire_date: dt.date


@dataclass(frozen=True)
class ItemTiming:
    remaining: int  # working days left (0 on the due day); negative once overdue
    reminder: DueStep | None  # the latest before/overdue step whose day has come
    escalations: tuple[DueStep, ...]  # every escalation threshold reached
    skipped: int  # before/overdue occurrences after `after` superseded by `reminder` (catch-up)

    @property
    def overdue(self) -> int:
        return max(0, -self.remaining)


def item_timing(
    steps: Iterable[ReminderStep], *, due: dt.date, today: dt.date, index: WorkdayIndex, after: dt.date | None = None
) -> ItemTiming:
    """The due steps of one item on `today`; `after` is the fire date of the last reminder already written."""
    c_due, c_today = index.count(due), index.count(today)
    overdue = c_today - c_due if today > due else 0
    remaining = c_due - c_today if today <= due else -overdue
    c_after = index.count(after) if after else 0
    latest: tuple[int, DueStep] | None = None
    passed_after = 0
    escalations: list[DueStep] = []
    for step in steps:
        n, every = step.working_days, step.repeat_every_working_days
        if step.kind == StepKind.BEFORE:
            fire = c_due - n
            if not 1 <= fire <= c_today:
                continue
            candidate = DueStep(step, step.key, step.label, 1, index.day(fire))
            passed_after += fire > c_after
        elif step.kind == StepKind.OVERDUE:
            if today <= due or overdue < n:
                continue
            k = (overdue - n) // every if every else 0
            fire = c_due + n + k * every
            label = f"逾期{n + k * every}个工作日提醒" if k else step.label.split("，")[0]
            candidate = DueStep(step, step.key, label, k + 1, index.day(fire))
            # occurrences j = 0..k fire at c_due + n + j*every; count those after the cursor
            first_j = 0 if c_after < c_due + n else (c_after - c_due - n) // every + 1 if every else 1
            passed_after += max(0, k - first_j + 1)
        else:
            if today > due and overdue >= n:
                escalations.append(DueStep(step, step.key, step.label, 1, index.day(c_due + n)))
            continue
        rank = (fire, step.kind == StepKind.OVERDUE)
        if latest is None or rank > latest[0]:
            latest = (rank, candidate)
    if latest is None:
        return ItemTiming(remaining, None, tuple(escalations), 0)
    reminder = latest[1]
    skipped = max(0, passed_after - 1) if reminder.fire_date > (after or dt.date.min) else 0
    return ItemTiming(remaining, reminder, tuple(escalations), skipped)
