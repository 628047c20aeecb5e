"""Sending a 通报: one ReminderDelivery per subscribed user and channel, keyed by the bulletin, so
a second send adds nothing; leaders receive it unless they opt out, others only if they opt in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from apps.accounts.models import Role, User
from apps.bulletins.models import BulletinSubscription
from apps.bulletins.selectors import bulletin_recipients
from apps.bulletins.services import bulletin_generate, bulletin_send
from apps.reminders.models import Channel, ChannelPreference, Notification, ReminderDelivery, ReminderRule, Subject
from apps.reminders.services import delivery_send
from tests.factories import DepartmentFactory, LeaderFactory, UserFactory

# A Friday morning inside the rule's sending window.
IN_WINDOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def audience(demo_module, db):
    """The demo's leader, plus: a leader who opted out, a viewer who opted in, a department user and
    an inactive leader (neither subscribed)."""
    leader = User.objects.get(username="cwfqz")
    out = UserFactory(username="fqz-out", role=Role.LEADER, leader=LeaderFactory(), email="out@example.gov.cn")
    BulletinSubscription.objects.create(user=out, active=False)
    reader = UserFactory(username="reader-in", role=Role.VIEWER, email="reader@example.gov.cn")
    BulletinSubscription.objects.create(user=reader, active=True)
    UserFactory(username="dept-none", role=Role.DEPARTMENT, department=DepartmentFactory(), email="dept@example.gov.cn")
    UserFactory(username="gone", role=Role.LEADER, leader=LeaderFactory(), is_active=False)
    return {"leader": leader, "out": out, "reader": reader}


def _deliveries(bulletin):
    return ReminderDelivery.objects.filter(subject=Subject.BULLETIN, object_id=bulletin.pk)


def test_leaders_are_subscribed_unless_they_opt_out_and_others_only_if_they_opt_in(audience):
    recipients = set(bulletin_recipients().values_list("username", flat=True))
    assert {"cwfqz", "reader-in"} <= recipients
    assert not recipients & {"fqz-out", "dept-none", "gone", "xmb", "zjj", "viewer"}


def test_generating_with_send_writes_a_delivery_per_subscriber_and_channel(audience, xmb, demo_month, today):
    # given
    year, month = demo_month
    ChannelPreference.objects.create(user=audience["reader"], in_app=True, email=False)
    # when
    bulletin = bulletin_generate(year=year, month=month, actor=xmb, today=today)
    # then
    rows = set(_deliveries(bulletin).values_list("user__username", "channel"))
    expected_users = set(bulletin_recipients().values_list("username", flat=True))
    assert {u for u, _ in rows} == expected_users
    assert ("reader-in", Channel.EMAIL) not in rows
    assert ("reader-in", Channel.IN_APP) in rows
    assert not {u for u, _ in rows} & {"fqz-out", "dept-none", "gone"}
    assert bulletin.recipients == len(expected_users)
    assert bulletin.sent_at is not None
    assert _deliveries(bulletin).filter(channel=Channel.WEBHOOK).count() == 0


def test_sending_twice_does_not_duplicate(audience, bulletin, xmb):
    bulletin_send(bulletin=bulletin, actor=xmb)
    first = _deliveries(bulletin).count()
    bulletin_send(bulletin=bulletin, actor=xmb)
    assert first > 0
    assert _deliveries(bulletin).count() == first
    bulletin.refresh_from_db()
    assert bulletin.recipients == len({u for u in _deliveries(bulletin).values_list("user_id", flat=True)})


def test_a_new_version_is_sent_again(audience, bulletin, xmb, demo_month, today):
    year, month = demo_month
    bulletin_send(bulletin=bulletin, actor=xmb)
    second = bulletin_generate(year=year, month=month, actor=xmb, today=today)
    assert _deliveries(second).count() == _deliveries(bulletin).count() > 0


def test_the_in_app_notification_links_to_the_bulletin_and_the_email_links_to_the_workbook(audience, bulletin, xmb):
    # given
    bulletin_send(bulletin=bulletin, actor=xmb)
    leader = audience["leader"]
    # when
    for row in _deliveries(bulletin).filter(user__in=[leader, audience["reader"]]):
        assert delivery_send(delivery_id=row.pk, now=IN_WINDOW).status == "sent"
    # then
    note = Notification.objects.get(user=leader, delivery__object_id=bulletin.pk)
    assert note.link == f"/bulletins/{bulletin.pk}/"
    assert note.title.startswith("【月度通报】")
    assert bulletin.title in note.title
    message = next(m for m in mail.outbox if m.to == ["reader@example.gov.cn"])
    assert bulletin.title in message.subject
    assert f"/bulletins/{bulletin.pk}/xlsx/" in message.body
    assert bulletin.figures["summary"]["sentence"] in message.body


def test_without_an_enabled_rule_nothing_is_sent_and_the_bulletin_says_so(audience, bulletin, xmb):
    ReminderRule.objects.filter(subject=Subject.BULLETIN).update(enabled=False)
    bulletin_send(bulletin=bulletin, actor=xmb)
    bulletin.refresh_from_db()
    assert (bulletin.sent_at, bulletin.recipients) == (None, 0)
    assert "未发送" in bulletin.send_note
    assert not _deliveries(bulletin).exists()


def test_the_send_tasks_are_enqueued_only_after_the_bulletin_commits(
    audience, xmb, demo_month, today, django_capture_on_commit_callbacks, monkeypatch
):
    # given: the broker is replaced by a list
    enqueued: list[int] = []
    monkeypatch.setattr("apps.reminders.services.common.enqueue_deliveries", lambda ids, **kw: enqueued.extend(ids) or len(ids))
    year, month = demo_month
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bulletin = bulletin_generate(year=year, month=month, actor=xmb, today=today)
    # then: nothing published inside the transaction; the commit publishes exactly the new rows
    assert enqueued == []
    for callback in callbacks:
        callback()
    assert sorted(enqueued) == sorted(_deliveries(bulletin).values_list("id", flat=True))
