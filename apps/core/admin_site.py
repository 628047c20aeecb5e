"""The admin site: Django's, except that a signed-in user it turns away is told so.

Django's admin sends a signed-in user without admin access (not staff, or inactive) back to the
admin login page with a 302, as if they had not signed in, and answers a section (app) the role
sees nothing of with "not found". Both are refusals: here they are a Chinese 403 that says why
(templates/admin/403.html via apps.web.views.errors)."""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse

NO_ADMIN_ACCESS = "您的账号没有开通管理后台。如需使用后台，请联系系统管理员开通。"


class AdminSite(admin.AdminSite):
    site_header = "重点项目清单化管理系统"
    site_title = "重点项目清单化管理系统"
    index_title = "台账管理"

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def refuse_signed_in(request, *args, **kwargs):
            user = request.user
            signed_in = user.is_authenticated and user.is_active
            if signed_in and not self.has_permission(request) and request.path != reverse("admin:logout", current_app=self.name):
                raise PermissionDenied(NO_ADMIN_ACCESS)
            return inner(request, *args, **kwargs)

        return update_wrapper(refuse_signed_in, view)

    def app_index(self, request, app_label, extra_context=None):
        if not self.get_app_list(request, app_label):
            labels = {model._meta.app_label: model._meta.app_config.verbose_name for model in self._registry}
            if app_label in labels:
                raise PermissionDenied(f"您的角色不能查看管理后台的“{labels[app_label]}”栏目。")
        return super().app_index(request, app_label, extra_context)
