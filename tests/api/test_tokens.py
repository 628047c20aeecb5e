import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from apps.api.models import ApiToken, TokenScope
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_authenticates_and_only_its_hash_is_stored():
    user = UserFactory(role="viewer")
    token, key = ApiToken.issue(user=user, name="统计局", scope=TokenScope.READ)
    assert key not in (token.key_hash, token.prefix * 5)
    assert _client(key).get("/api/v1/projects/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_bearer_is_accepted_too():
    _, key = ApiToken.issue(user=UserFactory(), name="大数据平台")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/projects/").status_code == 200


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown", "inactive_user"])
def test_expired_revoked_unknown_tokens_are_refused_in_chinese(state):
    user = UserFactory()
    token, key = ApiToken.issue(user=user, name="督查系统")
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
    _, key = ApiToken.issue(user=UserFactory(role="office", is_superuser=True), name="只读", scope=TokenScope.READ)
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


def test_tokens_are_throttled_per_token(settings):
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "3/min", "user": "1000/min"}}
    cache.clear()
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        user = UserFactory()
        _, first = ApiToken.issue(user=user, name="甲")
        _, second = ApiToken.issue(user=user, name="乙")
        codes = [_client(first).get("/api/v1/regions/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = _client(first).get("/api/v1/regions/")
        assert "限流" in limited.json()["message"]
        assert "Retry-After" in limited
        assert _client(second).get("/api/v1/regions/").status_code == 200  # its own budget
    finally:
        settings.REST_FRAMEWORK = settings.REST_FRAMEWORK
        cache.clear()
