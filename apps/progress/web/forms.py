"""Forms of the monthly report pages.

They only parse what was typed (a number is a number); every rule — no negative amount, 0–100 %,
one report per period, no future period, a required return reason — is the service's, so the page
refuses exactly what the API refuses, with the same Chinese messages (apps/web/views/common.py)."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.progress.models import ProgressReport

# The fields the services accept (apps/progress/services.py EDITABLE_FIELDS), in page order.
CONTENT_FIELDS = ("period_completed", "image_progress_text", "image_progress_pct", "problems_text", "next_plan")


class ReportContentForm(forms.Form):
    period_completed = forms.DecimalField(
        label="本月完成投资（万元）",
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        error_messages={"invalid": "本月完成投资应为数字。"},
        help_text="不填按 0 计。",
    )
    image_progress_pct = forms.DecimalField(
        label="形象进度完成百分比（%）",
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        error_messages={"invalid": "形象进度百分比应为数字。"},
        help_text="0 至 100，可不填。",
    )
    image_progress_text = forms.CharField(label="形象进度", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    problems_text = forms.CharField(label="存在问题", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    next_plan = forms.CharField(label="下步工作安排/需协调事项", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def content(self) -> dict[str, Any]:
        """The cleaned values in the shape the services take (`data=`).

        A blank amount is the model's default (0), as when the API is sent no amount."""
        data = {name: self.cleaned_data[name] for name in CONTENT_FIELDS}
        if data["period_completed"] is None:
            data["period_completed"] = ProgressReport._meta.get_field("period_completed").get_default()
        return data

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put a service's refusal on the fields it names; the rest above the form."""
        for name, messages in errors.items():
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, message)


class ReportCreateForm(ReportContentForm):
    year = forms.IntegerField(label="年度", error_messages={"required": "请填写年度。", "invalid": "年度应为整数。"})
    month = forms.IntegerField(label="月份", error_messages={"required": "请填写月份。", "invalid": "月份应为整数。"})

    field_order = ("year", "month", *CONTENT_FIELDS)


class ReportEditForm(ReportContentForm):
    # The report's version when the page was opened (apps/core/versioning.py): a save over someone
    # else's newer save is refused, naming who saved it, as the API refuses a stale If-Match.
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class ReturnForm(forms.Form):
    # Not required here: an empty reason gets the service's own refusal, the API's message.
    return_reason = forms.CharField(label="退回意见（必填）", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, message)
