"""The beat's monthly 通报: on BULLETIN_DAY, the previous month's, once; and the command."""

from __future__ import annotations

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.bulletins.models import Bulletin
from apps.bulletins.tasks import generate_monthly_bulletin_task
from apps.lights.selectors import report_period


def test_the_task_run_twice_makes_one_scheduled_bulletin_of_the_previous_month(demo_module, db, today):
    # when
    first = generate_monthly_bulletin_task.run()
    second = generate_monthly_bulletin_task.run()
    # then
    year, month = report_period(today)
    bulletin = Bulletin.objects.get()
    assert first == second == bulletin.pk
    assert (bulletin.year, bulletin.month, bulletin.scheduled, bulletin.generated_by) == (year, month, True, None)


def test_an_office_bulletin_of_the_month_does_not_stop_the_scheduled_one(bulletin, demo_month):
    year, month = demo_month
    pk = generate_monthly_bulletin_task.run(year, month)
    assert Bulletin.objects.filter(year=year, month=month).count() == 2
    assert Bulletin.objects.get(pk=pk).version == 2


def test_the_beat_runs_on_bulletin_day_at_half_past_eight():
    entry = settings.CELERY_BEAT_SCHEDULE["monthly-bulletin"]
    assert entry["task"] == "apps.bulletins.tasks.generate_monthly_bulletin_task"
    assert entry["schedule"] == crontab(day_of_month=settings.BULLETIN_DAY, hour=8, minute=30)
    assert entry["options"]["expires"] > 0


def test_the_command_generates_a_new_version_each_time(demo_module, db, demo_month, capsys):
    year, month = demo_month
    call_command("generate_bulletin", year=year, month=month, send=False)
    call_command("generate_bulletin", "--year", str(year), "--month", str(month), "--no-send")
    assert list(Bulletin.objects.filter(year=year, month=month).order_by("version").values_list("version", "sent_at")) == [
        (1, None),
        (2, None),
    ]
    assert "第2版" in capsys.readouterr().out


def test_the_command_refuses_a_bad_month(demo_module, db):
    with pytest.raises(CommandError, match="月份"):
        call_command("generate_bulletin", year=2026, month=13)
