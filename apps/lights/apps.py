from django.apps import AppConfig


class LightsConfig(AppConfig):
    name = "apps.lights"
    verbose_name = "红黄绿灯预警规则"

    # --- due-item registry (apps.core.due): the office's monthly due day, from the 月报报送 rule ---
    def ready(self) -> None:
        from apps.core.due import register_due_day

        from .due import report_due_day

        register_due_day(report_due_day)

        # --- stored due items (apps.lights.services): a rule or calendar edit, from any way in,
        # recomputes the rows' light days in the worker once it commits ---
        from django.db.models.signals import post_delete, post_save

        from apps.workcalendar.models import CalendarDay, CalendarYear

        from .models import WarningRule
        from .services import due_items_refresh_later, light_table_clear

        def recompute(sender, **kwargs) -> None:
            if not kwargs.get("raw"):  # loaddata: fixtures, not an edit
                light_table_clear()
                due_items_refresh_later()

        for model in (WarningRule, CalendarDay, CalendarYear):
            post_save.connect(recompute, sender=model, weak=False, dispatch_uid=f"due-items-{model.__name__}-save")
            post_delete.connect(recompute, sender=model, weak=False, dispatch_uid=f"due-items-{model.__name__}-delete")

        # --- and as each row of a kind with a model of its own is saved or deleted, in the same
        # transaction. Each kind's model as the sender: a receiver for any sender would cost every
        # other model's bulk delete its fast path. The kinds' apps come before this one. ---
        from apps.core.due import kinds_registered_so_far

        from .services import due_item_deleted, due_item_saved

        def connect(code: str, model: type) -> None:
            def saved(sender, instance, created, raw=False, **kwargs) -> None:
                if not raw:
                    due_item_saved(code, instance, created=created)

            def deleted(sender, instance, **kwargs) -> None:
                due_item_deleted(code, instance.pk)

            post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"due-item-{code}-save")
            post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"due-item-{code}-delete")

        for code, kind in kinds_registered_so_far().items():
            if kind.model is not None:
                connect(code, kind.model)

        from apps.core.due import ProjectWatch, project_watches

        from .services import project_row_deleted, project_row_saved

        def connect_project(watch: ProjectWatch) -> None:
            def saved(sender, instance, created, raw=False, **kwargs) -> None:
                if not raw:
                    project_row_saved(watch, instance, created=created)

            def deleted(sender, instance, origin=None, **kwargs) -> None:
                project_row_deleted(watch, instance, origin=origin)

            name = watch.model.__name__
            post_save.connect(saved, sender=watch.model, weak=False, dispatch_uid=f"due-items-project-{name}-save")
            post_delete.connect(deleted, sender=watch.model, weak=False, dispatch_uid=f"due-items-project-{name}-delete")

        for watch in project_watches():
            connect_project(watch)
