from django.apps import AppConfig


class LandConfig(AppConfig):
    name = "apps.land"
    verbose_name = "征地拆迁"

    def ready(self) -> None:
        # Object rules: this app's rules.py into apps.accounts.policy's registry.
        from . import rules

        rules.register()
