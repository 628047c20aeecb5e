"""The sweep with frozen time: the right step on the right working day, never on a holiday or a
weekend (but on a make-up workday), escalation, completion, rule changes, idempotency."""

import datetime as dt

import pytest
import time_machine

from apps.milestones.models import MilestoneStatus
from apps.problems.models import NoticeType, SupervisionNotice
from apps.reminders.models import BacklogPolicy, Channel, ReminderDelivery, ReminderRule, ReminderStep, StepKind, SweepLock
from apps.reminders.services import lease_lock, reminders_sweep
from tests.factories import MilestoneFactory

from .conftest import at, sweep_on

pytestmark = pytest.mark.django_db

D = dt.date


def _keys(**filters) -> set[tuple[str, int]]:
    return set(ReminderDelivery.objects.filter(**filters).values_list("step_key", "occurrence"))


def test_each_step_fires_on_its_working_day_and_never_on_a_holiday_or_weekend(world):
    # given a milestone due Monday 2025-10-13, just after the National Day holiday
    # when the sweep runs every day at 10:00 from 2025-09-20 to 2025-11-05
    fired: dict[dt.date, set] = {}
    day = D(2025, 9, 20)
    while day <= D(2025, 11, 5):
        before = _keys()
        sweep_on(day)
        new = _keys() - before
        if new:
            fired[day] = new
        day += dt.timedelta(days=1)
    # then
    assert fired == {
        D(2025, 9, 26): {("before:7", 1)},
        D(2025, 10, 9): {("before:3", 1)},
        D(2025, 10, 11): {("before:1", 1)},  # make-up Saturday
        D(2025, 10, 13): {("before:0", 1)},
        D(2025, 10, 14): {("overdue:1", 1)},
        D(2025, 10, 17): {("overdue:1", 2)},
        D(2025, 10, 20): {("escalate:5", 1)},
        D(2025, 10, 22): {("overdue:1", 3)},
        D(2025, 10, 27): {("overdue:1", 4)},
        D(2025, 10, 30): {("overdue:1", 5)},
        D(2025, 11, 3): {("escalate:15", 1), ("handoff:notice_issued", 1)},  # the automatic 督办函 tells its department
        D(2025, 11, 4): {("overdue:1", 6)},
    }


def test_nothing_is_written_on_a_holiday_or_a_weekend_even_for_an_overdue_item(world):
    MilestoneFactory(project=world.project, planned_date=D(2025, 9, 15), responsible_dept=world.dept)
    for day in (D(2025, 10, 3), D(2025, 10, 4), D(2025, 10, 12)):  # holiday, holiday Saturday, Sunday
        assert sweep_on(day).created == 0
    assert ReminderDelivery.objects.count() == 0
    assert sweep_on(D(2025, 10, 11)).created > 0  # the make-up Saturday sends


def test_a_make_up_sunday_sends_what_falls_due_that_day(world):
    world.milestone.planned_date = D(2025, 9, 28)
    world.milestone.save()
    sweep_on(D(2025, 9, 28))
    assert _keys() == {("before:0", 1)}


def test_reminders_go_out_only_inside_office_hours(world):
    assert sweep_on(D(2025, 10, 13), hour=8).created == 0
    assert sweep_on(D(2025, 10, 13), hour=18).created == 0
    assert sweep_on(D(2025, 10, 13), hour=9).created > 0


def test_steps_reach_the_department_then_the_leader_then_the_office_with_a_supervision_notice(world):
    sweep_on(D(2025, 10, 14))
    assert set(ReminderDelivery.objects.values_list("user__username", flat=True)) == {"zjj"}
    assert set(ReminderDelivery.objects.values_list("channel", flat=True)) == {Channel.IN_APP, Channel.EMAIL}

    sweep_on(D(2025, 10, 20))
    assert set(ReminderDelivery.objects.filter(step_key="escalate:5").values_list("user__username", flat=True)) == {"cwfqz"}
    assert not SupervisionNotice.objects.exists()

    sweep_on(D(2025, 11, 3))
    assert set(ReminderDelivery.objects.filter(step_key="escalate:15").values_list("user__username", flat=True)) == {"xmb"}
    notice = SupervisionNotice.objects.get()
    assert notice.notice_type == NoticeType.SUPERVISE
    assert notice.target_dept == world.dept
    assert list(notice.projects.all()) == [world.project]
    assert "已逾期15个工作日" in notice.content
    assert notice.reply_deadline == D(2025, 11, 10)  # five working days later
    row = ReminderDelivery.objects.filter(step_key="escalate:15").first()
    assert row.context["notice_number"] == notice.number

    sweep_on(D(2025, 11, 4))
    assert SupervisionNotice.objects.count() == 1


def test_an_item_first_seen_long_overdue_gets_one_reminder_and_both_escalations_under_the_full_policy(world):
    # given the office chose the full catch-up for backlog items (tests/reminders/test_backlog.py has the others)
    ReminderRule.objects.filter(subject="milestone").update(backlog_policy=BacklogPolicy.FULL)
    # and the sweep never saw the milestone before (beat was down, or the row was imported late)
    result = sweep_on(D(2025, 11, 5))
    # then only the latest reminder of the ladder is written, the passed ones are skipped, and
    # each escalation threshold already reached fires once
    # (the automatic 督办函 of the last one tells its department: a hand-off, tests/reminders/test_handoffs.py)
    assert _keys() == {("overdue:1", 6), ("escalate:5", 1), ("escalate:15", 1), ("handoff:notice_issued", 1)}
    assert result.skipped_steps == 9  # before 7/3/1/0 and overdue occurrences 1–5


def test_a_missed_day_catches_up_without_sending_stale_steps(world):
    sweep_on(D(2025, 10, 9))  # before:3
    # beat is down on 2025-10-11 (before:1) and on 2025-10-13 (before:0)
    result = sweep_on(D(2025, 10, 14))
    assert _keys() == {("before:3", 1), ("overdue:1", 1)}
    assert result.skipped_steps == 2


def test_a_completed_milestone_gets_no_more_reminders(world):
    sweep_on(D(2025, 10, 13))
    world.milestone.status = MilestoneStatus.DONE
    world.milestone.actual_date = D(2025, 10, 13)
    world.milestone.save()
    for day in (D(2025, 10, 14), D(2025, 10, 20), D(2025, 11, 3)):
        assert sweep_on(day).created == 0
    assert _keys() == {("before:0", 1)}


def test_a_moved_deadline_starts_its_own_ladder(world):
    sweep_on(D(2025, 10, 13))
    world.milestone.planned_date = D(2025, 10, 20)
    world.milestone.save()
    sweep_on(D(2025, 10, 14))
    assert set(ReminderDelivery.objects.values_list("due_date", "step_key")) == {
        (D(2025, 10, 13), "before:0"),
        (D(2025, 10, 20), "before:7"),  # four working days left: the "7" step is the latest passed
    }


def test_a_rule_change_applies_from_the_next_sweep(world):
    sweep_on(D(2025, 10, 14))
    rule = ReminderRule.objects.get(code="milestone-deadline")
    rule.steps.filter(kind=StepKind.OVERDUE).update(repeat_every_working_days=1)
    rule.channels = [Channel.IN_APP]
    rule.save()
    sweep_on(D(2025, 10, 15))
    row = ReminderDelivery.objects.get(step_key="overdue:1", occurrence=2)
    assert row.channel == Channel.IN_APP
    ReminderStep.objects.filter(rule=rule, kind=StepKind.ESCALATE, working_days=5).update(working_days=3)
    sweep_on(D(2025, 10, 16))
    assert ("escalate:3", 1) in _keys()


def test_a_disabled_rule_writes_nothing(world):
    ReminderRule.objects.filter(code="milestone-deadline").update(enabled=False)
    assert sweep_on(D(2025, 10, 13)).created == 0


def test_the_sweep_run_twice_writes_each_delivery_once(world):
    first = sweep_on(D(2025, 10, 14))
    second = sweep_on(D(2025, 10, 14))
    assert first.created == 2  # in-app and e-mail to the department user
    assert second.created == 0
    assert ReminderDelivery.objects.count() == 2


def test_the_unique_constraint_holds_even_without_the_cursor(world):
    from apps.reminders.models import ReminderCursor

    sweep_on(D(2025, 10, 14))
    ReminderCursor.objects.all().delete()  # as if the cursor were lost
    assert sweep_on(D(2025, 10, 14)).created == 0
    assert ReminderDelivery.objects.count() == 2


def test_new_rows_are_enqueued_only_after_commit(world, django_capture_on_commit_callbacks, published):
    sent = published
    with django_capture_on_commit_callbacks() as callbacks, time_machine.travel(at(D(2025, 10, 14)), tick=False):
        reminders_sweep()
        assert sent == []  # nothing published inside the transaction
    for callback in callbacks:
        callback()
    assert sorted(sent) == sorted(ReminderDelivery.objects.values_list("id", flat=True))


def test_a_broker_outage_leaves_rows_pending_and_the_next_sweep_requeues_them(world, django_capture_on_commit_callbacks, monkeypatch):
    from apps.reminders import tasks

    def down(*args, **kwargs):
        raise ConnectionError("Redis 不可用")

    monkeypatch.setattr(tasks.send_delivery_task, "apply_async", down)
    monkeypatch.setattr(tasks.send_in_app_deliveries_task, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(at(D(2025, 10, 14)), tick=False):
        assert reminders_sweep().created == 2  # the write succeeds although the broker is down
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"pending"}

    sent = []
    record = lambda args, **kw: sent.extend(args[0] if isinstance(args[0], list) else [args[0]])  # noqa: E731
    monkeypatch.setattr(tasks.send_delivery_task, "apply_async", record)
    monkeypatch.setattr(tasks.send_in_app_deliveries_task, "apply_async", record)
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(at(D(2025, 10, 14), 10, 30), tick=False):
        result = reminders_sweep()
    assert result.created == 0
    assert result.requeued == 2
    assert len(sent) == 2


def test_a_second_sweep_skips_a_rule_whose_lease_is_held(world):
    rule = ReminderRule.objects.get(code="milestone-deadline")
    with time_machine.travel(at(D(2025, 10, 14)), tick=False), lease_lock(f"reminder-rule:{rule.pk}") as held:
        assert held
        result = reminders_sweep()
    assert result.created == 0
    assert any("另一轮扫描" in note for note in result.notes)
    assert SweepLock.objects.get(name=f"reminder-rule:{rule.pk}").locked_until is None  # released


def test_an_expired_lease_is_taken_over(world):
    rule = ReminderRule.objects.get(code="milestone-deadline")
    SweepLock.objects.create(name=f"reminder-rule:{rule.pk}", holder="dead-worker", locked_until=at(D(2025, 10, 14), 9))
    assert sweep_on(D(2025, 10, 14)).created == 2


def test_the_sweep_query_count_does_not_grow_with_the_items(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        sweep_on(D(2025, 10, 14))
    for _ in range(20):
        MilestoneFactory(project=world.project, planned_date=D(2025, 10, 13), responsible_dept=world.dept)
    with CaptureQueriesContext(connection) as twenty:
        sweep_on(D(2025, 10, 17))
    assert len(twenty) <= len(one) + 2  # bulk writes may split into one more batch


def test_a_dry_run_writes_nothing(world):
    result = reminders_sweep(now=at(D(2025, 10, 14)), dry_run=True)
    assert result.created == 2
    assert {p.step_key for p in result.planned} == {"overdue:1"}
    assert ReminderDelivery.objects.count() == 0


def test_an_unfiled_monthly_report_is_chased_after_the_deadline_and_stops_once_filed(world):
    from apps.progress.models import ReportStatus
    from apps.reminders.services import delivery_send
    from tests.factories import AnnualPlanFactory, ProgressReportFactory

    AnnualPlanFactory(project=world.project, year=2025)
    for month in range(1, 8):  # January–July filed: August's and September's are owed
        ProgressReportFactory(project=world.project, year=2025, month=month, status=ReportStatus.APPROVED)
    # the September report's 次月5日 falls in 国庆: it is due on the first working day after it,
    # Thursday 2025-10-09, so on 09-30 it is one working day ahead and "due today" goes out on 10-09
    sweep_on(D(2025, 9, 30), subjects=["report"])
    assert _keys(subject="report", due_date=D(2025, 10, 9)) == {("before:1", 1)}
    assert ("overdue:1", 9) in _keys(subject="report", due_date=D(2025, 9, 5))  # August's is chased too
    sweep_on(D(2025, 10, 9), subjects=["report"])  # first working day after the holiday: the deadline
    assert ("before:0", 1) in _keys(subject="report", due_date=D(2025, 10, 9))
    sweep_on(D(2025, 10, 10), subjects=["report"])
    row = ReminderDelivery.objects.get(subject="report", step_key="overdue:1", due_date=D(2025, 10, 9), channel="in_app")
    assert (row.user.username, row.due_date, row.context["title"]) == ("zjj", D(2025, 10, 9), "2025年9月月报未报送")
    assert row.context["link"].endswith("?year=2025&month=9")
    ProgressReportFactory(project=world.project, year=2025, month=9, status=ReportStatus.SUBMITTED)
    assert delivery_send(delivery_id=row.pk, now=at(D(2025, 10, 10))).status == "cancelled"
    # August's, still missing, is chased on (it does not drop off when the month turns) ...
    assert sweep_on(D(2025, 10, 14), subjects=["report"]).created > 0
    chased = ReminderDelivery.objects.filter(subject="report", fire_date=D(2025, 10, 14))
    assert set(chased.values_list("due_date", flat=True)) == {D(2025, 9, 5)}
    # ... and once it is filed too, nothing more goes out
    ProgressReportFactory(project=world.project, year=2025, month=8, status=ReportStatus.SUBMITTED)
    assert sweep_on(D(2025, 10, 16), subjects=["report"]).created == 0


def test_a_planned_start_that_passes_without_a_start_is_reminded_to_the_lead_department(world):
    world.project.planned_start = D(2025, 10, 13)
    world.project.end_year = 2026
    world.project.save()
    sweep_on(D(2025, 10, 14), subjects=["start"])
    row = ReminderDelivery.objects.get(subject="start", channel="in_app")
    assert (row.step_key, row.user.username, row.context["title"]) == ("overdue:1", "zjj", "计划开工")
