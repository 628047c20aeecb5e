from django.contrib import admin

from apps.core.admin import PolicyAdmin

from .models import WarningRule


@admin.register(WarningRule)
class WarningRuleAdmin(PolicyAdmin):
    list_display = ("name", "code", "due_soon_working_days", "yellow_gap_points", "red_gap_points", "enabled", "updated_at")
    list_editable = ("enabled",)
    search_fields = ("name", "code")
    list_filter = ("enabled",)
    fieldsets = (
        (None, {"fields": ("code", "name", "enabled", "note")}),
        ("要件/节点、问题、计划开工、月报报送：临期", {"fields": ("due_soon_working_days",)}),
        ("投资进度与序时进度", {"fields": (("yellow_gap_points", "red_gap_points"),)}),
        ("月报报送", {"fields": (("report_due_day", "red_after_day"),)}),
        ("计划开工、入库纳统：月数", {"fields": (("yellow_after_months", "red_after_months"),)}),
        ("月度目标", {"fields": ("consecutive_periods",)}),
    )
