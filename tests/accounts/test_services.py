"""Passwords through the services: a user changes their own (old password, Django's validators);
the office resets another's to a one-time password under the policy's (User, "change") rule."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from apps.accounts.demo import DEMO_PASSWORD
from apps.accounts.models import ApiToken, LoginFailure, Role
from apps.accounts.policy import SUPERUSER_ROWS
from apps.accounts.services import ONE_TIME_ALPHABET, token_issue, user_password_change, user_password_reset
from tests.factories import DepartmentFactory, LeaderFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456"


def _messages(exc: ValidationError, field: str) -> list[str]:
    return exc.value.message_dict[field]


def test_a_user_changes_their_own_password_with_the_old_one():
    user = UserFactory(username="lisi")
    user_password_change(actor=user, old_password=PASSWORD, new_password="Jiaotong-2027")
    user.refresh_from_db()
    assert user.check_password("Jiaotong-2027")
    assert LogEntry.objects.get(object_id=str(user.pk)).change_message == "修改了本人密码。"


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("wrong-old", "Jiaotong-2027", "old_password", "原密码不正确。"),
        (PASSWORD, PASSWORD, "new_password", "新密码不能与原密码相同。"),
        (PASSWORD, "short1", "new_password", "密码太短，至少需要 8 个字符。"),
        (PASSWORD, "wangwu2027", "new_password", "密码跟 用户名 太相似了。"),
        (PASSWORD, "20270101", "new_password", "密码只包含数字。"),
        (PASSWORD, "password123", "new_password", "这个密码太常见了。"),
        (PASSWORD, DEMO_PASSWORD, "new_password", "不能使用公开的演示密码，请另设一个。"),
    ],
)
def test_a_refused_change_says_why_in_chinese_and_changes_nothing(old, new, field, message):
    user = UserFactory(username="wangwu")
    with pytest.raises(ValidationError) as exc:
        user_password_change(actor=user, old_password=old, new_password=new)
    assert message in _messages(exc, field)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_office_resets_a_users_password_to_a_one_time_password():
    office = UserFactory(username="xmb-office", role=Role.PORTFOLIO_OFFICE)
    user = UserFactory(username="zjj-clerk", role=Role.DEPARTMENT, department=DepartmentFactory())
    _, key = token_issue(actor=None, user=user, name="住建局系统")
    LoginFailure.objects.create(username="zjj-clerk", ip_address="10.0.0.1", failures_since_start=5, user_agent="x")
    LoginFailure.objects.create(username="other", ip_address="10.0.0.1", failures_since_start=3, user_agent="x")
    # when
    password = user_password_reset(actor=office, user=user)
    # then a 12-character one-time password, which the user must change
    assert len(password) == 12
    assert set(password) <= set(ONE_TIME_ALPHABET)
    user.refresh_from_db()
    assert user.check_password(password)
    assert user.must_change_password
    # the account's own lock is lifted, nobody else's; its API token stays
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["other"]
    assert ApiToken.objects.get(user=user).is_active
    assert LogEntry.objects.get(object_id=str(user.pk), user=office).change_message == "重置了密码（一次性密码，下次登录须修改）。"
    # and setting their own clears the flag
    user_password_change(actor=user, old_password=password, new_password="Zhujian-2027")
    user.refresh_from_db()
    assert not user.must_change_password


@pytest.mark.parametrize(
    ("role", "extra"),
    [(Role.DEPARTMENT, {"department": True}), (Role.LEADER, {"leader": True}), (Role.VIEWER, {})],
)
def test_only_the_office_resets_passwords(role, extra):
    kwargs = {"department": DepartmentFactory()} if "department" in extra else {"leader": LeaderFactory()} if "leader" in extra else {}
    actor = UserFactory(role=role, **kwargs)
    user = UserFactory(role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        user_password_reset(actor=actor, user=user)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not user.must_change_password


def test_the_office_cannot_reset_a_superusers_password_but_a_superuser_can():
    office = UserFactory(role=Role.PORTFOLIO_OFFICE)
    root = UserFactory(username="root", is_superuser=True)
    with pytest.raises(PermissionDenied, match=SUPERUSER_ROWS):
        user_password_reset(actor=office, user=root)
    root.refresh_from_db()
    assert root.check_password(PASSWORD)
    other_root = UserFactory(username="root2", is_superuser=True)
    assert root.check_password(PASSWORD)
    user_password_reset(actor=other_root, user=root)
    root.refresh_from_db()
    assert root.must_change_password


def test_nobody_resets_their_own_password_here():
    office = UserFactory(role=Role.PORTFOLIO_OFFICE)
    with pytest.raises(ValidationError, match="修改密码"):
        user_password_reset(actor=office, user=office)
