"""Password rules beside Django's own (AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from django.contrib.auth import password_validation
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


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with its refusal in Chinese: Django 5.2's zh_Hans catalogue translates
    the help text but not this message (users would read "This password is too short…")."""

    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"
