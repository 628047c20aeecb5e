from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "apps.stats"
    verbose_name = "统计指标"

    def ready(self) -> None:
        # Object rules: this app's rules.py into apps.accounts.policy's registry.
        from . import rules

        rules.register()

        # The month close records a corrected report's trail and moves its frozen months (the
        # progress service announces the correction; apps.core.corrections).
        from apps.core.corrections import listen

        from .closing import record_report_correction

        listen(record_report_correction)
