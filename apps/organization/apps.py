from django.apps import AppConfig


class OrganizationConfig(AppConfig):
    name = "apps.organization"
    verbose_name = "组织机构"
