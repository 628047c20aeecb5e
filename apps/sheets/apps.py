from django.apps import AppConfig


class SheetsConfig(AppConfig):
    name = "apps.sheets"
    verbose_name = "Excel 调度表"
