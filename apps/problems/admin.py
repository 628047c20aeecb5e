from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.lights.admin_utils import LightListFilter, render_light, request_light_context
from apps.lights.selectors import annotate_problem_lights

from .models import Problem, SupervisionNotice


@admin.register(Problem)
class ProblemAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "light_display",
        "category",
        "responsible_dept",
        "coordinating_leader",
        "deadline",
        "status",
        "escalation_level",
    )
    list_filter = (LightListFilter, "status", "category", "source", "responsible_dept", "coordinating_leader")
    search_fields = ("description", "project__name", "project__short_name", "resolution")
    list_select_related = ("project", "responsible_dept", "coordinating_leader")
    autocomplete_fields = ("project", "responsible_dept", "coordinating_leader")
    readonly_fields = ("raised_by", "created_at", "updated_at")

    def get_queryset(self, request):
        return annotate_problem_lights(super().get_queryset(request), request_light_context(request))

    @admin.display(description="预警灯", ordering="light_rank")
    def light_display(self, obj):
        return render_light(getattr(obj, "light", None))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.raised_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(admin.ModelAdmin):
    list_display = ("number", "notice_type", "target_dept", "issued_on", "reply_deadline", "status")
    list_filter = ("notice_type", "status", "target_dept")
    search_fields = ("number", "content", "target_person")
    autocomplete_fields = ("target_dept", "projects", "problems")
    date_hierarchy = "issued_on"
