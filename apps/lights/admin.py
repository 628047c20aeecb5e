from django.contrib import admin

from apps.core.admin import PolicyAdmin

from .models import WarningRule


@admin.register(WarningRule)
class WarningRuleAdmin(PolicyAdmin):
    list_display = ("name", "code", "due_soon_working_days", "yellow_gap_points", "red_gap_points", "enabled", "updated_at")
    list_editable = ("enabled",)
    search_fields = ("name", "code")
    list_filter = ("enabled",)
