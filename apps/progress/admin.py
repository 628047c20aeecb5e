from django.contrib import admin, messages
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import PolicyAdmin, form_data, run_service

from .models import HistoricalCompletion, ProgressReport, ReportStatus
from .services import (
    EDITABLE_FIELDS,
    EDITABLE_STATUSES,
    historical_completions_save,
    progress_report_approve,
    progress_report_create,
    progress_report_return,
    progress_report_submit,
    progress_report_update,
)


def _run(request, queryset, service, verb: str, **kwargs) -> None:
    run_service(request, queryset, lambda report: service(actor=request.user, report=report, **kwargs), f"已{verb}{{count}}份月报。")


@admin.register(ProgressReport)
class ProgressReportAdmin(PolicyAdmin, SimpleHistoryAdmin):
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

    def service_create(self, request, obj, form):
        data = form_data(form, EDITABLE_FIELDS, change=False)
        return progress_report_create(actor=request.user, project=obj.project, year=obj.year, month=obj.month, data=data)

    def service_update(self, request, obj, form):
        return progress_report_update(
            actor=request.user, report=obj, data=form_data(form, EDITABLE_FIELDS, change=True), seen=self.seen_version(request)
        )

    def has_submit_permission(self, request) -> bool:
        return self.has_verb_permission(request, "submit")

    def has_approve_permission(self, request) -> bool:
        return self.has_verb_permission(request, "approve")

    def has_return_permission(self, request) -> bool:
        return self.has_verb_permission(request, "return")

    @admin.action(description="提交所选月报", permissions=["submit"])
    def submit_reports(self, request, queryset):
        _run(request, queryset, progress_report_submit, "提交")

    @admin.action(description="审核通过所选月报", permissions=["approve"])
    def approve_reports(self, request, queryset):
        _run(request, queryset, progress_report_approve, "审核通过")

    @admin.action(description="退回所选月报（需填写退回意见）", permissions=["return"])
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


@admin.register(HistoricalCompletion)
class HistoricalCompletionAdmin(PolicyAdmin):
    """往年完成投资 is the office's (the policy's default); the year rule is the service's."""

    list_display = ("project", "year", "month", "completed", "source", "updated_by", "updated_at")
    list_filter = ("year", "month")
    search_fields = ("project__name", "project__primary_code")
    list_select_related = ("project", "updated_by")
    autocomplete_fields = ("project",)
    readonly_fields = ("source", "updated_by", "updated_at")

    def _save(self, request, obj):
        row = {"project": obj.project, "year": obj.year, "month": obj.month, "completed": obj.completed}
        historical_completions_save(actor=request.user, rows=[row], source="后台录入")
        return HistoricalCompletion.objects.get(project=obj.project, year=obj.year, month=obj.month)

    def service_create(self, request, obj, form):
        return self._save(request, obj)

    def service_update(self, request, obj, form):
        return self._save(request, obj)
