"""Which step of a rule is due for an item on a given day, in working days (pure arithmetic).

Working days are counted with an index c(d) = number of working days up to and including d:
- "before N" fires on the working day W with c(deadline) − c(W) = N (N = 0: the deadline, or the
  last working day before it when the deadline falls on a holiday);
- "overdue N, every K" fires on the working days with c(W) − c(deadline) = N, N+K, N+2K …;
- "escalate N" fires once, when c(today) − c(deadline) ≥ N.

Catch-up (beat down for a day): the before/overdue steps form one track and only the latest step
whose day has come is due; older ones are skipped, never sent late. Each escalation is a track of
its own: a threshold once reached stays reached.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from apps.workcalendar.services import WorkCalendar

from .models import ReminderStep, StepKind


class WorkdayIndex:
    """c(d) and its inverse for every date of a span, from one calendar query."""

    def __init__(self, first: dt.date, last: dt.date, calendar: WorkCalendar | None = None) -> None:
        cal = calendar or WorkCalendar.load(first.year, last.year)
        self.first, self.last = first, last
        self.workdays: list[dt.date] = []
        day = first
        while day <= last:
            if cal.is_working_day(day):
                self.workdays.append(day)
            day += dt.timedelta(days=1)

    def count(self, day: dt.date) -> int:
        """Working days in [first, day]."""
        return bisect.bisect_right(self.workdays, day)

    def day(self, count: int) -> dt.date:
        """The working day W with count(W) == count."""
        return self.workdays[count - 1]

    def is_working_day(self, day: dt.date) -> bool:
        i = bisect.bisect_left(self.workdays, day)
        return i < len(self.workdays) and self.workdays[i] == day

    def horizon(self, today: dt.date, days_ahead: int) -> dt.date:
        """The last date whose deadline is at most `days_ahead` working days after `today`."""
        return self.day(self.count(today) + days_ahead + 1) - dt.timedelta(days=1)

    @classmethod
    def around(cls, today: dt.date, earliest_due: dt.date | None, days_before: int, calendar: WorkCalendar | None = None) -> WorkdayIndex:
        # Margin so that "N working days before the earliest deadline" and the horizon stay inside.
        margin = dt.timedelta(days=2 * days_before + 30)
        first = min(today, earliest_due or today) - margin
        return cls(first, today + margin, calendar)


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
