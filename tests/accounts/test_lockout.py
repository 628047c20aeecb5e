"""Login lockout on every login form: N wrong passwords per username+IP, then even the right one is
refused with the Chinese lockout page until the cool-off has passed (django-axes, real limits)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.accounts.models import LoginFailure, LoginRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456"
# The three login forms: the site's, the Django admin's, the browsable API's.
LOGIN_URLS = ["/login/", "/admin/login/", "/api-auth/login/"]
LOCKED = "登录失败次数过多"


def _post(client: Client, url: str, username: str, password: str, ip: str = "10.0.0.1", **extra):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client: Client, url: str, username: str, times: int, ip: str = "10.0.0.1"):
    return [_post(client, url, username, "wrong-password", ip) for _ in range(times)]


def test_the_defaults_are_five_failures_and_fifteen_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert dt.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_five_failures_lock_the_form_even_for_the_right_password_until_the_cool_off(url):
    UserFactory(username="zhangsan", is_staff=True)
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        responses = _fail(client, url, "zhangsan", 5)
        # The first four are the form's ordinary "wrong password"; the fifth locks.
        assert [r.status_code for r in responses[:4]] == [200] * 4
        assert responses[4].status_code == 429
        refused = _post(client, url, "zhangsan", PASSWORD)
        assert refused.status_code == 429
        page = refused.content.decode()
        assert LOCKED in page
        assert "15 分钟后再试" in page
        assert "联系项目办解锁" in page
        assert refused["Retry-After"] == str(15 * 60)
        assert not _logged_in(client)
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        accepted = _post(client, url, "zhangsan", PASSWORD)
        assert accepted.status_code == 302
        assert _logged_in(client)


def test_four_failures_do_not_lock_and_a_success_resets_the_count():
    UserFactory(username="lisi")
    client = Client()
    _fail(client, "/login/", "lisi", 4)
    assert _post(client, "/login/", "lisi", PASSWORD).status_code == 302
    client.logout()
    # Counting starts again: four more failures still leave the right password working.
    assert all(r.status_code == 200 for r in _fail(client, "/login/", "lisi", 4))
    assert _post(client, "/login/", "lisi", PASSWORD).status_code == 302


def test_the_lock_is_per_username_and_ip_together():
    UserFactory(username="wangwu")
    UserFactory(username="zhaoliu")
    _fail(Client(), "/login/", "wangwu", 5, ip="10.0.0.66")
    # The same user from another address, another user from the attacker's address: both get in.
    assert _post(Client(), "/login/", "wangwu", PASSWORD, ip="10.0.0.2").status_code == 302
    assert _post(Client(), "/login/", "zhaoliu", PASSWORD, ip="10.0.0.66").status_code == 302
    assert _post(Client(), "/login/", "wangwu", PASSWORD, ip="10.0.0.66").status_code == 429


def test_the_limit_and_cool_off_come_from_settings(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
    UserFactory(username="sunqi")
    responses = _fail(Client(), "/login/", "sunqi", 3)
    assert responses[-1].status_code == 429
    assert "30 分钟后再试" in responses[-1].content.decode()


def test_x_forwarded_for_is_ignored_unless_proxies_are_configured(settings):
    UserFactory(username="zhouba")
    client = Client()
    # An attacker rotating a forged header is still one address: locked after five.
    for n in range(5):
        _post(client, "/login/", "zhouba", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert _post(client, "/login/", "zhouba", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


def test_behind_one_proxy_the_client_is_the_right_most_forwarded_address(settings):
    settings.LOGIN_TRUSTED_PROXY_COUNT = 1
    UserFactory(username="wujiu")
    # Everything the client wrote itself (the left part) is ignored; nginx appended 203.0.113.7.
    for n in range(5):
        _post(Client(), "/login/", "wujiu", "wrong", ip="127.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7")
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    assert _post(Client(), "/login/", "wujiu", PASSWORD, ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # Another office behind the same proxy is not affected.
    assert _post(Client(), "/login/", "wujiu", PASSWORD, ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302


def test_the_office_unlocks_in_the_admin(office_user):
    UserFactory(username="zhengshi")
    _fail(Client(), "/login/", "zhengshi", 5)
    admin = Client()
    admin.force_login(office_user)
    page = admin.get("/admin/accounts/loginfailure/", {"locked": "yes"}).content.decode()
    assert "登录失败与锁定" in page
    assert "zhengshi" in page
    assert "锁定至" in page
    row = LoginFailure.objects.get(username="zhengshi")
    response = admin.post("/admin/accounts/loginfailure/", {"action": "unlock", "_selected_action": [row.pk]})
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(username="zhengshi").exists()
    assert _post(Client(), "/login/", "zhengshi", PASSWORD).status_code == 302


def test_axes_reset_unlocks_from_the_command_line():
    UserFactory(username="qianyi")
    _fail(Client(), "/login/", "qianyi", 5)
    call_command("axes_reset_username", "qianyi")
    assert _post(Client(), "/login/", "qianyi", PASSWORD).status_code == 302


def test_successful_logins_are_recorded_in_chinese_in_the_admin(office_user):
    UserFactory(username="chener")
    _post(Client(), "/login/", "chener", PASSWORD, ip="10.1.2.3")
    assert LoginRecord.objects.filter(username="chener", ip_address="10.1.2.3").exists()
    admin = Client()
    admin.force_login(office_user)
    page = admin.get("/admin/accounts/loginrecord/").content.decode()
    assert "登录记录" in page
    assert "chener" in page
    assert "10.1.2.3" in page
