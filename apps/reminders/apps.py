from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "apps.reminders"
    label = "reminders"
    verbose_name = "提醒与督办"

    def ready(self) -> None:
        # The domain services announce hand-offs (apps.core.handoffs); the reminders tell the next person.
        from apps.core import handoffs

        from .services import handoffs as notify

        handoffs.listen(handoffs.REPORT_RETURNED, notify.notify_report_returned)
        handoffs.listen(handoffs.REPORT_APPROVED, notify.notify_report_approved)
        handoffs.listen(handoffs.INSTRUCTION, notify.notify_instruction)
        handoffs.listen(handoffs.PROBLEM_ASSIGNED, notify.notify_problem_assigned)
        handoffs.listen(handoffs.NOTICE_ISSUED, notify.notify_notice_issued)

        # Object rules: this app's rules.py into apps.accounts.policy's registry.
        from . import rules

        rules.register()
