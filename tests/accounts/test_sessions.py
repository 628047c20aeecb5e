"""Browser sessions end after 2 hours without a request and 12 hours after sign-in, whichever
comes first, and say so on the login page; the idle clock is not written on every request; API
tokens are not affected."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts.services import token_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456"
PAGE = "/notifications/"  # any signed-in page; this one needs no portfolio
IDLE_NOTE = "您已超过 120 分钟未操作，为保护账号安全已自动退出，请重新登录。"
ABSOLUTE_NOTE = "本次登录已超过 12 小时，为保护账号安全已自动退出，请重新登录。"
START = dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC)


def _at(minutes: float):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


def _signed_in(username: str = "clerk", url: str = "/login/") -> Client:
    UserFactory(username=username, is_staff=True)
    client = Client()
    with _at(0):
        assert client.post(url, {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_the_defaults_are_two_hours_idle_and_twelve_hours_in_all(settings):
    assert dt.timedelta(hours=2) == settings.SESSION_IDLE_TIMEOUT
    assert dt.timedelta(hours=12) == settings.SESSION_ABSOLUTE_TIMEOUT
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_a_session_used_within_two_hours_stays_signed_in():
    client = _signed_in()
    for minutes in (60, 119, 230):  # each request restarts the idle clock
        with _at(minutes):
            assert client.get(PAGE).status_code == 200


@pytest.mark.parametrize(("url", "page", "login_page"), [("/login/", PAGE, "/login/"), ("/admin/login/", "/admin/", "/admin/login/")])
def test_two_hours_without_a_request_end_the_session_with_a_note_on_the_login_page(url, page, login_page):
    client = _signed_in(url=url)
    with _at(30):
        assert client.get(page).status_code == 200
    with _at(30 + 120):
        response = client.get(page, follow=True)
    assert response.redirect_chain[-1][0].startswith(login_page)
    assert IDLE_NOTE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_twelve_hours_after_sign_in_the_session_ends_however_active():
    client = _signed_in()
    for hour in range(1, 12):
        with _at(hour * 60):
            assert client.get(PAGE).status_code == 200
    with _at(12 * 60):
        response = client.get(PAGE, follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert ABSOLUTE_NOTE in response.content.decode()


def test_the_idle_clock_is_written_at_most_once_a_minute():
    client = _signed_in()

    def session_writes(minutes: float) -> list[str]:
        with _at(minutes), CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")]

    assert session_writes(1)  # a minute after sign-in: written
    assert not session_writes(1.5)  # half a minute later: only read
    assert not session_writes(1.9)
    assert session_writes(2.1)


def test_an_idle_api_session_gets_the_apis_401_or_403_and_a_token_is_not_affected():
    user = UserFactory(username="system-owner")
    _, key = token_issue(actor=None, user=user, name="统计局")
    session = APIClient()
    with _at(0):
        session.force_login(user)
        assert session.get("/api/v1/regions/").status_code == 200
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with _at(0):
        assert token.get("/api/v1/regions/").status_code == 200
    with _at(13 * 60):
        expired = session.get("/api/v1/regions/")
        assert expired.status_code in (401, 403)
        assert expired.json()["message"]
        # the token signs nothing in: hours apart, it keeps working
        assert token.get("/api/v1/regions/").status_code == 200


def test_a_session_from_before_the_limits_starts_its_clock_at_its_next_request():
    user = UserFactory(username="old-session")
    client = Client()
    with _at(0):
        client.force_login(user)
        session = client.session
        del session["_signed_in_at"], session["_seen_at"]
        session.save()
    with _at(600):
        assert client.get(PAGE).status_code == 200
    with _at(600 + 119):
        assert client.get(PAGE).status_code == 200


def test_signing_in_again_starts_a_new_twelve_hours():
    client = _signed_in()
    with _at(11 * 60):
        client.post("/logout/")
        assert client.post("/login/", {"username": "clerk", "password": PASSWORD}).status_code == 302
    # 12.5 hours after the first sign-in, 1.5 after the second
    with _at(12 * 60 + 30):
        assert client.get(PAGE).status_code == 200
