from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.lights.admin_utils import LightListFilter, render_light, request_light_context
from apps.lights.selectors import annotate_milestone_lights

from .models import ApprovalTemplate, ApprovalTemplateItem, Milestone


class ApprovalTemplateItemInline(admin.TabularInline):
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
        "validity_months",
    )


@admin.register(ApprovalTemplate)
class ApprovalTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "investment_mode")
    search_fields = ("name",)
    inlines = (ApprovalTemplateItemInline,)


@admin.register(ApprovalTemplateItem)
class ApprovalTemplateItemAdmin(admin.ModelAdmin):
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
    )
    list_filter = ("template", "stage", "is_required_for_start")
    search_fields = ("name", "code", "issuing_dept_name")
    list_select_related = ("template", "after_item")


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ("name", "light_display", "project", "stage", "planned_date", "actual_date", "status", "responsible_dept", "doc_number")
    list_filter = (LightListFilter, "status", "kind", "stage", "responsible_dept", ("planned_date", admin.DateFieldListFilter))
    search_fields = ("name", "project__name", "project__short_name", "project__primary_code", "doc_number")
    list_select_related = ("project", "responsible_dept")
    autocomplete_fields = ("project", "responsible_dept", "after")
    date_hierarchy = "planned_date"
    readonly_fields = ("template_item", "updated_at")

    def get_queryset(self, request):
        return annotate_milestone_lights(super().get_queryset(request), request_light_context(request))

    @admin.display(description="预警灯", ordering="light_rank")
    def light_display(self, obj):
        return render_light(getattr(obj, "light", None))
