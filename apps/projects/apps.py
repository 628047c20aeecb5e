from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "apps.projects"
    verbose_name = "重点项目台账"

    def ready(self) -> None:
        # Object rules: this app's rules.py into apps.accounts.policy's registry.
        from . import rules

        rules.register()

        # --- due-item registry (apps.core.due): this app's kind of due item ---
        from apps.core.due import register

        from .due import START

        register(START)
