"""Sending one delivery: in-app exactly once, external channels claimed before the call and sent at
most once more after their sender died, retries with backoff, failures visible, every channel."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from apps.milestones.models import MilestoneStatus
from apps.reminders.channels import ChannelError
from apps.reminders.channels import webhook as webhook_module
from apps.reminders.channels.message import render_message
from apps.reminders.channels.webhook import build_request, dingtalk_signed_url, sign
from apps.reminders.models import Channel, DeliveryStatus, Notification, ReminderDelivery, WebhookFlavor
from apps.reminders.services import delivery_resend, delivery_send, retry_delay
from apps.reminders.services.delivery import RETRY_CAP_SECONDS, UNKNOWN_OUTCOME
from apps.reminders.tasks import send_delivery_task
from tests.conftest import need_service

from .conftest import at, sweep_on
from .factories import ReminderDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

D = dt.date
NOW = at(D(2025, 10, 14))


@pytest.fixture
def swept(world):
    sweep_on(D(2025, 10, 14))
    return world


def _row(channel: str) -> ReminderDelivery:
    return ReminderDelivery.objects.get(channel=channel)


def test_the_send_task_run_twice_sends_once(swept):
    row = _row(Channel.IN_APP)
    assert delivery_send(delivery_id=row.pk, now=NOW).status == "sent"
    assert delivery_send(delivery_id=row.pk, now=NOW).status == "skipped"
    assert Notification.objects.filter(delivery=row).count() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (DeliveryStatus.SENT, 1, NOW)


def test_the_celery_task_itself_run_twice_has_one_effect(swept):
    import time_machine

    row = _row(Channel.EMAIL)
    with time_machine.travel(NOW, tick=False):
        assert send_delivery_task.apply(args=[row.pk]).get() == "sent"
        assert send_delivery_task.apply(args=[row.pk]).get() == "skipped"
    assert len(mail.outbox) == 1


def test_the_email_is_chinese_html_and_text_with_item_project_due_date_overdue_days_department_and_link(swept):
    delivery_send(delivery_id=_row(Channel.EMAIL).pk, now=NOW)
    message = mail.outbox[0]
    assert message.to == ["zjj@example.gov.cn"]
    assert message.subject == "【逾期提醒】古罗大道｜施工许可 已逾期1个工作日"
    for text in (message.body, message.alternatives[0][0]):
        for part in (
            "施工许可",
            "古罗大道",
            "2025年10月13日",
            "1个工作日",
            "住房和城乡建设局",
            f"http://127.0.0.1:8000/projects/{swept.milestone.project_id}/#milestone-{swept.milestone.pk}",
        ):
            assert part in text
    assert message.alternatives[0][1] == "text/html"


def test_a_completed_item_cancels_its_queued_reminder(swept):
    swept.milestone.status = MilestoneStatus.DONE
    swept.milestone.actual_date = D(2025, 10, 14)
    swept.milestone.save()
    assert delivery_send(delivery_id=_row(Channel.IN_APP).pk, now=NOW).status == DeliveryStatus.CANCELLED
    assert not Notification.objects.exists()


def test_a_send_outside_office_hours_is_deferred_and_stays_pending(swept):
    row = _row(Channel.IN_APP)
    assert delivery_send(delivery_id=row.pk, now=at(D(2025, 10, 14), 20)).status == "deferred"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)


def test_a_failing_channel_retries_with_backoff_then_fails_visibly(swept, monkeypatch, settings):
    settings.REMINDERS_MAX_ATTEMPTS = 3

    def broken(self, delivery, message):
        raise ChannelError("SMTP 连接超时")

    monkeypatch.setattr("apps.reminders.channels.email.EmailChannel.send", broken)
    row = _row(Channel.EMAIL)
    first = delivery_send(delivery_id=row.pk, now=NOW)
    assert first.status == "retry"
    assert 30 <= first.retry_in <= 45
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_at, row.retry_at) == (
        DeliveryStatus.PENDING,
        1,
        None,
        NOW + dt.timedelta(seconds=first.retry_in),
    )
    # a message that arrives before the countdown is over (a duplicate) does nothing
    assert delivery_send(delivery_id=row.pk, now=NOW + dt.timedelta(seconds=10)).status == "skipped"
    second = delivery_send(delivery_id=row.pk, now=row.retry_at)
    assert 60 <= second.retry_in <= 90
    row.refresh_from_db()
    assert delivery_send(delivery_id=row.pk, now=row.retry_at).status == DeliveryStatus.FAILED
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.FAILED, 3, "SMTP 连接超时")
    # a failed row is never retried by a stray message
    assert delivery_send(delivery_id=row.pk, now=row.retry_at).status == "skipped"


def test_the_task_asks_celery_to_retry_with_the_backoff(swept, monkeypatch):
    import time_machine
    from celery.exceptions import Retry

    monkeypatch.setattr("apps.reminders.channels.email.EmailChannel.send", lambda *a: (_ for _ in ()).throw(ChannelError("忙")))
    with time_machine.travel(NOW, tick=False), pytest.raises(Retry):
        send_delivery_task.apply(args=[_row(Channel.EMAIL).pk], throw=True)


def test_retry_delay_grows_and_is_capped():
    assert [retry_delay(1) >= 30, retry_delay(2) >= 60, retry_delay(10) <= 2700] == [True, True, True]


def test_redis_hands_out_no_second_copy_of_a_retry_a_worker_holds_until_its_countdown_is_over(settings):
    # a worker keeps a countdown's message unacknowledged until it is due; past the visibility
    # timeout Redis would give a copy to another worker
    if not settings.REDIS_URL:
        need_service("Redis（设置 REDIS_URL）")
    longest = RETRY_CAP_SECONDS * 1.5  # the cap plus the largest jitter
    assert max(retry_delay(attempt) for attempt in range(1, 20)) <= longest
    assert longest < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]


def test_in_app_is_one_transaction_of_few_statements(swept, django_assert_num_queries):
    # the hot path (DESIGN.md §8): lock the row, the calendar (days, years), the item still open,
    # the notification, the outcome — inside the test's transaction, so a savepoint and its release
    row = _row(Channel.IN_APP)
    with django_assert_num_queries(8):
        assert delivery_send(delivery_id=row.pk, now=NOW).status == DeliveryStatus.SENT


# --- external channels: a claim committed before the call, the outcome after -----------------


def test_an_external_send_is_claimed_before_the_channel_is_called_and_a_duplicate_message_skips(swept, monkeypatch):
    row = _row(Channel.EMAIL)
    seen = {}

    def sending(self, delivery, message):
        # while this sender calls the channel, the row says so, and a second message for it skips
        seen["row"] = ReminderDelivery.objects.values("status", "attempts", "claimed_at").get(pk=delivery.pk)
        seen["duplicate"] = delivery_send(delivery_id=delivery.pk, now=NOW + dt.timedelta(seconds=30)).status

    monkeypatch.setattr("apps.reminders.channels.email.EmailChannel.send", sending)
    assert delivery_send(delivery_id=row.pk, now=NOW).status == DeliveryStatus.SENT
    assert seen == {"row": {"status": DeliveryStatus.PENDING, "attempts": 1, "claimed_at": NOW}, "duplicate": "skipped"}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_at, row.interruptions, row.sent_at) == (DeliveryStatus.SENT, 1, None, 0, NOW)


def _claimed(row: ReminderDelivery, *, ago: int, interruptions: int = 0) -> None:
    """The row as a sender left it that died after calling the channel, `ago` seconds before NOW."""
    ReminderDelivery.objects.filter(pk=row.pk).update(
        attempts=1 + interruptions, claimed_at=NOW - dt.timedelta(seconds=ago), interruptions=interruptions
    )


def test_a_fresh_claim_of_a_live_sender_makes_a_duplicate_message_skip(swept, settings):
    row = _row(Channel.EMAIL)
    _claimed(row, ago=settings.REMINDERS_CLAIM_TIMEOUT_SECONDS - 1)
    assert delivery_send(delivery_id=row.pk, now=NOW).status == "skipped"
    assert mail.outbox == []


def test_a_stale_claim_is_sent_once_more_with_the_same_delivery_id(swept, settings):
    # given an e-mail whose sender died after handing it to the mail server
    row = _row(Channel.EMAIL)
    _claimed(row, ago=settings.REMINDERS_CLAIM_TIMEOUT_SECONDS + 1)
    # when a message for it arrives
    assert delivery_send(delivery_id=row.pk, now=NOW).status == DeliveryStatus.SENT
    # then it went out once more, with the id a receiver drops repeats by
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["X-Reminder-Delivery-Id"] == str(row.pk)
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<reminder-delivery-{row.pk}@localhost>"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.interruptions, row.claimed_at) == (DeliveryStatus.SENT, 2, 1, None)


def test_a_second_stale_claim_is_never_sent_a_third_time_and_fails_saying_the_outcome_is_unknown(swept, settings):
    row = _row(Channel.EMAIL)
    _claimed(row, ago=settings.REMINDERS_CLAIM_TIMEOUT_SECONDS + 1, interruptions=1)
    assert delivery_send(delivery_id=row.pk, now=NOW).status == DeliveryStatus.FAILED
    assert mail.outbox == []
    row.refresh_from_db()
    assert (row.status, row.attempts, row.interruptions, row.claimed_at) == (DeliveryStatus.FAILED, 2, 2, None)
    assert row.last_error == UNKNOWN_OUTCOME
    assert "发送结果未知" in row.last_error


def test_a_sender_slower_than_the_claim_timeout_leaves_the_outcome_to_the_one_that_took_over(swept, monkeypatch, settings):
    row = _row(Channel.EMAIL)

    def overtaken(self, delivery, message):
        # meanwhile the claim went stale and another sender took the row over
        ReminderDelivery.objects.filter(pk=delivery.pk).update(claimed_at=NOW + dt.timedelta(minutes=10), interruptions=1)

    monkeypatch.setattr("apps.reminders.channels.email.EmailChannel.send", overtaken)
    assert delivery_send(delivery_id=row.pk, now=NOW).status == "skipped"
    row.refresh_from_db()
    assert (row.status, row.claimed_at) == (DeliveryStatus.PENDING, NOW + dt.timedelta(minutes=10))


def test_a_channel_bug_is_recorded_and_retried_not_left_as_a_standing_claim(swept, monkeypatch):
    monkeypatch.setattr("apps.reminders.channels.email.EmailChannel.send", lambda *a: 1 / 0)
    row = _row(Channel.EMAIL)
    assert delivery_send(delivery_id=row.pk, now=NOW).status == "retry"
    row.refresh_from_db()
    assert (row.status, row.claimed_at, row.last_error) == (DeliveryStatus.PENDING, None, "发送出错：division by zero")


def test_a_completed_item_cancels_a_reminder_whose_sender_died(swept, settings):
    row = _row(Channel.EMAIL)
    _claimed(row, ago=settings.REMINDERS_CLAIM_TIMEOUT_SECONDS + 1)
    swept.milestone.status = MilestoneStatus.DONE
    swept.milestone.actual_date = D(2025, 10, 14)
    swept.milestone.save()
    assert delivery_send(delivery_id=row.pk, now=NOW).status == DeliveryStatus.CANCELLED
    row.refresh_from_db()
    assert row.claimed_at is None


def test_a_missing_address_fails_at_once_without_retries(world):
    row = ReminderDeliveryFactory(channel=Channel.EMAIL, user=world.leader_user, object_id=world.milestone.pk)
    world.leader_user.email = ""
    world.leader_user.save()
    assert delivery_send(delivery_id=row.pk, now=at(D(2025, 10, 13))).status == DeliveryStatus.FAILED


def test_resend_puts_a_failed_delivery_back_and_never_resends_a_sent_one(
    swept, office_user, django_capture_on_commit_callbacks, monkeypatch
):
    from apps.reminders import tasks

    sent = []
    monkeypatch.setattr(tasks.send_delivery_task, "apply_async", lambda args, **kw: sent.append(args[0]))
    row = _row(Channel.EMAIL)
    ReminderDelivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.FAILED, attempts=5, interruptions=2, retry_at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        delivery_resend(actor=office_user, delivery=row)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.interruptions, row.retry_at, sent) == (DeliveryStatus.PENDING, 0, 0, None, [row.pk])
    delivery_send(delivery_id=row.pk, now=NOW)
    with pytest.raises(ValidationError):
        delivery_resend(actor=office_user, delivery=row)


def test_sms_goes_through_the_pluggable_backend_that_only_logs_by_default(world, caplog):
    world.dept_user.phone = "13800000000"
    world.dept_user.save()
    row = ReminderDeliveryFactory(channel=Channel.SMS, user=world.dept_user, object_id=world.milestone.pk)
    with caplog.at_level("INFO"):
        assert delivery_send(delivery_id=row.pk, now=at(D(2025, 10, 13))).status == DeliveryStatus.SENT
    assert "13800000000" in caplog.text
    assert "施工许可" in caplog.text


# --- webhooks ---------------------------------------------------------------------------------


def _webhook_row(world, flavor, url="http://127.0.0.1:9/hook", secret="s3cret"):  # noqa: S107 - a test signing key
    endpoint = WebhookEndpointFactory(flavor=flavor, url=url, secret=secret)
    return ReminderDeliveryFactory(
        channel=Channel.WEBHOOK, user=None, endpoint=endpoint, recipient_key=f"hook:{endpoint.pk}", object_id=world.milestone.pk
    )


def test_the_generic_webhook_is_json_signed_with_hmac_sha256_and_carries_the_delivery_id(world):
    row = _webhook_row(world, WebhookFlavor.GENERIC)
    url, body, headers = build_request(row, render_message(row), now=1760000000)
    payload = json.loads(body)
    assert payload["delivery_id"] == row.pk
    assert payload["item"]["project"] == "古罗大道"
    assert headers["X-Reminder-Delivery-Id"] == str(row.pk)
    expected = hmac.new(b"s3cret", b"1760000000." + body, hashlib.sha256).hexdigest()
    assert headers["X-Reminder-Signature"] == f"sha256={expected}" == "sha256=" + sign("s3cret", "1760000000", body)


def test_wecom_and_dingtalk_robots_get_their_markdown_formats(world):
    wecom = _webhook_row(world, WebhookFlavor.WECOM, url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K")
    _, body, _ = build_request(wecom, render_message(wecom))
    assert json.loads(body)["msgtype"] == "markdown"
    assert "古罗大道" in json.loads(body)["markdown"]["content"]
    ding = _webhook_row(world, WebhookFlavor.DINGTALK, url="https://oapi.dingtalk.com/robot/send?access_token=T", secret="SEC")
    url, body, _ = build_request(ding, render_message(ding), now=1760000000.0)
    assert url == dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=T", "SEC", 1760000000000)
    assert "&timestamp=1760000000000&sign=" in url
    assert json.loads(body)["markdown"]["title"].startswith("【到期提醒】")


def test_a_robot_errcode_is_a_failure_to_retry(world, monkeypatch):
    row = _webhook_row(world, WebhookFlavor.WECOM)
    monkeypatch.setattr(webhook_module, "post", lambda url, body, headers: (200, '{"errcode": 45009, "errmsg": "api freq out of limit"}'))
    outcome = delivery_send(delivery_id=row.pk, now=at(D(2025, 10, 13)))
    assert outcome.status == "retry"


def test_a_real_http_receiver_can_verify_the_signature(world):
    received = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received["ok"] = hmac.compare_digest(
                self.headers["X-Reminder-Signature"], "sha256=" + sign("s3cret", self.headers["X-Reminder-Timestamp"], body)
            )
            received["id"] = self.headers["X-Reminder-Delivery-Id"]
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    row = _webhook_row(world, WebhookFlavor.GENERIC, url=f"http://127.0.0.1:{server.server_port}/hook")
    assert delivery_send(delivery_id=row.pk, now=at(D(2025, 10, 13))).status == DeliveryStatus.SENT
    thread.join(5)
    server.server_close()
    assert received == {"ok": True, "id": str(row.pk)}


def test_an_unreachable_webhook_is_retried(world):
    row = _webhook_row(world, WebhookFlavor.GENERIC, url="http://127.0.0.1:9/closed-port")
    assert delivery_send(delivery_id=row.pk, now=at(D(2025, 10, 13))).status == "retry"
