from django.contrib import admin

from apps.core.admin import PolicyAdmin

from .models import Department, Leader, Region


@admin.register(Region)
class RegionAdmin(PolicyAdmin):
    list_display = ("name", "code", "kind", "parent", "sort_order")
    list_filter = ("kind",)
    search_fields = ("name", "code")


@admin.register(Department)
class DepartmentAdmin(PolicyAdmin):
    list_display = ("name", "short_name", "kind", "region", "is_portfolio_office")
    list_filter = ("kind", "is_portfolio_office", "region")
    search_fields = ("name", "short_name")


@admin.register(Leader)
class LeaderAdmin(PolicyAdmin):
    list_display = ("position", "portfolio", "is_principal", "is_active", "sort_order")
    list_filter = ("is_principal", "is_active")
    search_fields = ("position", "portfolio")
