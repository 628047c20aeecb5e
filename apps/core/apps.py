from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = "系统"
    default = True  # "apps.core" in INSTALLED_APPS; AdminConfig below is listed by its own path

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deploy checks


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site (apps/core/admin_site.py) as admin.site."""

    default = False
    default_site = "apps.core.admin_site.AdminSite"
