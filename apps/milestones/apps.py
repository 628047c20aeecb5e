from django.apps import AppConfig


class MilestonesConfig(AppConfig):
    name = "apps.milestones"
    verbose_name = "审批要件与建设节点"

    # --- due-item registry (apps.core.due): this app's kind of due item ---
    def ready(self) -> None:
        from apps.core.due import register

        from .due import MILESTONE

        register(MILESTONE)
