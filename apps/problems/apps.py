from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "apps.problems"
    verbose_name = "问题清单与督办"

    # --- due-item registry (apps.core.due): this app's kind of due item ---
    def ready(self) -> None:
        from apps.core.due import register

        from .due import PROBLEM

        register(PROBLEM)
