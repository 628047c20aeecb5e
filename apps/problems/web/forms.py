"""The problem forms of the dossier: raise, resolve, close (销号). They only parse what the user
typed; every rule is the service's (apps/web/forms.show_service_errors)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.core import uploads
from apps.problems.models import Problem
from apps.problems.services import PROBLEM_FIELDS
from apps.web.forms import UPLOAD_INPUT, dated

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
        self.fields.update(dated(forms.fields_for_model(Problem, fields=PROBLEM_FORM_FIELDS)))
        self.fields["description"].widget.attrs["rows"] = 4


class ProblemResolveForm(forms.Form):
    # Not required here: an empty text is the service's to refuse ("请填写解决情况。"), as for the API.
    resolution = forms.CharField(label="解决情况", required=False, widget=forms.Textarea(attrs={"rows": 4}))


class ProblemCloseForm(forms.Form):
    evidence = forms.FileField(label="销号佐证材料", required=False, widget=UPLOAD_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = uploads.help_text()
