"""Password rules beside Django's own (AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from .demo import DEMO_PASSWORD


class PublishedPasswordValidator:
    """The demo password is in the README: anybody who read it could sign in with it."""

    message = "不能使用公开的演示密码，请另设一个。"

    def validate(self, password: str, user=None) -> None:
        if password.casefold() == DEMO_PASSWORD.casefold():
            raise ValidationError(self.message, code="password_published")

    def get_help_text(self) -> str:
        return "不能使用公开的演示密码。"
