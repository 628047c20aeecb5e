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
        from .services import due_items_refresh_later

        def recompute(sender, **kwargs) -> None:
            if not kwargs.get("raw"):  # loaddata: fixtures, not an edit
                due_items_refresh_later()

        for model in (WarningRule, CalendarDay, CalendarYear):
            post_save.connect(recompute, sender=model, weak=False, dispatch_uid=f"due-items-{model.__name__}-save")
            post_delete.connect(recompute, sender=model, weak=False, dispatch_uid=f"due-items-{model.__name__}-delete")
