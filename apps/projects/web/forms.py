"""The project forms of the dossier: a leader's 批示/意见 and the office's 调整计划. They only parse
what the user typed; every rule is the service's (apps/web/forms.show_service_errors)."""

from __future__ import annotations

from django import forms

from apps.projects.models import AnnualPlan, CommentKind, Project, ProjectComment
from apps.projects.plans import PLAN_FIELDS, REASON_MAX_LENGTH
from apps.web.forms import dated


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
        self.fields.update(dated(forms.fields_for_model(AnnualPlan, fields=PLAN_FIELDS)))
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


# 修改项目信息: the ledger fields an office keeps up to date by hand. The 开工 facts, the code, the
# category and the people have their own steps (开工口径 check, the admin, 责任分工).
PROJECT_EDIT_FIELDS = (
    "name",
    "short_name",
    "owner_unit",
    "owner_contact",
    "owner_phone",
    "location_text",
    "scale_content",
    "total_investment",
    "planned_start",
    "planned_finish",
    "latest_image_progress",
    "remarks",
)


class ProjectEditForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(dated(forms.fields_for_model(Project, fields=PROJECT_EDIT_FIELDS)))
        for name in ("scale_content", "remarks"):
            self.fields[name].widget.attrs["rows"] = 3

    @staticmethod
    def initial_from(project: Project) -> dict:
        return forms.model_to_dict(project, fields=PROJECT_EDIT_FIELDS)
