"""Sending one delivery: exactly once, retries with backoff, failures visible, every channel."""

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
from apps.reminders.tasks import send_delivery_task

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
    second = delivery_send(delivery_id=row.pk, now=NOW)
    assert 60 <= second.retry_in <= 90
    assert delivery_send(delivery_id=row.pk, now=NOW).status == DeliveryStatus.FAILED
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.FAILED, 3, "SMTP 连接超时")
    # a failed row is never retried by a stray message
    assert delivery_send(delivery_id=row.pk, now=NOW).status == "skipped"


def test_the_task_asks_celery_to_retry_with_the_backoff(swept, monkeypatch):
    import time_machine
    from celery.exceptions import Retry

    monkeypatch.setattr("apps.reminders.channels.email.EmailChannel.send", lambda *a: (_ for _ in ()).throw(ChannelError("忙")))
    with time_machine.travel(NOW, tick=False), pytest.raises(Retry):
        send_delivery_task.apply(args=[_row(Channel.EMAIL).pk], throw=True)


def test_retry_delay_grows_and_is_capped():
    assert [retry_delay(1) >= 30, retry_delay(2) >= 60, retry_delay(10) <= 2700] == [True, True, True]


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
    ReminderDelivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.FAILED, attempts=5)
    with django_capture_on_commit_callbacks(execute=True):
        delivery_resend(actor=office_user, delivery=row)
    row.refresh_from_db()
    assert (row.status, row.attempts, sent) == (DeliveryStatus.PENDING, 0, [row.pk])
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
