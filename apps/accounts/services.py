"""Account writes (explicit actor, the policy asked, the model validated), shared by every way in
that makes an account: the first office account's command today."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.services import save_validated
from apps.organization.models import Department, Leader

from .models import User
from .policy import require
from .roles import user_join_role_group


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
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": password_messages(exc)}) from exc
    user.set_password(password)
    with transaction.atomic():
        save_validated(user, actor=actor)
        user_join_role_group(user)
    return user


def password_messages(error: ValidationError) -> list[str]:
    """AUTH_PASSWORD_VALIDATORS' messages in Chinese. Django 5.2's zh_Hans catalogue still has the
    minimum length's old msgid (`%(min_length)d`, the code now says `%d`), so that one would come
    out in English."""
    messages = []
    for item in error.error_list:
        if item.code == "password_too_short":
            messages.append(f"密码太短，至少需要 {item.params['min_length']} 个字符。")
        else:
            messages.extend(item.messages)
    return messages
