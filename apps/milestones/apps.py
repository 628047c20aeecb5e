from django.apps import AppConfig


class MilestonesConfig(AppConfig):
    name = "apps.milestones"
    verbose_name = "审批要件与建设节点"

    def ready(self) -> None:
        # Object rules: this app's rules.py into apps.accounts.policy's registry.
        from . import rules

        rules.register()

        # --- due-item registry (apps.core.due): this app's kind of due item ---
        from apps.core.due import register

        from .due import MILESTONE

        register(MILESTONE)
