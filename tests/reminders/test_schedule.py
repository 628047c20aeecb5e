"""Working-day arithmetic of the steps, around the 2025 National Day holiday: 2025-09-28 (Sunday)
and 2025-10-11 (Saturday) are make-up workdays; 2025-10-01..08 are holidays."""

import datetime as dt

import pytest

from apps.reminders.models import ReminderStep, StepKind
from apps.reminders.schedule import WorkdayIndex, item_timing

pytestmark = pytest.mark.django_db

D = dt.date
STEPS = [ReminderStep(kind=StepKind.BEFORE, working_days=n, recipients=["responsible_dept"]) for n in (7, 3, 1, 0)] + [
    ReminderStep(kind=StepKind.OVERDUE, working_days=1, repeat_every_working_days=3, recipients=["responsible_dept"]),
    ReminderStep(kind=StepKind.ESCALATE, working_days=5, recipients=["leader"]),
    ReminderStep(kind=StepKind.ESCALATE, working_days=15, recipients=["office"]),
]


@pytest.fixture
def index(calendar):
    return WorkdayIndex(D(2025, 8, 1), D(2025, 12, 31))


def test_the_index_knows_make_up_workdays_and_holidays(index):
    assert index.is_working_day(D(2025, 9, 28))  # Sunday, make-up
    assert index.is_working_day(D(2025, 10, 11))  # Saturday, make-up
    assert not any(index.is_working_day(D(2025, 10, d)) for d in range(1, 9))
    assert not index.is_working_day(D(2025, 10, 12))  # ordinary Sunday


@pytest.mark.parametrize(
    ("today", "key", "occurrence", "fire"),
    [
        (D(2025, 9, 26), "before:7", 1, D(2025, 9, 26)),
        (D(2025, 9, 28), "before:7", 1, D(2025, 9, 26)),  # make-up Sunday counts, but no new step fires
        (D(2025, 10, 9), "before:3", 1, D(2025, 10, 9)),
        (D(2025, 10, 11), "before:1", 1, D(2025, 10, 11)),  # the make-up Saturday
        (D(2025, 10, 13), "before:0", 1, D(2025, 10, 13)),
        (D(2025, 10, 14), "overdue:1", 1, D(2025, 10, 14)),
        (D(2025, 10, 16), "overdue:1", 1, D(2025, 10, 14)),
        (D(2025, 10, 17), "overdue:1", 2, D(2025, 10, 17)),
        (D(2025, 10, 22), "overdue:1", 3, D(2025, 10, 22)),
    ],
)
def test_the_latest_due_step_of_an_item_due_on_2025_10_13(index, today, key, occurrence, fire):
    timing = item_timing(STEPS, due=D(2025, 10, 13), today=today, index=index)
    assert (timing.reminder.key, timing.reminder.occurrence, timing.reminder.fire_date) == (key, occurrence, fire)


def test_nothing_is_due_more_than_seven_working_days_ahead(index):
    assert item_timing(STEPS, due=D(2025, 10, 13), today=D(2025, 9, 25), index=index).reminder is None


def test_escalation_thresholds_count_working_days_overdue(index):
    due = D(2025, 10, 13)
    assert item_timing(STEPS, due=due, today=D(2025, 10, 17), index=index).escalations == ()
    five = item_timing(STEPS, due=due, today=D(2025, 10, 20), index=index)
    assert [e.key for e in five.escalations] == ["escalate:5"]
    assert five.overdue == 5
    fifteen = item_timing(STEPS, due=due, today=D(2025, 11, 3), index=index)
    assert [e.key for e in fifteen.escalations] == ["escalate:5", "escalate:15"]
    assert fifteen.overdue == 15


def test_a_deadline_on_a_holiday_is_reminded_on_the_last_working_day_before_it(index):
    timing = item_timing(STEPS, due=D(2025, 10, 5), today=D(2025, 9, 30), index=index)
    assert (timing.reminder.key, timing.reminder.fire_date) == ("before:0", D(2025, 9, 30))
    after = item_timing(STEPS, due=D(2025, 10, 5), today=D(2025, 10, 9), index=index)
    assert (after.reminder.key, after.overdue) == ("overdue:1", 1)


def test_catch_up_counts_the_passed_steps_it_skips(index):
    # given the last reminder written was "before 7" (fire date 2025-09-26)
    timing = item_timing(STEPS, due=D(2025, 10, 13), today=D(2025, 10, 14), index=index, after=D(2025, 9, 26))
    # then only "overdue 1" is due; "before 3", "before 1" and "before 0" were passed over
    assert timing.reminder.key == "overdue:1"
    assert timing.skipped == 3
