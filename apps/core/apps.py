from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = "系统"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deploy checks
