"""/api/v1/reminder-deliveries/, /api/v1/notifications/ and /api/v1/notification-preferences/me/."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.reminders.models import ChannelPreference, DeliveryStatus, Notification, ReminderDelivery

from .factories import NotificationFactory, ReminderDeliveryFactory

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_office_lists_deliveries_filtered_by_status(world):
    ReminderDeliveryFactory(user=world.dept_user, status=DeliveryStatus.FAILED, last_error="SMTP 连接超时")
    ReminderDeliveryFactory(user=world.dept_user, status=DeliveryStatus.SENT)
    office = _client(world.office_user)
    body = office.get("/api/v1/reminder-deliveries/", {"status": "failed"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["status"], row["last_error"], row["title"], row["user_name"]) == ("failed", "SMTP 连接超时", "施工许可", "zjj")
    assert office.get("/api/v1/reminder-deliveries/", {"status": "nonsense"}).status_code == 400


def test_other_users_see_only_their_own_deliveries_and_cannot_resend(world):
    mine = ReminderDeliveryFactory(user=world.dept_user, status=DeliveryStatus.FAILED)
    ReminderDeliveryFactory(user=world.leader_user, status=DeliveryStatus.FAILED)
    dept = _client(world.dept_user)
    assert [r["id"] for r in dept.get("/api/v1/reminder-deliveries/").json()["results"]] == [mine.pk]
    response = dept.post(f"/api/v1/reminder-deliveries/{mine.pk}/resend/")
    assert response.status_code == 403
    assert response.json()["message"]


def test_the_office_resends_a_failed_delivery(world, django_capture_on_commit_callbacks, published):
    sent = published
    row = ReminderDeliveryFactory(user=world.dept_user, status=DeliveryStatus.FAILED, attempts=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(world.office_user).post(f"/api/v1/reminder-deliveries/{row.pk}/resend/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["attempts"], sent) == ("pending", 0, [row.pk])
    ReminderDelivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.SENT)
    again = _client(world.office_user).post(f"/api/v1/reminder-deliveries/{row.pk}/resend/")
    assert again.status_code == 400
    assert "已发送" in again.json()["message"]


def test_notifications_list_unread_count_and_mark_read(world):
    first = NotificationFactory(user=world.dept_user, title="【逾期提醒】古罗大道｜施工许可")
    NotificationFactory(user=world.dept_user)
    NotificationFactory(user=world.leader_user)  # someone else's
    api = _client(world.dept_user)
    assert api.get("/api/v1/notifications/").json()["count"] == 2
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    read = api.post(f"/api/v1/notifications/{first.pk}/read/")
    assert read.status_code == 200
    assert read.json()["is_read"] is True
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    assert api.get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 1
    assert api.post("/api/v1/notifications/read-all/").json() == {"updated": 1}
    assert Notification.objects.filter(user=world.leader_user, read_at__isnull=True).count() == 1


def test_nobody_reads_or_marks_another_users_notification(world):
    other = NotificationFactory(user=world.leader_user)
    api = _client(world.dept_user)
    assert api.get(f"/api/v1/notifications/{other.pk}/").status_code == 404
    assert api.post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404


def test_a_read_only_token_cannot_mark_read(world):
    from apps.accounts.services import token_issue

    note = NotificationFactory(user=world.dept_user)
    _, key = token_issue(actor=None, user=world.dept_user, name="只读")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/notifications/").status_code == 200
    assert api.post(f"/api/v1/notifications/{note.pk}/read/").status_code == 403


def test_channel_preferences_read_defaults_and_update(world):
    api = _client(world.dept_user)
    assert api.get("/api/v1/notification-preferences/me/").json()["sms"] is False
    response = api.put("/api/v1/notification-preferences/me/", {"sms": True, "email": False}, format="json")
    assert response.status_code == 200
    pref = ChannelPreference.objects.get(user=world.dept_user)
    assert (pref.in_app, pref.email, pref.sms) == (True, False, True)
    assert api.put("/api/v1/notification-preferences/me/", {"sms": "也许"}, format="json").status_code == 400


def test_preferences_decide_the_channels_of_the_next_sweep(world):
    from .conftest import sweep_on

    ChannelPreference.objects.create(user=world.dept_user, in_app=True, email=False, sms=True)
    world.dept_user.phone = "13800000000"
    world.dept_user.save()
    sweep_on(dt.date(2025, 10, 14))
    assert set(ReminderDelivery.objects.values_list("channel", flat=True)) == {"in_app", "sms"}


@pytest.mark.parametrize("path", ["/api/v1/reminder-deliveries/", "/api/v1/notifications/"])
def test_list_query_count_is_the_same_for_1_and_20_rows(world, path):
    api = _client(world.office_user)

    def add(n):
        for _ in range(n):
            ReminderDeliveryFactory(user=world.office_user, project=world.project)
            NotificationFactory(user=world.office_user, project=world.project)

    add(1)
    with CaptureQueriesContext(connection) as one:
        assert api.get(path).status_code == 200
    add(19)
    with CaptureQueriesContext(connection) as twenty:
        assert api.get(path).json()["count"] == 20
    assert len(one) == len(twenty)
