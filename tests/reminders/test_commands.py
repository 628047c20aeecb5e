"""manage.py reminders_preview and sweep_reminders."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from apps.reminders.models import BacklogPolicy, ReminderDelivery, ReminderRule

from .conftest import at

pytestmark = pytest.mark.django_db


def test_the_preview_prints_what_would_be_sent_and_writes_nothing(world):
    ReminderRule.objects.filter(subject="milestone").update(backlog_policy=BacklogPolicy.FULL)
    out = StringIO()
    call_command("reminders_preview", "--date", "2025-10-20", stdout=out)
    text = out.getvalue()
    assert "逾期满5个工作日升级" in text
    assert "古罗大道" in text
    assert "包保项目周报" in text
    assert ReminderDelivery.objects.count() == 0


def test_the_preview_of_a_holiday_says_nothing_goes_out(world):
    out = StringIO()
    call_command("reminders_preview", "--date", "2025-10-03", stdout=out)
    assert "不是工作日" in out.getvalue()
    assert "预计发送 0 条" in out.getvalue()


def test_the_preview_rejects_a_malformed_date(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("reminders_preview", "--date", "2025/10/03")


def test_sweep_reminders_runs_one_sweep_now(world):
    out = StringIO()
    with time_machine.travel(at(dt.date(2025, 10, 14)), tick=False):
        call_command("sweep_reminders", "--no-digest", stdout=out)
    assert "新建发送记录 2 条" in out.getvalue()
    assert ReminderDelivery.objects.count() == 2


def test_default_rules_are_seeded_once_and_edits_are_kept(rules):
    from apps.reminders.seeds import load_reminder_rules

    rule = ReminderRule.objects.get(code="milestone-deadline")
    assert sorted(rule.steps.values_list("kind", "working_days")) == [
        ("before", 0),
        ("before", 1),
        ("before", 3),
        ("before", 7),
        ("escalate", 5),
        ("escalate", 15),
        ("overdue", 1),
    ]
    rule.name = "项目办改过的名字"
    rule.save()
    assert load_reminder_rules() == {"rules_created": 0}
    assert ReminderRule.objects.get(code="milestone-deadline").name == "项目办改过的名字"
    assert set(ReminderRule.objects.values_list("subject", flat=True)) == {
        "milestone",
        "problem",
        "start",
        "report",
        "digest",
        "bulletin",
        "handoff",
    }
