"""Working-day arithmetic on the Chinese statutory calendar (法定节假日与调休).

Rule: a day is a working day when it is a make-up workday (调休上班), or when it is Monday–Friday
and not a statutory holiday. Years with no calendar rows fall back to Monday–Friday, with a
logged warning, because next year's 调休 is only published each winter.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction

from .models import CalendarDay, DayKind, DaySource

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
            cal.known_years.add(day.year)
        return cal

    def is_working_day(self, day: dt.date) -> bool:
        if day.year not in self.known_years and day.year not in self.warned_years:
            self.warned_years.add(day.year)
            logger.warning("工作日历缺少%s年的节假日数据，该年按周一至周五计算工作日。", day.year)
        if day in self.special:
            return self.special[day]
        return day.weekday() < 5


def is_working_day(*, day: dt.date) -> bool:
    """Whether `day` is a working day on the statutory calendar."""
    return WorkCalendar.load(day.year, day.year).is_working_day(day)


def add_working_days(*, start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (before it when negative); `start` itself is not counted.

    `add_working_days(start=d, days=0)` is `d` when `d` is a working day, else the next working day.
    """
    if abs(days) > MAX_WORKING_DAYS:
        raise ValueError(f"工作日数不能超过{MAX_WORKING_DAYS}天。")
    step = 1 if days >= 0 else -1
    span_years = abs(days) // 200 + 1
    first, last = (start.year, start.year + span_years) if step > 0 else (start.year - span_years, start.year)
    cal = WorkCalendar.load(first, last)
    current = start
    if days == 0:
        while not cal.is_working_day(current):
            current += dt.timedelta(days=1)
        return current
    remaining = abs(days)
    while remaining:
        current += dt.timedelta(days=step)
        if cal.is_working_day(current):
            remaining -= 1
    return current


def working_days_between(*, start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]: 0 for the same day, negative when `end` is before `start`."""
    if end == start:
        return 0
    if end < start:
        return -working_days_between(start=end, end=start)
    cal = WorkCalendar.load(start.year, end.year)
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if cal.is_working_day(current):
            count += 1
    return count


def known_years() -> list[int]:
    """Years that have calendar rows."""
    return sorted({d.year for d in CalendarDay.objects.dates("date", "year")})


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

    created = updated = 0
    to_create = []
    for day, (kind, name) in wanted.items():
        if day in manual_dates:
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
    return {"created": created, "updated": updated}
