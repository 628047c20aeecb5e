from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "apps.progress"
    verbose_name = "月度进度报告"

    # --- due-item registry (apps.core.due): this app's kind of due item ---
    def ready(self) -> None:
        from apps.core.due import register

        from .due import REPORT

        register(REPORT)
