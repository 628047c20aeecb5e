"""Reminder services: the sweep, the digest, sending one delivery, notifications."""

from .common import SweepResult, enqueue_deliveries, lease_lock, rule_window_open
from .delivery import SendOutcome, delivery_resend, delivery_send, retry_delay
from .digest import leader_digests_send
from .notifications import notification_mark_read, notifications_mark_all_read, preference_update
from .requeue import deliveries_requeue_stale
from .sweep import ITEM_SUBJECTS, reminders_sweep

__all__ = [
    "ITEM_SUBJECTS",
    "SendOutcome",
    "SweepResult",
    "deliveries_requeue_stale",
    "delivery_resend",
    "delivery_send",
    "enqueue_deliveries",
    "lease_lock",
    "leader_digests_send",
    "notification_mark_read",
    "notifications_mark_all_read",
    "preference_update",
    "retry_delay",
    "reminders_sweep",
    "rule_window_open",
]
