"""The shell's forms and the helpers every app's page forms use (apps/<app>/web/forms.py).

A page form only parses what the user typed (types, lengths, the field validators the API's
serializers apply too); every rule — dates not in the future, signed never above total, deadline not
before the raised date, who may act — is the core service's, so the page refuses exactly what the
API refuses, with the same Chinese messages (see `show_service_errors`)."""

from __future__ import annotations

from django import forms

from apps.core import uploads

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The file chooser offers the accepted types; what is accepted is the upload check's (in the service).
UPLOAD_INPUT = forms.FileInput(attrs={"accept": uploads.ACCEPT_ATTRIBUTE})


def dated(fields: dict[str, forms.Field]) -> dict[str, forms.Field]:
    """Date fields get the browser's date picker."""
    for field in fields.values():
        if isinstance(field, forms.DateField):
            field.widget = DATE_INPUT
    return fields


def show_service_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    """Put a service's refusal on the form: each message on its field, the rest above the form."""
    for name, messages in errors.items():
        form.add_error(name if name in form.fields else None, list(messages))


class PasswordChangeForm(forms.Form):
    """Old password and the new one twice; whether the old one is right and the new one good enough
    is the service's (apps/accounts/services.py user_password_change)."""

    old_password = forms.CharField(
        label="原密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "请输入原密码。"},
    )
    new_password = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 8 位，不能全是数字，不能是常见密码或与用户名、姓名相近，不能使用公开的演示密码。",
        error_messages={"required": "请输入新密码。"},
    )
    new_password_again = forms.CharField(
        label="再次输入新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请再次输入新密码。"},
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password_again") and data["new_password"] != data["new_password_again"]:
            self.add_error("new_password_again", "两次输入的新密码不一致。")
        return data
