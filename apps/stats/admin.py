"""The month close in the admin: read-only records (closing, reopening and corrections go through the
月度关账 page, the API and their services, never through a row edit) and the automatic-close setting."""

from django.contrib import admin

from apps.core.admin import PolicyAdmin
from apps.stats.closing import close_setting_save

from .models import CloseSetting, FigureCorrection, PeriodClose, PeriodCloseEvent, PeriodFigure, PeriodItem


class ReadOnlyAdmin(PolicyAdmin):
    """Frozen rows and trails are written by their services only: the admin shows them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PeriodCloseEventInline(admin.TabularInline):
    model = PeriodCloseEvent
    extra = 0
    can_delete = False
    fields = ("action", "actor", "at", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PeriodClose)
class PeriodCloseAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "closed_at", "closed_by", "project_count", "item_count")
    list_filter = ("status", "year")
    inlines = (PeriodCloseEventInline,)


@admin.register(PeriodFigure)
class PeriodFigureAdmin(ReadOnlyAdmin):
    list_display = ("project_name", "year", "month", "annual_plan", "ytd", "stats_ytd_completed", "light", "in_construction")
    list_filter = ("year", "month", "light")
    search_fields = ("project_name",)


@admin.register(PeriodItem)
class PeriodItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "project_name", "department_name", "due_date", "days_overdue", "light", "period")
    list_filter = ("kind", "light")
    search_fields = ("title", "project_name")


@admin.register(FigureCorrection)
class FigureCorrectionAdmin(ReadOnlyAdmin):
    list_display = ("corrected_at", "corrected_by", "project", "year", "month", "kind", "field_label", "old_value", "new_value", "reason")
    list_filter = ("kind", "year", "month")
    search_fields = ("project__name", "reason")


@admin.register(CloseSetting)
class CloseSettingAdmin(PolicyAdmin):
    list_display = ("__str__", "auto_close", "working_days_after_deadline", "updated_at")

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not CloseSetting.objects.exists()

    def service_create(self, request, obj, form):
        return close_setting_save(
            actor=request.user, auto_close=obj.auto_close, working_days_after_deadline=obj.working_days_after_deadline
        )

    def service_update(self, request, obj, form):
        return self.service_create(request, obj, form)
