"""Go-live over a backlog: items the sweep meets for the first time already past earlier steps are
handled by the rule's backlog policy (one current reminder, a summary per department and leader,
or the full catch-up with 督办函), and afterwards follow the rule like any other item."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from apps.problems.models import SupervisionNotice
from apps.reminders.channels.message import render_message
from apps.reminders.models import (
    BacklogPolicy,
    DeliveryStatus,
    Notification,
    ReminderCursor,
    ReminderDelivery,
    ReminderRule,
    ReminderStep,
    StepKind,
    Subject,
)
from apps.reminders.services import delivery_send
from tests.factories import DepartmentFactory, MilestoneFactory, UserFactory

from .conftest import at, sweep_on

pytestmark = pytest.mark.django_db

D = dt.date
GO_LIVE = D(2025, 11, 5)  # the world's milestone was due 2025-10-13: 16 working days overdue


def _policy(policy: str) -> None:
    ReminderRule.objects.filter(subject=Subject.MILESTONE).update(backlog_policy=policy)


def _keys(**filters) -> set[tuple[str, int]]:
    return set(ReminderDelivery.objects.filter(**filters).values_list("step_key", "occurrence"))


def test_a_new_rule_takes_one_current_reminder_per_backlog_item_by_default(world):
    assert ReminderRule.objects.get(subject=Subject.MILESTONE).backlog_policy == BacklogPolicy.CURRENT


def test_the_current_policy_sends_one_current_reminder_without_escalations_or_notices(world):
    _policy(BacklogPolicy.CURRENT)
    result = sweep_on(GO_LIVE)
    assert result.backlog == 1
    assert _keys() == {("overdue:1", 6)}  # the ladder's current step only
    assert set(ReminderDelivery.objects.values_list("user__username", flat=True)) == {"zjj"}  # its own recipients
    assert not SupervisionNotice.objects.exists()
    cursor = ReminderCursor.objects.get(object_id=world.milestone.pk)
    assert cursor.escalated_days == 15  # both thresholds count as reached: never sent late
    assert any("按“每个事项只发一条当前提醒”处理" in note for note in result.notes)


def test_after_go_live_a_backlog_item_follows_the_rule_from_where_it_stands(world):
    _policy(BacklogPolicy.CURRENT)
    sweep_on(GO_LIVE)
    before = _keys()
    for day in (D(2025, 11, 6), D(2025, 11, 7), D(2025, 11, 10)):
        sweep_on(day)
    new = _keys() - before
    assert new == {("overdue:1", 7)}  # the every-3-working-days repeat goes on
    assert not SupervisionNotice.objects.exists()


def test_an_item_overdue_since_yesterday_is_not_backlog(world):
    _policy(BacklogPolicy.SUMMARY)
    result = sweep_on(D(2025, 10, 14))  # first overdue day: its step fires today, nothing was missed
    assert result.backlog == 0
    assert _keys() == {("overdue:1", 1)}


def test_the_summary_policy_writes_one_summary_per_department_and_leader_and_no_item_reminders(world):
    _policy(BacklogPolicy.SUMMARY)
    other = DepartmentFactory(name="交通运输局", short_name="交通局")
    UserFactory(username="jtj", role="department", department=other, email="jtj@example.gov.cn")
    for n in range(30):
        MilestoneFactory(
            project=world.project, name=f"积压节点{n}", planned_date=D(2025, 9, 1) + dt.timedelta(days=n), responsible_dept=world.dept
        )
    for n in range(5):
        MilestoneFactory(project=world.project, name=f"交通节点{n}", planned_date=D(2025, 9, 10), responsible_dept=other)
    result = sweep_on(GO_LIVE)
    assert result.backlog == 36
    rows = ReminderDelivery.objects.all()
    assert set(rows.values_list("subject", flat=True)) == {Subject.BACKLOG}
    by_recipient = {(r.user.username, r.step_key, r.channel): r.context["overdue_count"] for r in rows.select_related("user")}
    assert by_recipient == {
        ("zjj", "backlog:dept", "in_app"): 31,
        ("zjj", "backlog:dept", "email"): 31,
        ("jtj", "backlog:dept", "in_app"): 5,
        ("jtj", "backlog:dept", "email"): 5,
        ("cwfqz", "backlog:leader", "in_app"): 36,
        ("cwfqz", "backlog:leader", "email"): 36,
    }
    assert not SupervisionNotice.objects.exists()
    assert ReminderCursor.objects.count() == 36
    # a second sweep on the same day finds every item reminded: nothing new
    assert sweep_on(GO_LIVE, hour=11).created == 0


def test_a_summary_lists_the_oldest_items_first_and_counts_the_rest(world):
    _policy(BacklogPolicy.SUMMARY)
    for n in range(60):
        MilestoneFactory(
            project=world.project, name=f"积压节点{n}", planned_date=D(2025, 8, 1) + dt.timedelta(days=n), responsible_dept=world.dept
        )
    sweep_on(GO_LIVE)
    row = ReminderDelivery.objects.get(user__username="zjj", channel="in_app")
    assert row.context["overdue_count"] == 61
    assert len(row.context["items"]) == 50
    assert row.context["more"] == 11
    assert row.context["items"][0]["title"] == "积压节点0"
    message = render_message(row)
    assert message.title == "【上线积压汇总】住房和城乡建设局：要件/节点已逾期61项"
    assert "另有11项未列出" in message.text
    assert "积压节点0" in message.html


def test_a_summary_is_sent_like_any_delivery_and_never_cancelled_as_settled(world):
    _policy(BacklogPolicy.SUMMARY)
    sweep_on(GO_LIVE)
    row = ReminderDelivery.objects.get(user__username="cwfqz", channel="in_app")
    with time_machine.travel(at(GO_LIVE, 10, 5), tick=False):
        assert delivery_send(delivery_id=row.pk).status == DeliveryStatus.SENT
    note = Notification.objects.get(user__username="cwfqz")
    assert note.title.startswith("【上线积压汇总】常务副区长")


def test_the_full_policy_catches_up_with_escalations_and_a_notice(world):
    _policy(BacklogPolicy.FULL)
    result = sweep_on(GO_LIVE)
    assert result.backlog == 0
    assert _keys() == {("overdue:1", 6), ("escalate:5", 1), ("escalate:15", 1), ("handoff:notice_issued", 1)}
    assert SupervisionNotice.objects.count() == 1  # and its department is told of it (the hand-off)


def test_the_preview_counts_what_go_live_would_send_before_anything_is_written(world):
    _policy(BacklogPolicy.SUMMARY)
    out = StringIO()
    call_command("reminders_preview", "--date", GO_LIVE.isoformat(), "--counts", stdout=out)
    text = out.getvalue()
    assert "积压事项（首次检查即已错过先前提醒步骤）1 个，积压汇总 4 条" in text
    assert "按步骤：积压汇总 4 条" in text
    assert "zjj" not in text  # --counts: no row by row listing
    assert not ReminderDelivery.objects.exists()
    assert not ReminderCursor.objects.exists()


def test_backlog_is_not_a_subject_a_rule_can_have(world):
    rule = ReminderRule.objects.get(subject=Subject.MILESTONE)
    rule.subject = Subject.BACKLOG
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert "不能作为规则的提醒事项" in str(exc.value)


def test_a_group_robot_gets_the_summary_text_not_empty_item_lines(world):
    from apps.reminders.channels.webhook import markdown

    _policy(BacklogPolicy.SUMMARY)
    sweep_on(GO_LIVE)
    row = ReminderDelivery.objects.get(user__username="zjj", channel="in_app")
    text = markdown(render_message(row), row)
    assert "施工许可" in text
    assert "> 事项：" not in text


def test_without_overdue_steps_the_current_reminder_is_the_highest_escalation_not_a_stale_due_today(world):
    _policy(BacklogPolicy.CURRENT)
    ReminderStep.objects.filter(rule__subject=Subject.MILESTONE, kind=StepKind.OVERDUE).delete()
    sweep_on(GO_LIVE)
    assert _keys() == {("escalate:15", 1)}
    assert not SupervisionNotice.objects.exists()
