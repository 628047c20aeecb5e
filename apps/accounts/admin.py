from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from apps.core.admin import PolicyAdmin

from .models import User
from .roles import user_join_role_group


@admin.register(User)
class UserAdmin(PolicyAdmin, BaseUserAdmin):
    list_display = ("username", "__str__", "role", "department", "leader", "is_active")
    list_filter = ("role", "department", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "department__name")
    autocomplete_fields = ("department", "leader")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("角色与单位", {"fields": ("role", "department", "leader", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("角色与单位", {"fields": ("role", "department", "leader")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # The office manages users (contacts, roles, passwords); only a superuser makes superusers.
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ("is_superuser", "user_permissions")
        return fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A role without its group would open no menu: the role decides the group.
        user_join_role_group(form.instance)
