from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin

from .models import ProgressReport, ReportStatus
from .services import EDITABLE_FIELDS, EDITABLE_STATUSES, progress_report_approve, progress_report_return, progress_report_submit


def _run(request, queryset, service, verb: str, **kwargs) -> None:
    done = 0
    for report in queryset:
        try:
            service(actor=request.user, report=report, **kwargs)
            done += 1
        except ValidationError as exc:
            messages.error(request, f"{report}：{'；'.join(exc.messages)}")
    if done:
        messages.success(request, f"已{verb}{done}份月报。")


@admin.register(ProgressReport)
class ProgressReportAdmin(SimpleHistoryAdmin):
    list_display = (
        "project",
        "year",
        "month",
        "period_completed",
        "image_progress_pct",
        "status",
        "return_count",
        "submitted_at",
        "reviewed_at",
    )
    list_filter = ("status", "year", "month", "project__category")
    search_fields = ("project__name", "project__short_name", "project__primary_code")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)
    actions = ("submit_reports", "approve_reports", "return_reports")
    readonly_fields = (
        "status",
        "return_reason",
        "return_count",
        "created_by",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
    )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["project", "year", "month"]
            if obj.status not in EDITABLE_STATUSES:
                # Submitted and approved reports are read-only; only the workflow actions move them.
                fields += sorted(EDITABLE_FIELDS)
        return fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == ReportStatus.APPROVED:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="提交所选月报")
    def submit_reports(self, request, queryset):
        _run(request, queryset, progress_report_submit, "提交")

    @admin.action(description="审核通过所选月报")
    def approve_reports(self, request, queryset):
        _run(request, queryset, progress_report_approve, "审核通过")

    @admin.action(description="退回所选月报（需填写退回意见）")
    def return_reports(self, request, queryset):
        reason = (request.POST.get("return_reason") or "").strip()
        if "apply" in request.POST:
            if not reason:
                messages.error(request, "退回时必须填写退回意见。")
            else:
                _run(request, queryset, progress_report_return, "退回", reason=reason)
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "退回月报",
            "queryset": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/progress/return_reports.html", context)
