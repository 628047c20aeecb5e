"""A send task that cannot be published is never silent: an ERROR in the log with the count and the
cause, the cause on each delivery row (admin 提醒发送记录, /api/v1/reminder-deliveries/), and the
minutely requeue publishes those rows again once the broker answers, whatever the queue holds.

The broker really fails: this process's Celery app is pointed at a port nobody listens on, or at a
private redis-server that the test stops (tests/reminders/test_worker.py's fixtures).
"""

from __future__ import annotations

import datetime as dt
import logging
import socket

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.reminders import tasks
from apps.reminders.models import DeliveryStatus, ReminderDelivery
from apps.reminders.services import enqueue_deliveries, reminders_sweep
from apps.reminders.services.requeue import deliveries_requeue_lost, waiting_messages
from tests.reminders import test_worker as real_worker
from tests.reminders.test_worker import HANG, _assert_exactly_once, _due_items, _sent, _wait_until

from .conftest import sweep_on
from .factories import ReminderDeliveryFactory

private_redis = real_worker.private_redis
celery_on = real_worker.celery_on
worker = real_worker.worker

D = dt.date
LOGGER = "apps.reminders.services.common"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on leaving: nothing listens there


@pytest.fixture
def dead_broker():
    """This process's Celery app publishes to a Redis URL on a port where nothing listens."""
    from projects_mgmt.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    port = _closed_port()
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    reset_pools()
    yield port
    app.conf.broker_url, app.conf.broker_transport_options = saved
    reset_pools()


def _errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.ERROR]


def test_a_publish_the_broker_refuses_is_an_error_in_the_log_and_on_each_row_and_the_write_stands(
    world, office_user, dead_broker, caplog, django_capture_on_commit_callbacks
):
    # given the broker's port is closed
    caplog.set_level(logging.INFO)
    # when the sweep writes its deliveries and publishes them after commit
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_on(D(2025, 10, 14))
    # then the sweep's writes stand: every row is there, pending
    rows = list(ReminderDelivery.objects.order_by("id"))
    assert result.created == len(rows) > 0
    assert {r.status for r in rows} == {DeliveryStatus.PENDING}
    # and the log has an ERROR naming how many rows and why (the port nobody listens on)
    errors = _errors(caplog)
    assert len(errors) == 1, [r.getMessage() for r in caplog.records]
    message = errors[0].getMessage()
    assert f"{len(rows)} 条发送记录未能放入队列" in message
    assert str(dead_broker) in message
    # and each row says so, with the same cause
    for row in rows:
        assert row.enqueue_failed_at is not None
        assert "发送任务未能放入队列" in row.enqueue_error
        assert str(dead_broker) in row.enqueue_error
    # and the office sees them in the API (only those) and in the admin's 提醒发送记录
    api = APIClient()
    api.force_authenticate(world.office_user)
    listed = api.get("/api/v1/reminder-deliveries/", {"enqueue_failed": "true"}).json()
    assert sorted(r["id"] for r in listed["results"]) == [r.pk for r in rows]
    assert all(str(dead_broker) in r["enqueue_error"] and r["enqueue_failed_at"] for r in listed["results"])
    assert api.get("/api/v1/reminder-deliveries/", {"enqueue_failed": "false"}).json()["count"] == 0
    admin = APIClient()
    admin.force_login(office_user)
    page = admin.get(f"/admin/reminders/reminderdelivery/{rows[0].pk}/change/")
    assert page.status_code == 200
    assert "入队失败原因" in page.content.decode()
    assert str(dead_broker) in page.content.decode()
    failed_list = admin.get("/admin/reminders/reminderdelivery/", {"enqueue_failed": "yes"}).content.decode()
    assert all(f"/admin/reminders/reminderdelivery/{r.pk}/change/" in failed_list for r in rows)
    normal_list = admin.get("/admin/reminders/reminderdelivery/", {"enqueue_failed": "no"}).content.decode()
    assert not any(f"/admin/reminders/reminderdelivery/{r.pk}/change/" in normal_list for r in rows)


def test_the_minutely_requeue_keeps_the_marked_rows_while_the_broker_is_still_down(world, dead_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sweep_on(D(2025, 10, 14))
    marked = set(ReminderDelivery.objects.filter(enqueue_failed_at__isnull=False).values_list("id", "enqueue_error"))
    assert marked
    # when the requeue runs while the broker still does not answer
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_requeue_lost(now=timezone.now()) == 0
    # then the rows keep their mark (and their cause) for the next minute
    assert set(ReminderDelivery.objects.filter(enqueue_failed_at__isnull=False).values_list("id", "enqueue_error")) == marked


def test_a_publish_that_fails_half_way_marks_only_the_deliveries_that_did_not_go(world, published, monkeypatch, settings, caplog):
    from kombu.exceptions import OperationalError

    # given a broker that takes the first message and then goes away
    settings.REMINDERS_SEND_BATCH_SIZE = 2
    rows = [ReminderDeliveryFactory(user=world.dept_user).pk for _ in range(5)]
    taken: list[list[int]] = []

    def publish(args, **kwargs):
        if taken:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        taken.append(args[0])

    monkeypatch.setattr(tasks.send_in_app_deliveries_task, "apply_async", publish)
    # when the five are published
    assert enqueue_deliveries(rows) == 2
    # then the two that went out are unmarked, the three others marked, and the log counts three
    assert taken == [rows[:2]]
    marked = sorted(ReminderDelivery.objects.filter(enqueue_failed_at__isnull=False).values_list("id", flat=True))
    assert marked == rows[2:]
    [error] = _errors(caplog)
    assert "3 条发送记录未能放入队列" in error.getMessage()
    assert "Connection refused" in error.getMessage()


@pytest.mark.integration
def test_rows_whose_publish_failed_while_redis_was_stopped_go_out_once_it_is_back_even_behind_a_backlog(worker, private_redis, caplog):
    from projects_mgmt.celery import app

    n = 150
    caplog.set_level(logging.INFO)
    # given N due items and Redis stopped
    _due_items(n, timezone.localdate())
    private_redis.stop()
    # when the sweep writes their deliveries (committed: a real worker reads them later)
    result = reminders_sweep(subjects=["milestone"])
    # then the writes stand, and the failed publish is an ERROR and a mark on every row
    assert result.created == n
    assert ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING, enqueue_failed_at__isnull=False).count() == n
    assert any(f"{n} 条发送记录未能放入队列" in r.getMessage() for r in _errors(caplog))
    # when Redis is back (empty), with a backlog of other messages in the send queue
    private_redis.start()
    with app.producer_or_acquire() as producer:
        for _ in range(3):
            app.send_task("celery.accumulate", args=[1], queue=worker.queue, producer=producer)
    assert waiting_messages(worker.queue) == 3
    # then the minutely requeue publishes the marked rows at once (young rows, a non-empty queue)
    assert deliveries_requeue_lost() == n
    assert not ReminderDelivery.objects.filter(enqueue_failed_at__isnull=False).exists()
    assert ReminderDelivery.objects.exclude(enqueue_error="").count() == 0
    # and a worker sends each reminder once
    worker.start()
    _wait_until(lambda: _sent() == n, HANG, f"Redis 恢复后 {n} 条发出")
    _assert_exactly_once(n)
