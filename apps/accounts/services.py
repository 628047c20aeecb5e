"""Account writes with an explicit actor under the policy: a new account (the first office account's
command), a user changing their own password, the office resetting another's to a one-time password.

Either way the password's hash changes, and with it the hash every session of that user carries
(Django checks it on each request): the user's other sessions end. The changing user's own session
is kept by the page (update_session_auth_hash); a reset keeps none of the user's. API tokens are a
system's credential, not the person's, and are not touched.
"""

from __future__ import annotations

import logging
import secrets

from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from apps.core.services import save_validated
from apps.organization.models import Department, Leader

from .models import User
from .policy import require
from .roles import user_join_role_group

logger = logging.getLogger(__name__)

# No 0/O, 1/l/I: the office reads the one-time password out over the phone.
ONE_TIME_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
ONE_TIME_LENGTH = 12

WRONG_OLD = "原密码不正确。"
UNCHANGED = "新密码不能与原密码相同。"
OWN_RESET = "不能在这里重置本人的密码，请在“修改密码”页面修改。"


def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    department: Department | None = None,
    leader: Leader | None = None,
    full_name: str = "",
    email: str = "",
    is_staff: bool = False,
) -> User:
    """A new account in its role's group. An existing username (in any letter case) is refused,
    never overwritten; the password must pass AUTH_PASSWORD_VALIDATORS."""
    username = username.strip()
    user = User(
        username=username,
        role=role,
        department=department,
        leader=leader,
        last_name=full_name.strip(),
        email=email.strip(),
        is_staff=is_staff,
    )
    require(actor, "create", user)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已存在。已有账号不会被覆盖；如需修改其密码或角色，请在后台“用户”中操作。"})
    try:
        # With the user, so a password like the username or the name is refused too.
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    with transaction.atomic():
        save_validated(user, actor=actor)
        user_join_role_group(user)
    return user


def _audit(*, actor: User, user: User, message: str) -> None:
    # The admin's history of the user (管理后台 › 用户 › 历史): who changed whose password, when.
    LogEntry.objects.log_actions(
        user_id=actor.pk, queryset=User.objects.filter(pk=user.pk), action_flag=CHANGE, change_message=message, single_object=True
    )


def _old_password_ok(actor: User, old_password: str, request: HttpRequest | None) -> bool:
    if request is None:
        return actor.check_password(old_password)
    # Through authenticate(), as at sign-in: a wrong old password counts toward the login lockout
    # (apps/accounts/lockout.py), so a borrowed session cannot be used to guess the password.
    return authenticate(request, username=actor.get_username(), password=old_password) is not None


def user_password_change(*, actor: User, old_password: str, new_password: str, request: HttpRequest | None = None) -> User:
    """A signed-in user sets their own password: the old one proves it is them, Django's validators
    (AUTH_PASSWORD_VALIDATORS) judge the new one, and a one-time password's flag is cleared.

    `request` is the page's request, so that a wrong old password counts like a wrong password at
    sign-in; without one (a command) the password is only checked."""
    if not _old_password_ok(actor, old_password, request):
        raise ValidationError({"old_password": [WRONG_OLD]})
    if new_password == old_password:
        raise ValidationError({"new_password": [UNCHANGED]})
    try:
        password_validation.validate_password(new_password, actor)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    with transaction.atomic():
        actor.set_password(new_password)
        actor.must_change_password = False
        actor.save(update_fields=["password", "must_change_password"])
        _audit(actor=actor, user=actor, message="修改了本人密码。")
    logger.info("Password changed by %s", actor.get_username())
    return actor


def one_time_password(user: User) -> str:
    """A random password that Django's validators accept for `user`."""
    while True:
        password = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))
        try:
            password_validation.validate_password(password, user)
        except ValidationError:
            continue
        return password


def user_password_reset(*, actor: User, user: User) -> str:
    """The office resets `user`'s password under the policy's (User, "change") rule — the office, and
    a superuser's account only by a superuser — to a one-time password that must be changed at the
    next sign-in. Returns it (shown once, to the office; only its hash is stored).

    Every session of `user` ends; the account's own lockout (its username's failures) is lifted so
    the new password works at once; an address lock and the user's API tokens stay."""
    require(actor, "change", user)
    if actor.pk == user.pk:
        raise ValidationError(OWN_RESET)
    password = one_time_password(user)
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        AccessAttempt.objects.filter(username=user.get_username()).delete()
        _audit(actor=actor, user=user, message="重置了密码（一次性密码，下次登录须修改）。")
    logger.info("Password of %s reset by %s", user.get_username(), actor.get_username())
    return password
