from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "apps.stats"
    verbose_name = "统计指标"

    def ready(self) -> None:
        # Object rules: this app's rules.py into apps.accounts.policy's registry.
        from . import rules

        rules.register()
