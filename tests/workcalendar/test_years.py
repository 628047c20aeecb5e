"""A year is known only when it is complete: one entered day does not make 2027 known."""

import datetime as dt
import logging

import pytest
from django.core.exceptions import ValidationError

from apps.workcalendar.models import CalendarYear, DaySource
from apps.workcalendar.services import (
    WorkCalendar,
    calendar_load_from_package,
    calendar_year_mark_complete,
    calendar_year_status,
    known_years,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def office_client(db):
    from rest_framework.test import APIClient

    calendar_load_from_package()
    client = APIClient()
    user = UserFactory(username="xmb", role="office")
    client.force_authenticate(user)
    client.user = user
    return client


def test_one_entered_2027_day_still_answers_year_unknown_with_the_warning(office_client, caplog, monkeypatch):
    # given the office enters one 2027 holiday
    created = office_client.post("/api/v1/calendar/days/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}, format="json")
    assert created.status_code == 201, created.content
    # when another 2027 day is asked about (most likely inside the 2027 Spring Festival)
    body = office_client.get("/api/v1/calendar/working-day/", {"date": "2027-02-08"}).json()
    # then the year is not known, the API says so, and the day counts Monday–Friday with a warning
    assert body["year_known"] is False
    assert "2027年" in body["warning"]
    assert "已录入1天" in body["warning"]
    assert body["is_working_day"] is True
    assert 2027 not in known_years()
    monkeypatch.setattr("apps.workcalendar.services._WARNED_IN_PROCESS", set())  # the log says it once a process
    with caplog.at_level(logging.WARNING, logger="apps.workcalendar.services"):
        assert WorkCalendar.load(2027, 2027).is_working_day(dt.date(2027, 2, 8)) is True
    assert "工作日历缺少2027年" in caplog.text
    # and the entered day itself counts
    assert office_client.get("/api/v1/calendar/working-day/", {"date": "2027-01-01"}).json()["is_working_day"] is False


def test_the_office_marks_a_year_complete_after_entering_its_days(office_client, caplog):
    office_client.post("/api/v1/calendar/days/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}, format="json")
    calendar_year_mark_complete(actor=office_client.user, year=2027)
    body = office_client.get("/api/v1/calendar/working-day/", {"date": "2027-02-08"}).json()
    assert (body["year_known"], body["warning"]) == (True, "")
    assert 2027 in known_years()
    with caplog.at_level(logging.WARNING, logger="apps.workcalendar.services"):
        WorkCalendar.load(2027, 2027).is_working_day(dt.date(2027, 2, 8))
    assert "工作日历缺少2027年" not in caplog.text
    row = CalendarYear.objects.get(year=2027)
    assert (row.source, row.marked_by) == (DaySource.MANUAL, office_client.user)


def test_a_year_with_no_entered_day_cannot_be_marked_complete(db):
    with pytest.raises(ValidationError, match="还没有录入任何节假日"):
        calendar_year_mark_complete(actor=None, year=2028)
    assert not CalendarYear.objects.filter(year=2028, complete=True).exists()


def test_package_years_are_complete_and_cannot_be_taken_back(db):
    calendar_load_from_package()
    assert calendar_year_status(year=2025).known
    assert set(range(2004, 2027)) <= set(known_years())
    with pytest.raises(ValidationError, match="不能取消完整标记"):
        calendar_year_mark_complete(actor=None, year=2025, complete=False)


def test_the_office_marks_a_year_complete_in_the_admin(db, client):
    from apps.workcalendar.models import CalendarDay, DayKind

    office = UserFactory(username="admin-office", role="office", is_staff=True, is_superuser=True)
    client.force_login(office)
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    row = CalendarYear.objects.create(year=2027)
    response = client.post("/admin/workcalendar/calendaryear/", {"action": "mark_complete", "_selected_action": [row.pk]}, follow=True)
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.complete
    assert row.marked_by == office
