"""The milestone forms of the dossier: complete (with an explicit confirmation) and the office's undo.

They only parse what the user typed; every rule is the service's, so the page refuses exactly what
the API refuses, with the same Chinese messages (apps/web/forms.show_service_errors)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.core import uploads
from apps.milestones.models import Milestone
from apps.milestones.services import DOC_NUMBER_REQUIRED, REOPEN_REASON_MAX, REOPEN_REASON_REQUIRED
from apps.web.forms import DATE_INPUT, UPLOAD_INPUT

CONFIRM_REQUIRED = "请核对将记录的内容并勾选确认后再办结。"


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
