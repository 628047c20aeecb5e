"""Login lockout on every login form: N wrong passwords per username+IP, then even the right one is
refused with the Chinese lockout page until the cool-off has passed (django-axes, real limits)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
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


def test_the_defaults_are_five_failures_thirty_per_address_and_fifteen_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 30
    assert dt.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is False


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


# --- the address limit: one address spraying passwords over many usernames -----------------------

ATTACKER = "10.9.9.9"


def _spray(url: str, usernames: list[str], passwords: int, ip: str = ATTACKER) -> list:
    """Every username with `passwords` wrong passwords, username after username, from one address."""
    client = Client()
    return [_post(client, url, name, f"guess-{n}", ip) for n in range(passwords) for name in usernames]


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_spraying_24_usernames_from_one_address_locks_the_address_at_the_30th_failure(url):
    # given 24 accounts (the finding: 24 usernames × 4 passwords, 96 failures and no lock)
    names = [f"staff{n:02d}" for n in range(24)]
    for name in names:
        UserFactory(username=name, is_staff=True)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        # when one address tries 4 passwords on each
        responses = _spray(url, names, 4)
        # then the first 29 are ordinary wrong passwords and the 30th locks the address
        statuses = [r.status_code for r in responses]
        assert statuses[:29] == [200] * 29
        assert statuses[29:] == [429] * (96 - 29)
        page = responses[29].content.decode()
        assert "当前网络地址 15 分钟内已有 30 次密码错误" in page
        assert "该地址的所有账号已暂时锁定" in page
        assert f"锁定至 {timezone.localtime(start + dt.timedelta(minutes=15)):%H:%M}" in page
        assert responses[29]["Retry-After"] == str(15 * 60)
        # even the right password of an account never tried is refused from that address
        fresh = UserFactory(username="untouched", is_staff=True)
        assert _post(Client(), url, fresh.username, PASSWORD, ATTACKER).status_code == 429
        # while the same accounts sign in from their own addresses
        assert _post(Client(), url, names[0], PASSWORD, "10.0.0.5").status_code == 302
    # refused tries were not recorded: the count stopped at the limit
    assert sum(LoginFailure.objects.filter(ip_address=ATTACKER).values_list("failures_since_start", flat=True)) == 30
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert _post(Client(), url, names[0], PASSWORD, ATTACKER).status_code == 302


def test_the_address_lock_page_does_not_tell_whether_a_username_exists():
    UserFactory(username="real")
    _spray("/login/", [f"nobody{n}" for n in range(30)], 1)
    known = _post(Client(), "/login/", "real", "x", ATTACKER)
    unknown = _post(Client(), "/login/", "no-such-user", "x", ATTACKER)
    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content


def test_typos_followed_by_a_success_do_not_add_up_for_a_bureau_behind_one_address():
    # given a bureau of 40 behind one NAT address, each mistyping twice before signing in
    names = [f"clerk{n:02d}" for n in range(40)]
    for name in names:
        UserFactory(username=name)
    with time_machine.travel(timezone.now(), tick=False):
        for name in names:
            _fail(Client(), "/login/", name, 2, ip="10.20.0.1")
            # then every one of them gets in: 80 typos in all, none of them left counting
            assert _post(Client(), "/login/", name, PASSWORD, "10.20.0.1").status_code == 302
    assert not LoginFailure.objects.filter(ip_address="10.20.0.1").exists()


def test_the_address_limit_comes_from_settings(settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    responses = _spray("/login/", ["a1", "a2", "a3"], 1)
    assert [r.status_code for r in responses] == [200, 200, 429]


# --- a try during the lock does not extend it ------------------------------------------------------


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_tries_during_an_account_lock_do_not_restart_the_cool_off(url):
    UserFactory(username="colleague", is_staff=True)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(Client(), url, "colleague", 5)
    # when someone behind the same address keeps trying every few minutes during the lock
    for minutes in (1, 5, 10, 14):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            refused = _post(Client(), url, "colleague", "wrong-again")
            assert refused.status_code == 429
            # the page counts down to the same end
            assert refused["Retry-After"] == str((15 - minutes) * 60)
            assert f"{15 - minutes} 分钟后再试" in refused.content.decode()
    # then the lock still ends 15 minutes after the fifth failure
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert _post(Client(), url, "colleague", PASSWORD).status_code == 302


def test_tries_during_an_address_lock_do_not_restart_it():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _spray("/login/", [f"x{n}" for n in range(30)], 1)
    UserFactory(username="victim")
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        for name in ("victim", "x1", "someone"):
            assert _post(Client(), "/login/", name, "wrong", ATTACKER).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert _post(Client(), "/login/", "victim", PASSWORD, ATTACKER).status_code == 302


def test_the_address_lock_ends_when_the_failures_inside_the_window_fall_below_the_limit(settings):
    # given 3 allowed per address: two failures at 10:00, one at 10:10 (the lock)
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _spray("/login/", ["p1", "p2"], 1)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        locking = _post(Client(), "/login/", "p3", "wrong", ATTACKER)
        # then it ends when the 10:00 failures leave the 15-minute window: at 10:15, in 5 minutes
        assert locking.status_code == 429
        assert locking["Retry-After"] == str(5 * 60)
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        # one more try is allowed, and with 10:10's failure it reaches the limit again
        assert _post(Client(), "/login/", "p4", "wrong", ATTACKER).status_code == 200
        assert _post(Client(), "/login/", "p5", "wrong", ATTACKER).status_code == 429


def test_the_office_unlocks_an_address_in_the_admin(office_user):
    _spray("/login/", [f"s{n}" for n in range(30)], 1)
    UserFactory(username="waiting")
    admin = Client()
    admin.force_login(office_user)
    page = admin.get("/admin/accounts/loginfailure/", {"locked": "yes"}).content.decode()
    assert "所在地址已锁定" in page
    row = LoginFailure.objects.filter(ip_address=ATTACKER).first()
    response = admin.post("/admin/accounts/loginfailure/", {"action": "unlock_address", "_selected_action": [row.pk]})
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(ip_address=ATTACKER).exists()
    assert _post(Client(), "/login/", "waiting", PASSWORD, ATTACKER).status_code == 302


def test_axes_reset_ip_unlocks_an_address_from_the_command_line():
    _spray("/login/", [f"c{n}" for n in range(30)], 1)
    UserFactory(username="cmd")
    call_command("axes_reset_ip", ATTACKER)
    assert _post(Client(), "/login/", "cmd", PASSWORD, ATTACKER).status_code == 302


def test_the_login_failure_list_runs_the_same_queries_for_1_and_20_rows(office_user):
    admin = Client()
    admin.force_login(office_user)
    _fail(Client(), "/login/", "q0", 1)
    admin.get("/admin/accounts/loginfailure/")  # warm up (content types, session)
    with CaptureQueriesContext(connection) as one:
        admin.get("/admin/accounts/loginfailure/")
    for n in range(1, 20):
        _fail(Client(), "/login/", f"q{n}", 1, ip=f"10.3.0.{n}")
    with CaptureQueriesContext(connection) as twenty:
        page = admin.get("/admin/accounts/loginfailure/")
    assert page.content.decode().count("未锁定") >= 20
    assert len(one) == len(twenty)
