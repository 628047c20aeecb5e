from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "apps.progress"
    verbose_name = "月度进度报告"
