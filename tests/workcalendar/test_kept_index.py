"""The working-day index kept between requests (`workday_index` under `calendar_stamp`): a light
context reads the calendar's stamp with the warning rules and reuses the index while the calendar is
unchanged; every kind of write to the calendar (a day entered, corrected, deleted, a year marked
complete or not) is seen by the next context."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.lights.selectors import light_context
from apps.workcalendar import services as calendar
from apps.workcalendar.models import CalendarDay, DayKind

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 11, 27)  # a Friday; the index spans 2026 and 2027 (2027 unknown to the package)
MONDAY = D(2026, 11, 30)  # an ordinary working day
SATURDAY = D(2026, 11, 28)


@pytest.fixture
def fresh(reference, monkeypatch):
    """The reference data, and no index kept from earlier tests of this process."""
    monkeypatch.setattr(calendar, "_INDEXES", {})


def _index():
    return light_context(today=TODAY).index


def test_the_index_is_kept_while_the_calendar_is_unchanged_and_costs_no_query(fresh):
    first = _index()
    with CaptureQueriesContext(connection) as queries:
        again = _index()
    # then the same index, and only the rules' query (the stamp and the stored day ride on it)
    assert again is first
    assert len(queries.captured_queries) == 1, [q["sql"][:120] for q in queries.captured_queries]


def test_a_day_entered_corrected_and_deleted_is_seen_by_the_next_context(fresh, office_user):
    assert _index().is_working_day(MONDAY)
    # when the office enters Monday as a holiday
    day = calendar.calendar_day_save(actor=office_user, day=CalendarDay(date=MONDAY, kind=DayKind.HOLIDAY, name="临时休假"))
    # then the next context does not count it
    assert not _index().is_working_day(MONDAY)
    # when it corrects the row to a make-up workday (same row, same count: the version moved)
    day.kind = DayKind.MAKEUP_WORKDAY
    calendar.calendar_day_save(actor=office_user, day=day)
    assert _index().is_working_day(MONDAY)
    # and a Saturday entered as a make-up workday, then deleted
    saturday = calendar.calendar_day_save(actor=office_user, day=CalendarDay(date=SATURDAY, kind=DayKind.MAKEUP_WORKDAY, name="调休"))
    assert _index().is_working_day(SATURDAY)
    saturday.delete()
    assert not _index().is_working_day(SATURDAY)


def test_a_year_marked_complete_or_not_is_seen_by_the_next_context(fresh, office_user):
    # 2027 is unknown: New Year's Day (a Friday) counts as a working day until rows say otherwise
    new_year = D(2027, 1, 1)
    CalendarDay.objects.create(date=new_year, kind=DayKind.HOLIDAY, name="元旦")
    before = _index()
    calendar.calendar_year_mark_complete(actor=office_user, year=2027)
    marked = _index()
    assert marked is not before  # the year's mark is in the stamp: a new index
    assert not marked.is_working_day(new_year)
    calendar.calendar_year_mark_complete(actor=office_user, year=2027, complete=False)
    assert _index() is not marked
