"""In-app deliveries sent in batches: each exactly once, the same moot test as the one-by-one send,
a constant number of statements whatever the batch size, and publishing split by channel."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.milestones.models import MilestoneStatus
from apps.reminders.models import BacklogPolicy, Channel, DeliveryStatus, Notification, ReminderDelivery, ReminderRule, Subject
from apps.reminders.services import enqueue_deliveries
from apps.reminders.services.delivery import NO_RECIPIENT, deliveries_send_in_app, item_is_settled
from tests.factories import MilestoneFactory

from .conftest import at, sweep_on
from .factories import ReminderDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

D = dt.date
NOW = at(D(2025, 10, 14))


def _rows(world, n: int) -> list[ReminderDelivery]:
    rule = ReminderRule.objects.get(subject=Subject.MILESTONE)
    milestones = [MilestoneFactory(project=world.project, planned_date=D(2025, 10, 13), responsible_dept=world.dept) for _ in range(n)]
    return [
        ReminderDeliveryFactory(rule=rule, object_id=m.pk, project=world.project, user=world.dept_user, due_date=D(2025, 10, 13))
        for m in milestones
    ]


def test_a_batch_sends_each_delivery_once(world):
    rows = _rows(world, 5)
    ids = [r.pk for r in rows]
    assert deliveries_send_in_app(delivery_ids=ids, now=NOW).sent == 5
    again = deliveries_send_in_app(delivery_ids=ids, now=NOW)
    assert (again.sent, again.skipped) == (0, 5)
    assert Notification.objects.filter(delivery_id__in=ids).count() == 5
    assert set(ReminderDelivery.objects.filter(pk__in=ids).values_list("status", "attempts", "sent_at")) == {(DeliveryStatus.SENT, 1, NOW)}
    note = Notification.objects.get(delivery_id=ids[0])
    assert note.user == world.dept_user
    assert note.title.startswith("【")


def test_a_batch_cancels_exactly_what_the_one_by_one_send_would(world):
    rows = _rows(world, 6)
    done, moved = rows[0], rows[1]
    from apps.milestones.models import Milestone

    Milestone.objects.filter(pk=done.object_id).update(status=MilestoneStatus.DONE, actual_date=D(2025, 10, 13))
    Milestone.objects.filter(pk=moved.object_id).update(planned_date=D(2025, 10, 20))
    expected = {r.pk for r in rows if item_is_settled(r)}
    assert expected == {done.pk, moved.pk}
    result = deliveries_send_in_app(delivery_ids=[r.pk for r in rows], now=NOW)
    assert (result.sent, result.cancelled) == (4, 2)
    cancelled = set(ReminderDelivery.objects.filter(status=DeliveryStatus.CANCELLED).values_list("pk", flat=True))
    assert cancelled == expected
    assert not Notification.objects.filter(delivery_id__in=expected).exists()


def test_the_sweeps_rows_of_every_kind_go_out_in_batches(world):
    ReminderRule.objects.filter(subject=Subject.MILESTONE).update(backlog_policy=BacklogPolicy.FULL)
    sweep_on(D(2025, 11, 3))  # the milestone's overdue reminder plus the leader's and the office's escalations
    ids = list(ReminderDelivery.objects.filter(channel=Channel.IN_APP).values_list("pk", flat=True))
    assert len(ids) >= 3
    result = deliveries_send_in_app(delivery_ids=ids, now=at(D(2025, 11, 3)))
    assert result.sent == len(ids)
    assert Notification.objects.count() == len(ids)


def test_outside_office_hours_a_batch_waits_and_a_retry_waits_for_its_time(world):
    rows = _rows(world, 2)
    evening = at(D(2025, 10, 14), 20)
    assert deliveries_send_in_app(delivery_ids=[r.pk for r in rows], now=evening).deferred == 2
    ReminderDelivery.objects.filter(pk=rows[0].pk).update(retry_at=NOW + dt.timedelta(minutes=5))
    result = deliveries_send_in_app(delivery_ids=[r.pk for r in rows], now=NOW)
    assert (result.sent, result.skipped) == (1, 1)
    assert ReminderDelivery.objects.get(pk=rows[0].pk).status == DeliveryStatus.PENDING


def test_a_row_without_a_user_fails_with_a_reason(world):
    row = _rows(world, 1)[0]
    endpoint = WebhookEndpointFactory()  # a malformed row: in-app addressed to a group robot
    ReminderDelivery.objects.filter(pk=row.pk).update(user=None, endpoint=endpoint, recipient_key=f"hook:{endpoint.pk}")
    assert deliveries_send_in_app(delivery_ids=[row.pk], now=NOW).failed == 1
    row.refresh_from_db()
    assert (row.status, row.last_error) == (DeliveryStatus.FAILED, NO_RECIPIENT)


def test_a_batch_runs_the_same_statements_for_3_rows_as_for_60(world):
    counts = []
    for n in (3, 60):
        ids = [r.pk for r in _rows(world, n)]
        with CaptureQueriesContext(connection) as queries:
            assert deliveries_send_in_app(delivery_ids=ids, now=NOW).sent == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_in_app_rows_are_published_in_batches_and_the_others_one_by_one(world, published, settings, monkeypatch):
    from apps.reminders import tasks

    settings.REMINDERS_SEND_BATCH_SIZE = 2
    in_app = [r.pk for r in _rows(world, 5)]
    email = ReminderDeliveryFactory(channel=Channel.EMAIL, user=world.dept_user).pk
    batches: list[list[int]] = []
    monkeypatch.setattr(tasks.send_in_app_deliveries_task, "apply_async", lambda args, **kw: batches.append(args[0]))
    assert enqueue_deliveries([*in_app, email]) == 6
    assert batches == [in_app[0:2], in_app[2:4], in_app[4:5]]
    assert published == [email]
