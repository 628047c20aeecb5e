"""Working-day arithmetic on the Chinese statutory calendar (法定节假日与调休) — the only place
in the system that counts working days.

Rule: a day is a working day when it is a make-up workday (调休上班), or when it is Monday–Friday
and not a statutory holiday. A year is known only when it is complete (the package provides it,
or the office marks it complete after entering its days, see CalendarYear); days of an unknown
year that have no row fall back to Monday–Friday, with a logged warning, because next year's 调休
is only published each winter.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Count, Max, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, ExtractDay, ExtractMonth, ExtractYear
from django.utils import timezone

from apps.accounts.types import Actor
from apps.core.seeding import mark, marked, seed_key
from apps.core.services import instance_save

from .models import CalendarDay, CalendarYear, DayKind, DaySource

logger = logging.getLogger(__name__)

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

# A guard against runaway loops: no deadline in this trade is counted past ten years.
MAX_WORKING_DAYS = 2500

# The years this process has already warned of: a calendar is loaded per request, task and seed
# step, and one warning per missing year is what the log's reader needs (the seed printed ~100).
_WARNED_IN_PROCESS: set[int] = set()


@dataclass
class WorkCalendar:
    """The special days of a span of years, loaded in one query."""

    special: dict[dt.date, bool] = field(default_factory=dict)  # date -> is working day
    known_years: set[int] = field(default_factory=set)
    warned_years: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, first_year: int, last_year: int) -> WorkCalendar:
        rows = CalendarDay.objects.filter(date__year__gte=first_year, date__year__lte=last_year).values_list("date", "kind")
        cal = cls()
        for day, kind in rows:
            cal.special[day] = kind == DayKind.MAKEUP_WORKDAY
        cal.known_years = set(
            CalendarYear.objects.filter(year__gte=first_year, year__lte=last_year, complete=True).values_list("year", flat=True)
        )
        return cal

    def is_working_day(self, day: dt.date) -> bool:
        if day.year not in self.known_years and day.year not in self.warned_years:
            self.warned_years.add(day.year)
            if day.year not in _WARNED_IN_PROCESS:
                _WARNED_IN_PROCESS.add(day.year)
                logger.warning("工作日历缺少%s年的节假日数据，该年按周一至周五计算工作日。", day.year)
        if day in self.special:
            return self.special[day]
        return day.weekday() < 5


class WorkdayIndex:
    """c(d) = working days in [first, d], and its inverse, for every date of a span, from one
    calendar load: each "how many working days between" is then one subtraction."""

    def __init__(self, first: dt.date, last: dt.date, calendar: WorkCalendar | None = None) -> None:
        cal = calendar or WorkCalendar.load(first.year, last.year)
        self.first, self.last = first, last
        self.workdays: list[dt.date] = []
        day = first
        while day <= last:
            if cal.is_working_day(day):
                self.workdays.append(day)
            day += dt.timedelta(days=1)

    @classmethod
    def spanning(cls, *days: dt.date, margin_days: int = 30, calendar: WorkCalendar | None = None) -> WorkdayIndex:
        """An index covering every given day with `margin_days` calendar days on each side."""
        margin = dt.timedelta(days=margin_days)
        return cls(min(days) - margin, max(days) + margin, calendar)

    def covers(self, *days: dt.date) -> bool:
        return all(self.first <= d <= self.last for d in days)

    def count(self, day: dt.date) -> int:
        """Working days in [first, day]."""
        return bisect.bisect_right(self.workdays, day)

    def day(self, count: int) -> dt.date:
        """The working day W with count(W) == count."""
        return self.workdays[count - 1]

    def is_working_day(self, day: dt.date) -> bool:
        i = bisect.bisect_left(self.workdays, day)
        return i < len(self.workdays) and self.workdays[i] == day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when `end` is before `start`."""
        return self.count(end) - self.count(start)

    def is_first_working_day_of_week(self, day: dt.date) -> bool:
        """Monday, or the day after a Monday holiday: a working day with none before it that week."""
        monday = day - dt.timedelta(days=day.weekday())
        earlier = (monday + dt.timedelta(days=i) for i in range(day.weekday()))
        return self.is_working_day(day) and not any(self.is_working_day(d) for d in earlier)

    def horizon(self, today: dt.date, days_ahead: int) -> dt.date:
        """The last date whose deadline is at most `days_ahead` working days after `today`."""
        return self.day(self.count(today) + days_ahead + 1) - dt.timedelta(days=1)


# --- an index kept between requests, while the calendar is unchanged ----------------------------
#
# Every page and API request that shows a light counts working days over the same two years: two
# queries and ~700 days walked each time. A caller that reads `calendar_stamp()` inside a query it
# makes anyway (the lights read it with the warning rules) gets the index from `workday_index`, kept
# in this process for as long as the stamp is unchanged.
#
# The stamp changes with every write to the calendar: a day added or deleted (the count), changed
# (the version column, which every save counts up), or its date or kind other than it was (a sum of
# each day's date as a number, doubled for a make-up workday: a row rolled back and another written
# in its place, even with the same id, as SQLite reuses them, reads otherwise), a year marked
# complete or not. Nothing writes CalendarDay with a queryset update.

_INDEXES: dict[tuple, WorkdayIndex] = {}
_INDEXES_KEPT = 32  # (span, stamp) pairs: a few spans a day, a new stamp only after an edit


def calendar_stamp() -> Concat:
    """A text expression (two scalar subqueries, for a caller's own query) whose value changes with
    every write to the calendar's days and years."""

    def text(expression) -> Cast:
        return Cast(Coalesce(expression, 0), CharField())

    number = ExtractYear("date") * 10000 + ExtractMonth("date") * 100 + ExtractDay("date")
    weight = Case(When(kind=DayKind.MAKEUP_WORKDAY, then=Value(2)), default=Value(1))
    # Grouped by a constant: one row over the whole table (an aggregate a subquery can return).
    days = (
        CalendarDay.objects.order_by()
        .annotate(g=Value(1))
        .values("g")
        .annotate(s=Concat(text(Count("id")), Value(":"), text(Sum(number * weight)), Value(":"), text(Sum("version"))))
        .values("s")
    )
    years = (
        CalendarYear.objects.order_by()
        .filter(complete=True)
        .annotate(g=Value(1))
        .values("g")
        .annotate(s=Concat(text(Count("id")), Value(":"), text(Sum("year")), Value(":"), text(Max("year"))))
        .values("s")
    )
    return Concat(Coalesce(Subquery(days[:1]), Value("")), Value("/"), Coalesce(Subquery(years[:1]), Value("")), output_field=CharField())


def workday_index(first: dt.date, last: dt.date, *, stamp: str | None) -> WorkdayIndex:
    """`WorkdayIndex(first, last)`, kept in this process under `stamp` (read with `calendar_stamp()`
    in the caller's own query); None: built afresh."""
    if stamp is None:
        return WorkdayIndex(first, last)
    key = (first, last, stamp)
    index = _INDEXES.get(key)
    if index is None:
        if len(_INDEXES) >= _INDEXES_KEPT:
            _INDEXES.clear()
        index = _INDEXES[key] = WorkdayIndex(first, last)
    return index


def is_working_day(*, day: dt.date) -> bool:
    """Whether `day` is a working day on the statutory calendar."""
    return WorkCalendar.load(day.year, day.year).is_working_day(day)


def add_working_days(*, start: dt.date, days: int, index: WorkdayIndex | None = None) -> dt.date:
    """The date `days` working days after `start` (before it when negative); `start` itself is not counted.

    `add_working_days(start=d, days=0)` is `d` when `d` is a working day, else the next working day.
    `index`: one the caller built over many starts (a page of months), used when it covers this one.
    """
    if abs(days) > MAX_WORKING_DAYS:
        raise ValueError(f"工作日数不能超过{MAX_WORKING_DAYS}天。")
    # Any 2n + 31 calendar days hold at least n working days, even across the Spring Festival.
    span = dt.timedelta(days=2 * abs(days) + 31)
    first, last = (start, start + span) if days >= 0 else (start - span, start)
    if index is None or not index.covers(first, last):
        index = WorkdayIndex(first, last)
    if days >= 0:
        if days == 0 and index.is_working_day(start):
            return start
        return index.day(index.count(start) + max(days, 1))
    return index.day(index.count(start - dt.timedelta(days=1)) + days + 1)


def working_days_between(*, start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]: 0 for the same day, negative when `end` is before `start`."""
    if end < start:
        return -working_days_between(start=end, end=start)
    return WorkdayIndex(start, end).between(start, end)


def known_years() -> list[int]:
    """Years whose calendar is complete (provided by the package, or marked complete by the office)."""
    return sorted(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))


@dataclass(frozen=True)
class YearStatus:
    year: int
    known: bool
    entered_days: int
    warning: str


def calendar_year_status(*, year: int) -> YearStatus:
    """Whether `year` is complete and, when it is not, the warning every reader shows."""
    known = CalendarYear.objects.filter(year=year, complete=True).exists()
    entered = CalendarDay.objects.filter(date__year=year).count()
    warning = ""
    if not known:
        warning = (
            f"{year}年的节假日和调休安排尚未完整录入（已录入{entered}天），该年未录入的日期按周一至周五计算。"
            "请项目办在后台“工作日历”录入全年安排后，在“工作日历年度”中标记为已完整录入。"
        )
    return YearStatus(year=year, known=known, entered_days=entered, warning=warning)


def calendar_day_save(*, actor: Actor, day: CalendarDay) -> CalendarDay:
    """Save a day entered or corrected by hand: it becomes the office's (source manual), so loading
    the package never overwrites it."""
    day.source = DaySource.MANUAL
    return instance_save(actor=actor, instance=day)


@transaction.atomic
def calendar_year_mark_complete(*, actor: Actor, year: int, complete: bool = True) -> CalendarYear:
    """The office confirms that every holiday and make-up workday of `year` is entered (or takes it back)."""
    from apps.accounts.policy import require  # the policy imports every app's models

    if complete and not CalendarDay.objects.filter(date__year=year).exists():
        raise ValidationError(f"{year}年还没有录入任何节假日或调休日，不能标记为已完整录入。")
    row = CalendarYear.objects.select_for_update().filter(year=year).first() or CalendarYear(year=year)
    require(actor, "change", row)
    if row.source == DaySource.PACKAGE and not complete:
        raise ValidationError(f"{year}年的日历由国务院办公厅通知（chinesecalendar 包）提供，不能取消完整标记。")
    row.complete = complete
    row.marked_by = actor if actor is not None and actor.pk else None
    row.marked_at = timezone.now()
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def calendar_load_from_package() -> dict[str, int]:
    """Load every year the chinesecalendar package knows; rows entered by hand are never overwritten."""
    from chinese_calendar import constants

    manual_dates = set(CalendarDay.objects.filter(source=DaySource.MANUAL).values_list("date", flat=True))
    existing = {row.date: row for row in CalendarDay.objects.filter(source=DaySource.PACKAGE)}
    wanted: dict[dt.date, tuple[str, str]] = {}
    for day, name in constants.holidays.items():
        wanted[day] = (DayKind.HOLIDAY, HOLIDAY_NAMES_ZH.get(name, name))
    for day, name in constants.workdays.items():
        wanted[day] = (DayKind.MAKEUP_WORKDAY, HOLIDAY_NAMES_ZH.get(name, name))
    keys = {day: seed_key(CalendarDay, {"date": day}) for day in wanted}
    # A package day the office deleted stays deleted (seeded once, apps.core.seeding).
    deleted = marked(keys.values()) - {keys[d] for d in existing} - {keys[d] for d in manual_dates if d in keys}

    created = updated = 0
    to_create = []
    for day, (kind, name) in wanted.items():
        if day in manual_dates or keys[day] in deleted:
            continue
        row = existing.get(day)
        if row is None:
            to_create.append(CalendarDay(date=day, kind=kind, name=name, source=DaySource.PACKAGE))
        elif (row.kind, row.name) != (kind, name):
            row.kind, row.name = kind, name
            row.save(update_fields=["kind", "name"])
            updated += 1
    CalendarDay.objects.bulk_create(to_create)
    created = len(to_create)
    mark(keys.values())
    # Every year the package covers is complete; a year the office completed by hand stays as it is.
    years = {day.year for day in wanted}
    have = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    CalendarYear.objects.bulk_create([CalendarYear(year=y, complete=True, source=DaySource.PACKAGE) for y in sorted(years - have)])
    CalendarYear.objects.filter(year__in=years, complete=False).update(complete=True, source=DaySource.PACKAGE)
    return {"created": created, "updated": updated}
