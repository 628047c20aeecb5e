"""Reminders under faults: the minutely requeue of what a dead worker took with it, and SMS and
webhooks whose sender died between the call and the commit (sent at most once more, with the same
delivery id, then failed as "outcome unknown").

The requeue is tested without Celery first; the deaths with real worker processes killed with
SIGKILL, a private redis-server, a receiver that records every request (a small HTTP server in this
process) and an SMS backend that writes each request to a file. A worker killed with the whole
batch in flight: tests/reminders/test_worker.py.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.utils import timezone

from apps.accounts.models import User
from apps.reminders.models import ChannelPreference, DeliveryStatus, ReminderDelivery, ReminderRule
from apps.reminders.services import reminders_sweep
from apps.reminders.services import requeue as requeue_module
from apps.reminders.services.delivery import UNKNOWN_OUTCOME
from apps.reminders.services.requeue import deliveries_requeue_lost, waiting_messages
from apps.reminders.tasks import requeue_lost_deliveries_task
from tests.reminders import test_worker as real_worker
from tests.reminders.test_worker import HANG, _due_items, _wait_until, requeue_until

from .conftest import at, sweep_on
from .factories import ReminderDeliveryFactory, WebhookEndpointFactory

# The real-worker fixtures: a private redis-server, this process's Celery app on it, a worker process.
private_redis = real_worker.private_redis
celery_on = real_worker.celery_on
worker = real_worker.worker

D = dt.date
SWEPT = at(D(2025, 10, 14))  # the sweep that wrote the rows (and enqueued them) runs at 10:00


# --- the minutely requeue, without Celery ------------------------------------------------------


@pytest.fixture
def rows(world, monkeypatch, django_capture_on_commit_callbacks):
    """Eight deliveries written and enqueued by the 10:00 sweep (the world's own and repeats of it);
    `rows.queue` is what the broker says it holds, `rows.enqueued` what the requeue published."""
    sweep_on(D(2025, 10, 14))
    first = ReminderDelivery.objects.order_by("id").first()
    for occurrence in range(2, 10 - ReminderDelivery.objects.count()):
        ReminderDeliveryFactory(
            rule=first.rule,
            object_id=first.object_id,
            due_date=first.due_date,
            step_key=first.step_key,
            occurrence=occurrence,
            user=first.user,
            context=first.context,
            enqueued_at=SWEPT,
        )

    class Rows:
        queue: int | None = 0
        enqueued: list[int] = []

        def all(self) -> list[ReminderDelivery]:
            return list(ReminderDelivery.objects.order_by("id"))

        def requeue(self, now: dt.datetime) -> list[int]:
            self.enqueued = []
            with django_capture_on_commit_callbacks(execute=True):
                deliveries_requeue_lost(now=now)
            return sorted(self.enqueued)

    state = Rows()
    monkeypatch.setattr(requeue_module, "waiting_messages", lambda queue: state.queue)
    monkeypatch.setattr(requeue_module, "enqueue_deliveries", lambda ids: state.enqueued.extend(ids))
    assert len(state.all()) == 8
    return state


def test_the_minutely_requeue_sends_again_what_nothing_will_run_and_leaves_the_rest_alone(rows, settings):
    # given rows in every state a pending delivery can be in, three minutes after they were enqueued
    now = SWEPT + dt.timedelta(minutes=3)
    lost, retry_due, stale_claim, retry_waiting, live_claim, sent, *others = rows.all()
    ReminderDelivery.objects.filter(pk=retry_due.pk).update(attempts=1, retry_at=now - dt.timedelta(minutes=3))
    ReminderDelivery.objects.filter(pk=stale_claim.pk).update(
        attempts=1, claimed_at=now - dt.timedelta(seconds=settings.REMINDERS_CLAIM_TIMEOUT_SECONDS + 1)
    )
    ReminderDelivery.objects.filter(pk=retry_waiting.pk).update(attempts=1, retry_at=now + dt.timedelta(minutes=20))
    ReminderDelivery.objects.filter(pk=live_claim.pk).update(attempts=1, claimed_at=now - dt.timedelta(seconds=30))
    ReminderDelivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT, sent_at=SWEPT)
    ReminderDelivery.objects.filter(pk__in=[o.pk for o in others]).update(enqueued_at=now - dt.timedelta(seconds=30))
    # when the queue is empty and the requeue runs
    # then only the rows whose message is gone go out again: a countdown and a live sender are waited for
    assert rows.requeue(now) == [lost.pk, retry_due.pk, stale_claim.pk]
    # and run again at once, it finds nothing more to do (their enqueue time moved on)
    assert rows.requeue(now) == []


def test_the_minutely_requeue_waits_while_the_queue_holds_a_backlog_or_the_broker_cannot_say(rows):
    now = SWEPT + dt.timedelta(minutes=30)
    for waiting in (5000, None):
        rows.queue = waiting
        assert rows.requeue(now) == []
    rows.queue = 0
    assert len(rows.requeue(now)) == len(rows.all())


def test_the_minutely_requeue_sends_again_at_once_the_rows_whose_publish_failed_even_behind_a_backlog(rows):
    # given two young rows whose publish failed (a minute ago: not yet "lost" by age), one of them
    # waiting out a retry's countdown
    now = SWEPT + dt.timedelta(minutes=1)
    failed, failed_retry_waiting, *others = rows.all()
    ReminderDelivery.objects.filter(pk__in=[failed.pk, failed_retry_waiting.pk]).update(
        enqueue_failed_at=SWEPT, enqueue_error="发送任务未能放入队列：OperationalError"
    )
    ReminderDelivery.objects.filter(pk=failed_retry_waiting.pk).update(retry_at=now + dt.timedelta(minutes=20))
    # when the broker cannot say how long its queue is, nothing is published (it would fail again)
    rows.queue = None
    assert rows.requeue(now) == []
    assert ReminderDelivery.objects.get(pk=failed.pk).enqueue_failed_at == SWEPT
    # when it answers with a backlog of 5 000 messages
    rows.queue = 5000
    # then the failed row goes out again at once (it is in no queue), its mark cleared; the one
    # waiting for its retry and the others (only waiting in the backlog) are left alone
    assert rows.requeue(now) == [failed.pk]
    assert ReminderDelivery.objects.filter(pk=failed.pk, enqueue_failed_at=None, enqueue_error="", enqueued_at=now).exists()
    assert rows.requeue(now) == []


def test_the_minutely_requeue_leaves_rows_outside_their_send_window_alone(rows):
    # 20:00 is outside the rules' office hours: a send would only be deferred
    assert rows.requeue(at(D(2025, 10, 14), 20)) == []


def test_the_beat_runs_the_requeue_every_minute_and_a_run_never_outlives_the_next(rows):
    entry = django_settings.CELERY_BEAT_SCHEDULE["requeue-lost-deliveries"]
    assert entry["task"] == requeue_lost_deliveries_task.name
    assert entry["options"]["expires"] < 60
    assert entry["schedule"] == crontab()  # every minute
    with time_machine.travel(SWEPT + dt.timedelta(minutes=3), tick=False):
        assert requeue_lost_deliveries_task.apply().get() == len(rows.all())
        assert requeue_lost_deliveries_task.apply().get() == 0


@pytest.mark.integration
def test_the_broker_says_how_many_messages_wait_in_the_send_queue(celery_on, private_redis):
    from projects_mgmt.celery import app

    assert waiting_messages(celery_on) == 0
    with app.producer_or_acquire() as producer:
        for _ in range(3):
            app.send_task("celery.accumulate", args=[1], queue=celery_on, producer=producer)
    assert waiting_messages(celery_on) == 3
    private_redis.stop()
    assert waiting_messages(celery_on) is None


# --- senders killed between the call and the commit, with real workers -------------------------


def _fault_worker(worker, **env: str):
    # Seconds instead of minutes, so the test waits for events, not for the production timeouts.
    worker.env |= {"REMINDERS_CLAIM_TIMEOUT_SECONDS": "2", "REMINDERS_REQUEUE_LOST_AFTER_SECONDS": "1", **env}
    return worker


def _one_due_item(channel: str) -> None:
    """One milestone due today reminding one department user on `channel`, at any hour."""
    _due_items(1, timezone.localdate())
    ReminderRule.objects.update(channels=[channel])


def _the_row() -> ReminderDelivery:
    return ReminderDelivery.objects.get()


class Receiver:
    """A webhook receiver: records the X-Reminder-Delivery-Id of every request and, as the webhook
    module's docstring asks of receivers, acts on each id once. While `hold` is set it answers
    nobody (the sender waits, as on a slow network), so the test can kill it mid-request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.acted_on: list[str] = []
        self.received = threading.Event()
        self.hold = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                delivery_id = self.headers["X-Reminder-Delivery-Id"]
                receiver.requests.append(delivery_id)
                if delivery_id not in receiver.acted_on:
                    receiver.acted_on.append(delivery_id)
                receiver.received.set()
                while receiver.hold.is_set():
                    time.sleep(0.05)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:
                    pass  # the sender is dead

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.hold.clear()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.mark.integration
@pytest.mark.heavy  # real worker processes killed: their own stage of bin/test
def test_a_webhook_whose_sender_died_after_the_post_is_sent_once_more_with_the_same_id(worker, receiver):
    # given one reminder to a webhook receiver, which holds its answer
    _fault_worker(worker, REMINDERS_WEBHOOK_TIMEOUT=str(HANG))
    _one_due_item("webhook")
    WebhookEndpointFactory(url=receiver.url)
    receiver.hold.set()
    assert reminders_sweep(subjects=["milestone"]).created == 1
    row = _the_row()
    # when the worker is killed after the receiver got the POST, before the outcome was written
    worker.start()
    _wait_until(receiver.received.is_set, HANG, "接收方收到 POST")
    worker.kill()
    receiver.hold.clear()
    # then the row says it may have gone out: the claim was committed before the call
    row.refresh_from_db()
    assert (row.status, row.attempts, row.interruptions) == (DeliveryStatus.PENDING, 1, 0)
    assert row.claimed_at is not None
    # when a new worker runs and the beat's requeue finds the dead sender's claim
    worker.start()
    requeue_until(lambda: _the_row().status != DeliveryStatus.PENDING, worker.queue, "补发一次")
    # then it was sent once more with the same id, which the receiver acted on once
    assert receiver.requests == [str(row.pk), str(row.pk)]
    assert receiver.acted_on == [str(row.pk)]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.interruptions, row.claimed_at) == (DeliveryStatus.SENT, 2, 1, None)


class FileSmsBackend:
    """A fake SMS gateway for worker processes (REMINDERS_SMS_BACKEND): appends each request's out
    id (the delivery id) to $FAKE_SMS_LOG, then hangs while the file $FAKE_SMS_HOLD exists."""

    def send(self, *, phone: str, text: str, delivery_id: int) -> None:
        with open(os.environ["FAKE_SMS_LOG"], "a") as log:
            log.write(f"{delivery_id}\n")
            log.flush()
            os.fsync(log.fileno())
        while os.path.exists(os.environ["FAKE_SMS_HOLD"]):
            time.sleep(0.05)


@pytest.mark.integration
@pytest.mark.heavy  # real worker processes killed: their own stage of bin/test
def test_an_sms_whose_senders_died_twice_is_not_sent_a_third_time_and_fails_saying_the_outcome_is_unknown(worker, tmp_path):
    # given one SMS reminder and a gateway that takes each request and then hangs
    log, hold = tmp_path / "sms.log", tmp_path / "sms.hold"
    _fault_worker(worker, REMINDERS_SMS_BACKEND=f"{__name__}.FileSmsBackend", FAKE_SMS_LOG=str(log), FAKE_SMS_HOLD=str(hold))
    _one_due_item("sms")
    zjj = User.objects.get(username="zjj")
    zjj.phone = "13800000000"
    zjj.save()
    ChannelPreference.objects.create(user=zjj, sms=True)
    hold.touch()
    assert reminders_sweep(subjects=["milestone"]).created == 1
    row = _the_row()

    def requests() -> list[str]:
        return log.read_text().split() if log.exists() else []

    # when its worker dies after the gateway took the request
    worker.start()
    _wait_until(lambda: len(requests()) == 1, HANG, "网关收到第一次请求")
    worker.kill()
    # and so does the worker that sent it once more
    worker.start()
    requeue_until(lambda: len(requests()) == 2, worker.queue, "网关收到补发")
    worker.kill()
    # and a third worker finds the second claim stale
    hold.unlink()
    worker.start()
    requeue_until(lambda: _the_row().status != DeliveryStatus.PENDING, worker.queue, "发送记录有结果")
    # then the gateway saw the id twice, never a third time, and the row says the outcome is unknown
    assert requests() == [str(row.pk), str(row.pk)]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.interruptions, row.claimed_at) == (DeliveryStatus.FAILED, 2, 2, None)
    assert row.last_error == UNKNOWN_OUTCOME
