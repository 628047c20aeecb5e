import datetime as dt
import logging

import pytest
import time_machine

from apps.workcalendar.services import calendar_load_from_package
from apps.workcalendar.tasks import check_calendar_coverage_task

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
def test_check_calendar_coverage_task_warns_about_next_year(caplog):
    calendar_load_from_package()
    caplog.set_level(logging.WARNING, logger="apps.workcalendar.tasks")
    result = check_calendar_coverage_task.apply().get()
    assert result["missing"] == [2027]
    assert "2027" in caplog.text


@time_machine.travel(dt.datetime(2025, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
def test_check_calendar_coverage_task_is_quiet_when_both_years_are_known(caplog):
    calendar_load_from_package()
    assert check_calendar_coverage_task.apply().get()["missing"] == []


def test_the_beat_schedule_is_static_and_every_entry_expires():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["options"]["expires"] > 0, name
