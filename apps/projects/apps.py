from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "apps.projects"
    verbose_name = "重点项目台账"

    # --- due-item registry (apps.core.due): this app's kind of due item ---
    def ready(self) -> None:
        from apps.core.due import register

        from .due import START

        register(START)
