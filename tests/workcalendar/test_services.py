import datetime as dt
import logging

import pytest

from apps.workcalendar.models import CalendarDay, DayKind, DaySource
from apps.workcalendar.services import (
    add_working_days,
    calendar_load_from_package,
    is_working_day,
    known_years,
    working_days_between,
)

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def calendar():
    calendar_load_from_package()


def test_calendar_load_from_package_covers_every_year_the_package_knows(calendar):
    from chinese_calendar import constants

    years = known_years()
    assert years[0] == min(constants.holidays).year
    assert years[-1] == max(constants.holidays).year
    national_day = CalendarDay.objects.get(date=D(2025, 10, 1))
    assert national_day.kind == DayKind.HOLIDAY
    assert national_day.name == "国庆节"
    assert CalendarDay.objects.get(date=D(2025, 10, 11)).kind == DayKind.MAKEUP_WORKDAY


def test_calendar_load_from_package_twice_changes_nothing(calendar):
    before = CalendarDay.objects.count()
    assert calendar_load_from_package() == {"created": 0, "updated": 0}
    assert CalendarDay.objects.count() == before


def test_calendar_load_from_package_never_overwrites_a_row_entered_by_hand(calendar):
    CalendarDay.objects.filter(date=D(2025, 10, 8)).update(kind=DayKind.MAKEUP_WORKDAY, source=DaySource.MANUAL, note="本地调整")
    calendar_load_from_package()
    row = CalendarDay.objects.get(date=D(2025, 10, 8))
    assert (row.kind, row.source) == (DayKind.MAKEUP_WORKDAY, DaySource.MANUAL)


def test_national_day_holiday_is_skipped(calendar):
    # 2025: 10月1日至8日放假, 9月28日（周日）和10月11日（周六）上班.
    assert add_working_days(start=D(2025, 9, 30), days=1) == D(2025, 10, 9)
    assert working_days_between(start=D(2025, 9, 30), end=D(2025, 10, 9)) == 1
    assert not is_working_day(day=D(2025, 10, 6))


def test_make_up_saturday_counts_as_a_working_day(calendar):
    assert is_working_day(day=D(2025, 10, 11))  # Saturday
    assert add_working_days(start=D(2025, 10, 10), days=1) == D(2025, 10, 11)
    # Sunday 28 September 2025 is a make-up day too: Fri 26 → Sun 28 is one working day.
    assert working_days_between(start=D(2025, 9, 26), end=D(2025, 9, 28)) == 1


def test_working_days_across_national_day_counted_day_by_day(calendar):
    start, end = D(2025, 9, 26), D(2025, 10, 13)
    expected = sum(1 for n in range(1, (end - start).days + 1) if is_working_day(day=start + dt.timedelta(days=n)))
    # 28, 29, 30 Sep; 9, 10, 11 (Sat), 13 Oct
    assert working_days_between(start=start, end=end) == expected == 7


def test_add_and_between_are_inverse_across_a_holiday(calendar):
    start = D(2025, 9, 20)
    for n in range(1, 40):
        target = add_working_days(start=start, days=n)
        assert working_days_between(start=start, end=target) == n
        assert is_working_day(day=target)


def test_negative_days_count_backwards(calendar):
    assert add_working_days(start=D(2025, 10, 9), days=-1) == D(2025, 9, 30)
    assert working_days_between(start=D(2025, 10, 9), end=D(2025, 9, 30)) == -1


def test_zero_days_rolls_a_holiday_forward_to_the_next_working_day(calendar):
    assert add_working_days(start=D(2025, 10, 3), days=0) == D(2025, 10, 9)
    assert add_working_days(start=D(2025, 10, 9), days=0) == D(2025, 10, 9)


def test_a_year_without_data_falls_back_to_monday_to_friday_and_warns_once(calendar, caplog, monkeypatch):
    monkeypatch.setattr("apps.workcalendar.services._WARNED_IN_PROCESS", set())  # as in a new process
    caplog.set_level(logging.WARNING, logger="apps.workcalendar.services")
    # 2030: no rows. Friday 4 Jan 2030 + 1 working day = Monday 7 Jan.
    assert add_working_days(start=D(2030, 1, 4), days=1) == D(2030, 1, 7)
    assert is_working_day(day=D(2030, 1, 1))  # New Year's Day is unknown here, so a plain Tuesday
    # each call loads its own calendar; the log says it once for the process (the demo seed said it ~100 times)
    warned = [r for r in caplog.records if "2030" in r.getMessage() and "周一至周五" in r.getMessage()]
    assert len(warned) == 1


def test_rows_entered_for_an_unknown_year_are_used(calendar):
    CalendarDay.objects.create(date=D(2030, 1, 1), kind=DayKind.HOLIDAY, name="元旦", source=DaySource.MANUAL)
    CalendarDay.objects.create(date=D(2030, 1, 5), kind=DayKind.MAKEUP_WORKDAY, name="元旦", source=DaySource.MANUAL)
    assert not is_working_day(day=D(2030, 1, 1))
    assert add_working_days(start=D(2030, 1, 4), days=1) == D(2030, 1, 5)  # make-up Saturday


def test_add_working_days_rejects_absurd_spans():
    with pytest.raises(ValueError, match="工作日数"):
        add_working_days(start=D(2025, 1, 1), days=100_000)


def test_add_working_days_over_a_callers_index_is_the_same_day(calendar):
    from apps.workcalendar.services import WorkdayIndex

    index = WorkdayIndex(D(2026, 1, 1), D(2026, 12, 31))
    for start in (D(2026, 1, 30), D(2026, 2, 13), D(2026, 9, 30), D(2026, 10, 8), D(2026, 12, 20)):
        for days in (-10, -1, 0, 1, 3, 10):
            assert add_working_days(start=start, days=days, index=index) == add_working_days(start=start, days=days), (start, days)
