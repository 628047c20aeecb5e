import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken, TokenScope
from apps.accounts.services import token_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_authenticates_and_only_its_hash_is_stored():
    user = UserFactory(role="viewer")
    token, key = token_issue(actor=None, user=user, name="统计局", scope=TokenScope.READ)
    assert key not in (token.key_hash, token.prefix * 5)
    assert _client(key).get("/api/v1/projects/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_bearer_is_accepted_too():
    _, key = token_issue(actor=None, user=UserFactory(), name="大数据平台")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/projects/").status_code == 200


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown", "inactive_user"])
def test_expired_revoked_unknown_tokens_are_refused_in_chinese(state):
    user = UserFactory()
    token, key = token_issue(actor=None, user=user, name="督查系统")
    if state == "expired":
        token.expires_at = timezone.now() - dt.timedelta(minutes=1)
        token.save()
    elif state == "revoked":
        token.revoked_at = timezone.now()
        token.save()
    elif state == "unknown":
        key = "x" * 43
    else:
        user.is_active = False
        user.save()
    response = _client(key).get("/api/v1/projects/")
    assert response.status_code == 401
    assert "令牌" in response.json()["message"]


def test_a_read_only_token_cannot_write():
    _, key = token_issue(actor=None, user=UserFactory(role="office", is_superuser=True), name="只读", scope=TokenScope.READ)
    response = _client(key).post("/api/v1/departments/", {"name": "新单位"}, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == "只读令牌不能修改数据。"


def test_issue_token_command_prints_the_key_once():
    UserFactory(username="tjj")
    out, err = StringIO(), StringIO()
    call_command("issue_token", "--user", "tjj", "--name", "统计局数据平台", "--days", "30", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.scope == TokenScope.READ
    assert token.expires_at > timezone.now() + dt.timedelta(days=29)
    assert "只显示这一次" in err.getvalue()
    assert _client(key).get("/api/v1/regions/").status_code == 200
    with pytest.raises(CommandError, match="不存在"):
        call_command("issue_token", "--user", "nobody", "--name", "x")


def _set_rates(settings, **rates) -> None:
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "100000/min", "user": "100000/min", **rates}}
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


@pytest.fixture
def rates(settings):
    """Set throttle rates for one test; the counts start empty and the suite's rates come back."""
    from django.core.cache import cache

    cache.clear()
    yield lambda **rates: _set_rates(settings, **rates)
    cache.clear()
    _set_rates(settings)


def test_tokens_are_throttled_per_token(rates):
    rates(token="3/min")
    user = UserFactory()
    _, first = token_issue(actor=None, user=user, name="甲")
    _, second = token_issue(actor=None, user=user, name="乙")
    codes = [_client(first).get("/api/v1/regions/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = _client(first).get("/api/v1/regions/")
    assert "限流" in limited.json()["message"]
    assert "Retry-After" in limited
    assert _client(second).get("/api/v1/regions/").status_code == 200  # its own budget


def test_a_throttled_response_is_429_with_integer_retry_after_and_the_error_shape(rates):
    rates(token="1/min")
    _, key = token_issue(actor=None, user=UserFactory(), name="统计局")
    assert _client(key).get("/api/v1/regions/").status_code == 200
    limited = _client(key).get("/api/v1/regions/")
    assert limited.status_code == 429
    seconds = limited["Retry-After"]
    assert seconds.isdigit()
    assert 1 <= int(seconds) <= 60
    assert limited.json() == {"code": "throttled", "message": f"请求过于频繁，已被限流，请 {seconds} 秒后再试。", "errors": {}}


def test_a_logged_in_browser_user_is_throttled_the_same_way(rates):
    rates(user="1/min")
    client = APIClient()
    client.force_login(UserFactory(role="viewer"))
    client.get("/api/v1/regions/")
    limited = client.get("/api/v1/regions/")
    assert limited.status_code == 429
    assert limited["Retry-After"].isdigit()
    assert "秒后再试" in limited.json()["message"]


def test_a_throttle_without_a_wait_still_sends_retry_after(monkeypatch, rates):
    # DRF's wait() is None when the history already exceeds a lowered rate; clients still need a time.
    from apps.api.throttling import TokenRateThrottle

    rates(token="1/min")
    monkeypatch.setattr(TokenRateThrottle, "wait", lambda self: None)
    _, key = token_issue(actor=None, user=UserFactory(), name="甲")
    _client(key).get("/api/v1/regions/")
    limited = _client(key).get("/api/v1/regions/")
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert limited.json()["message"] == "请求过于频繁，已被限流，请 60 秒后再试。"


# --- expiry and last use --------------------------------------------------------------------


def test_an_issued_token_expires_after_the_default_days(settings):
    settings.API_TOKEN_DEFAULT_DAYS = 90
    token, _ = token_issue(actor=None, user=UserFactory(), name="统计局")
    expected = timezone.now() + dt.timedelta(days=90)
    assert abs(token.expires_at - expected) < dt.timedelta(minutes=1)


def test_the_default_is_365_days(settings):
    assert settings.API_TOKEN_DEFAULT_DAYS == 365


def test_never_expiring_is_a_deliberate_choice():
    token, _ = token_issue(actor=None, user=UserFactory(), name="长期对接", never_expires=True)
    assert token.expires_at is None
    chosen = timezone.now() + dt.timedelta(days=7)
    assert token_issue(actor=None, user=UserFactory(), name="短期", expires_at=chosen)[0].expires_at == chosen
    with pytest.raises(ValueError, match="exclude"):
        token_issue(actor=None, user=UserFactory(), name="矛盾", expires_at=chosen, never_expires=True)


def test_a_token_past_its_default_expiry_is_refused():
    import time_machine

    _, key = token_issue(actor=None, user=UserFactory(), name="统计局")
    with time_machine.travel(timezone.now() + dt.timedelta(days=366)):
        response = _client(key).get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.json()["message"] == "令牌已过期或已被吊销。"


def test_last_use_is_recorded_at_most_once_a_minute():
    import time_machine

    token, key = token_issue(actor=None, user=UserFactory(), name="统计局")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _client(key).get("/api/v1/regions/")
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        _client(key).get("/api/v1/regions/")
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=90), tick=False):
        _client(key).get("/api/v1/regions/")
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=90)


def test_issue_token_command_defaults_to_the_setting_and_never_expires_only_when_asked(settings):
    settings.API_TOKEN_DEFAULT_DAYS = 30
    UserFactory(username="tjj")
    err = StringIO()
    call_command("issue_token", "--user", "tjj", "--name", "默认", stdout=StringIO(), stderr=err)
    token = ApiToken.objects.get(name="默认")
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert "有效期至" in err.getvalue()
    err = StringIO()
    call_command("issue_token", "--user", "tjj", "--name", "长期", "--never-expires", stdout=StringIO(), stderr=err)
    assert ApiToken.objects.get(name="长期").expires_at is None
    assert "长期有效" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("issue_token", "--user", "tjj", "--name", "x", "--days", "5", "--never-expires")
    with pytest.raises(CommandError, match="大于0"):
        call_command("issue_token", "--user", "tjj", "--name", "x", "--days", "0")


@pytest.fixture
def admin_client(office_user):
    from django.test import Client

    client = Client()
    client.force_login(office_user)
    return client


def test_the_admin_issues_with_the_default_expiry_unless_never_expires_is_ticked(admin_client, settings):
    settings.API_TOKEN_DEFAULT_DAYS = 60
    owner = UserFactory(username="tjj")
    add = "/admin/accounts/apitoken/add/"
    form = admin_client.get(add)
    assert "长期有效" in form.content.decode()
    assert form.context["adminform"].form.initial["expires_at"] > timezone.now() + dt.timedelta(days=59)
    response = admin_client.post(add, {"name": "默认", "user": owner.pk, "scope": "read", "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 302
    assert ApiToken.objects.get(name="默认").expires_at > timezone.now() + dt.timedelta(days=59)
    response = admin_client.post(add, {"name": "长期", "user": owner.pk, "scope": "read", "never_expires": "on"})
    assert response.status_code == 302
    assert ApiToken.objects.get(name="长期").expires_at is None
    both = admin_client.post(
        add,
        {"name": "矛盾", "user": owner.pk, "scope": "read", "expires_at_0": "2030-01-01", "expires_at_1": "00:00", "never_expires": "on"},
    )
    assert "选择“长期有效”时请清空过期时间。" in both.content.decode()


def test_clearing_an_issued_tokens_expiry_needs_never_expires(admin_client):
    token, _ = token_issue(actor=None, user=UserFactory(), name="统计局")
    url = f"/admin/accounts/apitoken/{token.pk}/change/"
    response = admin_client.post(url, {"name": "统计局", "scope": "read", "expires_at_0": "", "expires_at_1": ""})
    assert "请填写过期时间，或勾选“长期有效”。" in response.content.decode()
    token.refresh_from_db()
    assert token.expires_at is not None
    assert admin_client.post(url, {"name": "统计局", "scope": "read", "never_expires": "on"}).status_code == 302
    token.refresh_from_db()
    assert token.expires_at is None


def test_the_admin_list_shows_expiry_and_last_use(admin_client):
    token_issue(actor=None, user=UserFactory(), name="长期对接", never_expires=True)
    used, key = token_issue(actor=None, user=UserFactory(), name="统计局", expires_at=timezone.now() + dt.timedelta(days=10))
    _client(key).get("/api/v1/regions/")
    page = admin_client.get("/admin/accounts/apitoken/").content.decode()
    assert "长期有效" in page
    assert "从未使用" in page
    used.refresh_from_db()
    assert f"{timezone.localtime(used.last_used_at):%Y-%m-%d %H:%M}" in page
    assert f"{timezone.localtime(used.expires_at):%Y-%m-%d %H:%M}" in page
    soon = admin_client.get("/admin/accounts/apitoken/", {"validity": "soon"}).content.decode()
    assert "统计局" in soon
    assert "长期对接" not in soon


def test_revoking_goes_through_the_policy_and_is_final():
    from django.core.exceptions import PermissionDenied

    from apps.accounts.services import token_revoke

    token, key = token_issue(actor=None, user=UserFactory(), name="住建局系统")
    with pytest.raises(PermissionDenied):
        token_revoke(actor=UserFactory(role="viewer"), token=token)
    assert _client(key).get("/api/v1/projects/").status_code == 200

    revoked = token_revoke(actor=UserFactory(role="office", is_superuser=True), token=token)
    again = token_revoke(actor=None, token=token)

    assert revoked.revoked_at is not None
    assert again.revoked_at == revoked.revoked_at
    assert _client(key).get("/api/v1/projects/").status_code == 401


def test_issuing_is_refused_to_whom_the_policy_refuses():
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        token_issue(actor=UserFactory(role="viewer"), user=UserFactory(), name="越权")
    assert not ApiToken.objects.filter(name="越权").exists()
