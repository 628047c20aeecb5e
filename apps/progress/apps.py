from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "apps.progress"
    verbose_name = "月度进度报告"

    def ready(self) -> None:
        # Object rules: this app's rules.py into apps.accounts.policy's registry.
        from . import rules

        rules.register()

        # --- due-item registry (apps.core.due): this app's kind of due item ---
        from apps.core.due import register

        from .due import REPORT

        register(REPORT)

        from apps.core.due import ProjectWatch, watch_project

        from .models import ProgressReport

        # A report filed, returned or moved to another period settles or reopens that period's item.
        watch_project(ProjectWatch(ProgressReport, "project_id", ("project", "year", "month", "status", "submitted_at")))
