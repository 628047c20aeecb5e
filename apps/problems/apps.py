from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "apps.problems"
    verbose_name = "问题清单与督办"

    def ready(self) -> None:
        # Object rules: this app's rules.py into apps.accounts.policy's registry.
        from . import rules

        rules.register()

        # --- due-item registry (apps.core.due): this app's kind of due item ---
        from apps.core.due import register

        from .due import PROBLEM

        register(PROBLEM)
