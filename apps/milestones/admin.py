from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import PolicyAdmin, PolicyTabularInline, form_data
from apps.lights.admin_utils import LightListFilter, render_light, request_light_context
from apps.lights.selectors import annotate_milestone_lights

from .models import ApprovalTemplate, ApprovalTemplateItem, Milestone, MilestoneStatus
from .services import MILESTONE_FIELDS, milestone_complete, milestone_create, milestone_update

# Completion goes through milestone_complete (its date may not lie in the future, followers move).
COMPLETION_FIELDS = ("actual_date", "doc_number", "attachment")


class ApprovalTemplateItemInline(PolicyTabularInline):
    model = ApprovalTemplateItem
    fk_name = "template"
    extra = 0
    fields = (
        "seq",
        "code",
        "name",
        "stage",
        "issuing_dept_name",
        "offset_days",
        "after_item",
        "after_working_days",
        "is_required_for_start",
        "requires_doc_number",
        "validity_months",
    )


@admin.register(ApprovalTemplate)
class ApprovalTemplateAdmin(PolicyAdmin):
    list_display = ("name", "investment_mode")
    search_fields = ("name",)
    inlines = (ApprovalTemplateItemInline,)


@admin.register(ApprovalTemplateItem)
class ApprovalTemplateItemAdmin(PolicyAdmin):
    list_display = (
        "template",
        "seq",
        "name",
        "stage",
        "issuing_dept_name",
        "offset_base",
        "offset_days",
        "after_item",
        "after_working_days",
        "requires_doc_number",
    )
    list_filter = ("template", "stage", "is_required_for_start", "requires_doc_number")
    search_fields = ("name", "code", "issuing_dept_name")
    list_select_related = ("template", "after_item")


@admin.register(Milestone)
class MilestoneAdmin(PolicyAdmin, SimpleHistoryAdmin):
    list_display = ("name", "light_display", "project", "stage", "planned_date", "actual_date", "status", "responsible_dept", "doc_number")
    list_filter = (LightListFilter, "status", "kind", "stage", "responsible_dept", ("planned_date", admin.DateFieldListFilter))
    search_fields = ("name", "project__name", "project__short_name", "project__primary_code", "doc_number")
    list_select_related = ("project", "responsible_dept")
    autocomplete_fields = ("project", "responsible_dept", "after")
    date_hierarchy = "planned_date"
    readonly_fields = ("template_item", "updated_at")

    def service_create(self, request, obj, form):
        milestone = milestone_create(actor=request.user, project=obj.project, data=form_data(form, MILESTONE_FIELDS, change=False))
        return self._complete(request, milestone, form, change=False)

    def get_readonly_fields(self, request, obj=None):
        # A milestone belongs to its project for good: the service has no way to move it.
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "project") if obj is not None else fields

    def service_update(self, request, obj, form):
        data = form_data(form, MILESTONE_FIELDS, change=True)
        # Status set to 已办结 in the form is the completion service, with the form's date and 文号.
        completing = data.get("status") == MilestoneStatus.DONE
        if completing:
            data.pop("status")
        milestone = milestone_update(actor=request.user, milestone=obj, data=data, seen=self.seen_version(request)) if data else obj
        return self._complete(request, milestone, form, change=True, completing=completing)

    def _complete(self, request, milestone, form, *, change: bool, completing: bool = False):
        changed = {f for f in COMPLETION_FIELDS if f in form.changed_data}
        if not changed and not completing:
            return milestone
        actual_date = form.cleaned_data.get("actual_date")
        if actual_date is None:
            raise ValidationError({"actual_date": "办结要件须填写实际完成日期；已填写的完成日期不能在此清除。"})
        attachment = form.cleaned_data.get("attachment") if "attachment" in changed else None
        return milestone_complete(
            actor=request.user,
            milestone=milestone,
            actual_date=actual_date,
            doc_number=form.cleaned_data.get("doc_number", ""),
            attachment=attachment or None,
        )

    def get_queryset(self, request):
        return annotate_milestone_lights(super().get_queryset(request), request_light_context(request))

    @admin.display(description="预警灯", ordering="light_rank")
    def light_display(self, obj):
        return render_light(getattr(obj, "light", None))
