"""修改密码 for everyone signed in and 用户密码 for the office: the pages, the forced change after a
reset, the refusals for other roles and for a superuser's account, and the header links."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts.models import LoginFailure, Role
from apps.accounts.policy import SUPERUSER_ROWS
from apps.accounts.services import token_issue
from tests.factories import DepartmentFactory, LeaderFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456"
CHANGE = "/account/password/"
USERS = "/account/users/"


def _login(username: str, password: str = PASSWORD, ip: str = "10.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=ip)
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def _reset_url(user) -> str:
    return f"/account/users/{user.pk}/reset-password/"


# --- 修改密码 --------------------------------------------------------------------------------------


def test_a_user_changes_their_password_and_stays_signed_in_while_other_sessions_end():
    UserFactory(username="zhao", role=Role.VIEWER)
    here, elsewhere = _login("zhao"), _login("zhao", ip="10.0.0.2")
    page = here.get(CHANGE)
    assert page.status_code == 200
    assert "原密码" in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0")
    response = here.post(
        CHANGE, {"old_password": PASSWORD, "new_password": "Xinmima-2027", "new_password_again": "Xinmima-2027"}, follow=True
    )
    assert "密码已修改。其他设备上的登录已全部退出。" in response.content.decode()
    assert here.get(CHANGE).status_code == 200  # still signed in
    assert elsewhere.get(CHANGE).status_code == 302  # signed out
    _login("zhao", "Xinmima-2027")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"old_password": "wrong", "new_password": "Xinmima-2027", "new_password_again": "Xinmima-2027"}, "原密码不正确。"),
        ({"old_password": PASSWORD, "new_password": "Xinmima-2027", "new_password_again": "Xinmima-2028"}, "两次输入的新密码不一致。"),
        ({"old_password": PASSWORD, "new_password": "short", "new_password_again": "short"}, "密码太短，至少需要 8 个字符。"),
        ({"old_password": PASSWORD, "new_password": "Demo@2026", "new_password_again": "Demo@2026"}, "不能使用公开的演示密码"),
        ({}, "请输入原密码。"),
    ],
)
def test_a_refused_change_shows_chinese_messages_and_changes_nothing(data, message):
    UserFactory(username="qian", role=Role.VIEWER)
    client = _login("qian")
    response = client.post(CHANGE, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    _login("qian")  # the old password still works


def test_wrong_old_passwords_count_toward_the_login_lockout():
    UserFactory(username="sun", role=Role.VIEWER)
    client = _login("sun")
    data = {"old_password": "guess", "new_password": "Xinmima-2027", "new_password_again": "Xinmima-2027"}
    statuses = [client.post(CHANGE, data, REMOTE_ADDR="10.0.0.1").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert LoginFailure.objects.get(username="sun").failures_since_start == 5
    # the right old password is refused too while the lock lasts, and so is signing in from there
    data["old_password"] = PASSWORD
    assert client.post(CHANGE, data).status_code == 429
    assert Client().post("/login/", {"username": "sun", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1").status_code == 429


# --- 用户密码 (office) ----------------------------------------------------------------------------


def test_the_office_resets_a_password_and_the_user_must_change_it_at_next_sign_in():
    office = UserFactory(username="xmb-page", role=Role.PORTFOLIO_OFFICE, is_staff=True)
    clerk = UserFactory(username="zjj-page", role=Role.DEPARTMENT, department=DepartmentFactory())
    _, key = token_issue(actor=None, user=clerk, name="住建局系统")
    clerk_session = _login("zjj-page", ip="10.0.0.9")
    admin = Client()
    admin.force_login(office)
    # the users page lists the clerk with a reset button; the confirmation page says what happens
    assert _reset_url(clerk) in admin.get(USERS, {"q": "zjj"}).content.decode()
    assert "所有已登录的电脑和手机立即退出" in admin.get(_reset_url(clerk)).content.decode()
    # when the office resets
    done = admin.post(_reset_url(clerk))
    assert done.status_code == 200
    assert "no-store" in done["Cache-Control"] or "max-age=0" in done["Cache-Control"]
    password = re.search(r'<code class="one-time-password">([^<]+)</code>', done.content.decode()).group(1)
    # then the clerk's session has ended, and the one-time password signs in
    assert clerk_session.get(CHANGE).status_code == 302
    client = _login("zjj-page", password)
    # every page leads to the change page, the API answers 403, until the clerk sets a password
    forced = client.get("/my/", follow=True)
    assert forced.redirect_chain[-1][0] == CHANGE
    assert "请先设置自己的新密码" in forced.content.decode()
    api = client.get("/api/v1/regions/")
    assert api.status_code == 403
    assert api.json()["code"] == "password_change_required"
    # the system's token is not the person's password: it keeps working
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert token.get("/api/v1/regions/").status_code == 200
    client.post(CHANGE, {"old_password": password, "new_password": "Zhujian-2027", "new_password_again": "Zhujian-2027"})
    assert client.get("/api/v1/regions/").status_code == 200


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.LEADER, Role.VIEWER])
def test_other_roles_are_refused_the_users_page_and_the_reset_in_chinese(role):
    extra = {"department": DepartmentFactory()} if role == Role.DEPARTMENT else {"leader": LeaderFactory()} if role == Role.LEADER else {}
    actor = UserFactory(role=role, **extra)
    victim = UserFactory(username="victim", role=Role.VIEWER)
    client = Client()
    client.force_login(actor)
    for response in (client.get(USERS), client.get(_reset_url(victim)), client.post(_reset_url(victim))):
        assert response.status_code == 403
        page = response.content.decode()
        assert "没有权限" in page
        assert re.search(r"只读用户不能修改数据|包保领导只能|只有项目办可以", page)
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD)
    assert "用户密码" not in client.get(CHANGE).content.decode()


def test_the_office_cannot_reset_a_superusers_password():
    office = UserFactory(role=Role.PORTFOLIO_OFFICE, is_staff=True)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(office)
    listing = client.get(USERS).content.decode()
    assert _reset_url(root) not in listing
    assert SUPERUSER_ROWS in listing
    refused = client.post(_reset_url(root))
    assert refused.status_code == 403
    assert SUPERUSER_ROWS in refused.content.decode()
    root.refresh_from_db()
    assert root.check_password(PASSWORD)
    assert not root.must_change_password


def test_the_admins_password_form_leads_to_the_reset_page(office_user):
    clerk = UserFactory(username="admin-clerk", role=Role.VIEWER)
    client = Client()
    client.force_login(office_user)
    response = client.get(f"/admin/accounts/user/{clerk.pk}/password/")
    assert response.status_code == 302
    assert response["Location"] == _reset_url(clerk)


def test_the_header_links_to_change_password_and_for_the_office_to_the_users_page():
    office = UserFactory(role=Role.PORTFOLIO_OFFICE)
    viewer = UserFactory(role=Role.VIEWER)
    for user, office_link in ((office, True), (viewer, False)):
        client = Client()
        client.force_login(user)
        page = client.get(CHANGE).content.decode()
        assert f'href="{CHANGE}"' in page
        assert (f'href="{USERS}"' in page) is office_link


def test_the_users_page_runs_the_same_queries_for_1_and_20_users():
    office = UserFactory(role=Role.PORTFOLIO_OFFICE)
    client = Client()
    client.force_login(office)
    client.get(USERS)
    with CaptureQueriesContext(connection) as one:
        client.get(USERS)
    for _ in range(19):
        UserFactory(role=Role.DEPARTMENT, department=DepartmentFactory())
    with CaptureQueriesContext(connection) as twenty:
        page = client.get(USERS).content.decode()
    assert page.count("重置密码</a>") == 19  # and the office itself: 修改本人密码
    assert len(one) == len(twenty)
