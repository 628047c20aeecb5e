"""Report periods and their deadlines — the one place that does month arithmetic.

- A period is a calendar month (`Period(2026, 11)`), from its first to its last day.
- The latest report period on a day is the month before it: on 2026-12-06 it is 2026-11.
- The report of a period is due on day N (the 月报报送 rule's `report_due_day`, default 5) of the
  following month; when that day is not a working day on the statutory calendar (a weekend, 国庆),
  the deadline moves to the next working day: 2026-11's report is due on Monday 2026-12-07, not on
  Saturday 2026-12-05.

Every reader (the due registry, lights, statistics, 通报, scoring, OC4IDS, the import) asks this
module; `tests/core/test_one_definition.py` fails when month arithmetic appears anywhere else.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from .services import add_working_days

_KEY = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True, order=True)
class Period:
    """A report period: one calendar month."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError("月份应在1至12之间。")

    @classmethod
    def of(cls, day: dt.date) -> Period:
        """The month `day` falls in."""
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Period:
        """ "2026-11" → Period(2026, 11); anything else is a ValueError with a Chinese message."""
        m = _KEY.match(text.strip())
        if not m or not 2000 <= int(m[1]) <= 2100 or not 1 <= int(m[2]) <= 12:
            raise ValueError(f"报告期“{text}”格式不对，应写成如“2026-11”。")
        return cls(int(m[1]), int(m[2]))

    @cached_property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @cached_property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def next(self) -> Period:
        return Period(self.year + (self.month == 12), self.month % 12 + 1)

    @property
    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    def months_to_date(self) -> range:
        """The months 1..M of the period's year (年初至报告期)."""
        return range(1, self.month + 1)


def month_share(month: int) -> Decimal:
    """Months 1..`month` as a share of the year (month/12): 序时进度 by months."""
    if not 0 <= month <= 12:
        raise ValueError("月份应在0至12之间。")
    return Decimal(month) / 12


def period_end(year: int, month: int) -> dt.date:
    """The last day of (year, month)."""
    return Period(year, month).last_day


def latest_report_period(today: dt.date) -> Period:
    """The latest month whose report is due on `today`: the month before `today`'s month."""
    return Period.of(today).previous


def nominal_deadline(period: Period, due_day: int) -> dt.date:
    """Day `due_day` of the month after `period` (次月N日), before any move for the calendar."""
    following = period.next
    return dt.date(following.year, following.month, due_day)


def report_deadline(period: Period, due_day: int, index=None) -> dt.date:
    """The deadline of `period`'s report: 次月N日, moved to the next working day when that day is a
    weekend or a statutory holiday. `index` (a WorkdayIndex covering the day) saves the calendar
    query when many deadlines are worked out at once."""
    day = nominal_deadline(period, due_day)
    if index is not None and index.covers(day, day + dt.timedelta(days=20)):
        return day if index.is_working_day(day) else index.day(index.count(day) + 1)
    return add_working_days(start=day, days=0)


def period_of_deadline(deadline: dt.date, due_day: int) -> Period:
    """The period whose report deadline is `deadline`: the month before, or two months before when
    the move to a working day crossed into the next month (a due day late in the month)."""
    before = Period.of(deadline).previous
    return before.previous if deadline.day < due_day else before


def report_periods(today: dt.date, due_day: int, index=None) -> list[tuple[Period, dt.date]]:
    """The periods whose report can be open on `today`, with their deadlines: every month of the
    latest report period's year up to it (an unfiled report stays overdue when the month turns),
    and this month's (due next month)."""
    latest = latest_report_period(today)
    periods = [Period(latest.year, m) for m in latest.months_to_date()] + [Period.of(today)]
    return [(p, report_deadline(p, due_day, index)) for p in periods]


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the last day of a shorter month (1-31 + 1 → 2-28)."""
    index = day.year * 12 + day.month - 1 + months
    target = Period(index // 12, index % 12 + 1)
    return dt.date(target.year, target.month, min(day.day, target.last_day.day))


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from `earlier` to `later` (0 until the same day of the next month)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if add_months(earlier, months) > later else months
