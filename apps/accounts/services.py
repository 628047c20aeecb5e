"""Account writes with an explicit actor under the policy: a new account (the first office account's
command), a user changing their own password, the office resetting another's to a one-time password.

Either way the password's hash changes, and with it the hash every session of that user carries
(Django checks it on each request): the user's other sessions end. The changing user's own session
is kept by the page (update_session_auth_hash); a reset keeps none of the user's. API tokens are a
system's credential, not the person's, and are not touched.

API tokens: issued and revoked by a user the policy lets do it, and marked used by the API's
authentication (the one write a request makes on a read: bookkeeping, like a session's last login).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.core.services import save_validated
from apps.organization.models import Department, Leader

from .models import ApiToken, TokenScope, User, default_expiry, hash_key
from .policy import require
from .roles import user_join_role_group
from .types import Actor

logger = logging.getLogger(__name__)

# No 0/O, 1/l/I: the office reads the one-time password out over the phone.
ONE_TIME_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
ONE_TIME_LENGTH = 12

# The authentication records a token's use at most this often, so reads stay reads.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)

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


# --- API tokens: a system's credential, not the person's ------------------------------------


def token_issue(
    *,
    actor: Actor,
    user,
    name: str,
    scope: str = TokenScope.READ,
    expires_at: dt.datetime | None = None,
    never_expires: bool = False,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its clear-text key (shown to the issuer once).

    Without `expires_at` the token expires after API_TOKEN_DEFAULT_DAYS: a key forgotten in a
    retired system stops working by itself. A token that never expires must be asked for by
    name (`never_expires=True`), never obtained by leaving a field out. `actor` None is the
    system (the issue_token command run by the operator).
    """
    if never_expires and expires_at is not None:
        raise ValueError("expires_at and never_expires exclude each other")
    if not never_expires and expires_at is None:
        expires_at = default_expiry()
    key = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, scope=scope, expires_at=expires_at, prefix=key[:8], key_hash=hash_key(key))
    require(actor, "create", token)
    token.save()
    return token, key


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token for good (no un-revoke: that would be a back door); revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    require(actor, "revoke", token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_mark_used(token: ApiToken) -> None:
    """Record that `token` authenticated a request (throttled; no history entry, no policy: the
    token's own use is not an act of its user)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
