"""The forms of the project dossier: complete a milestone, land figures, raise/resolve/close a
problem, a leader's 批示.

They only parse what the user typed (types, lengths, the field validators the API's serializers
apply too); every rule — dates not in the future, signed never above total, deadline not before
the raised date, who may act — is the core service's, so the page refuses exactly what the API
refuses, with the same Chinese messages (see `show_service_errors`)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.core import uploads
from apps.land.models import LandAcquisition
from apps.land.services import LAND_FIELDS
from apps.milestones.models import Milestone
from apps.milestones.services import DOC_NUMBER_REQUIRED, REOPEN_REASON_MAX, REOPEN_REASON_REQUIRED
from apps.problems.models import Problem
from apps.problems.services import PROBLEM_FIELDS
from apps.projects.models import AnnualPlan, CommentKind, ProjectComment
from apps.projects.plans import PLAN_FIELDS, REASON_MAX_LENGTH

CONFIRM_REQUIRED = "请核对将记录的内容并勾选确认后再办结。"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The file chooser offers the accepted types; what is accepted is the upload check's (in the service).
UPLOAD_INPUT = forms.FileInput(attrs={"accept": uploads.ACCEPT_ATTRIBUTE})


def _dated(fields: dict[str, forms.Field]) -> dict[str, forms.Field]:
    """Date fields get the browser's date picker."""
    for field in fields.values():
        if isinstance(field, forms.DateField):
            field.widget = DATE_INPUT
    return fields


def show_service_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    """Put a service's refusal on the form: each message on its field, the rest above the form."""
    for name, messages in errors.items():
        form.add_error(name if name in form.fields else None, list(messages))


class MilestoneCompleteForm(forms.Form):
    """What the API's MilestoneCompleteSerializer takes: date, 文号, optional scan — and, on the page,
    an explicit confirmation of what will be recorded (a completion is not one click). The 文号 is
    marked required where the template item says so; the service is what refuses its absence."""

    actual_date = forms.DateField(label="实际完成（取得批复）日期", widget=DATE_INPUT)
    doc_number = forms.CharField(label=Milestone._meta.get_field("doc_number").verbose_name, max_length=100, required=False)
    attachment = forms.FileField(label="批复文件扫描件", required=False, widget=UPLOAD_INPUT)
    confirm = forms.BooleanField(
        label="我已核对上方“将记录”的内容，确认办结",
        error_messages={"required": CONFIRM_REQUIRED},
        help_text="办结后，如有错误须由项目办撤销办结并说明原因。",
    )

    def __init__(self, *args, milestone: Milestone | None = None, **kwargs):
        kwargs.setdefault("initial", {"actual_date": timezone.localdate(), "doc_number": milestone.doc_number if milestone else ""})
        super().__init__(*args, **kwargs)
        self.fields["attachment"].help_text = uploads.help_text()
        if milestone is not None and milestone.requires_doc_number:
            self.fields["doc_number"].required = True
            self.fields["doc_number"].error_messages["required"] = DOC_NUMBER_REQUIRED
            self.fields["doc_number"].help_text = "该要件的模板要求办结时填写批复文号或证照编号。"


class MilestoneReopenForm(forms.Form):
    """The office's undo of a completion: the reason is kept in the milestone's history."""

    reason = forms.CharField(
        label="撤销原因",
        max_length=REOPEN_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": REOPEN_REASON_REQUIRED},
        help_text="将记入该要件/节点的变更记录（谁、何时、为什么）。",
    )


# Land figures: the fields the service lets a write set (the API's write serializer, less `project`),
# with the model fields' own validators (e.g. 金额不能为负数), as DRF's ModelSerializer builds them.
LAND_FORM_FIELDS = [f.name for f in LandAcquisition._meta.concrete_fields if f.name in LAND_FIELDS]


class LandAcquisitionForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_dated(forms.fields_for_model(LandAcquisition, fields=LAND_FORM_FIELDS)))
        for name in ("remarks",):
            self.fields[name].widget.attrs["rows"] = 3

    @staticmethod
    def initial_from(land: LandAcquisition) -> dict:
        return forms.model_to_dict(land, fields=LAND_FORM_FIELDS)


# A new problem on a project's page: what the service takes (PROBLEM_FIELDS), less the project
# (the page's own) and the fields that are the office's later steps (status, 督办等级), in the
# model's order.
PROBLEM_FORM_FIELDS = [
    f.name for f in Problem._meta.concrete_fields if f.name in PROBLEM_FIELDS - {"project", "status", "escalation_level"}
]


class ProblemCreateForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"raised_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields.update(_dated(forms.fields_for_model(Problem, fields=PROBLEM_FORM_FIELDS)))
        self.fields["description"].widget.attrs["rows"] = 4


class ProblemResolveForm(forms.Form):
    # Not required here: an empty text is the service's to refuse ("请填写解决情况。"), as for the API.
    resolution = forms.CharField(label="解决情况", required=False, widget=forms.Textarea(attrs={"rows": 4}))


class ProblemCloseForm(forms.Form):
    evidence = forms.FileField(label="销号佐证材料", required=False, widget=UPLOAD_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = uploads.help_text()


class ProjectCommentForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=CommentKind.choices, initial=CommentKind.INSTRUCTION)
    # Left to the model's validation in the service (a blank text is refused there, as for the API).
    text = forms.CharField(
        label=ProjectComment._meta.get_field("text").verbose_name, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PlanAdjustForm(forms.Form):
    """调整计划: the plan's fields, the reason, and the version the page was opened with (hidden): a
    save over someone else's newer adjustment is refused, as the API refuses a stale If-Match."""

    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_dated(forms.fields_for_model(AnnualPlan, fields=PLAN_FIELDS)))
        self.fields["annual_goal"].widget.attrs["rows"] = 3
        # Left to the service (its message is the API's and the admin's).
        self.fields["reason"] = forms.CharField(
            label="调整原因",
            required=False,
            max_length=REASON_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text="必填，记入计划调整记录（谁、何时、为何调整）。",
        )

    @staticmethod
    def initial_from(plan: AnnualPlan) -> dict:
        return {**forms.model_to_dict(plan, fields=PLAN_FIELDS), "version": plan.revision}


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
