from django.apps import AppConfig


class LightsConfig(AppConfig):
    name = "apps.lights"
    verbose_name = "红黄绿灯预警规则"

    # --- due-item registry (apps.core.due): the office's monthly due day, from the 月报报送 rule ---
    def ready(self) -> None:
        from apps.core.due import register_due_day

        from .due import report_due_day

        register_due_day(report_due_day)
