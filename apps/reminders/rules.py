"""The object rules of notifications (apps.accounts.policy's registry, filled from RemindersConfig.ready):
everyone signed in marks their own notifications read and sets their own channels."""

from __future__ import annotations

from apps.accounts.policy import RuleMap, own_user_row, register_rules

from .models import ChannelPreference, Notification

# One line per (model, verb), so `grep` finds the rule.
RULES: RuleMap = {
    (Notification, "read"): own_user_row,
    (ChannelPreference, "change"): own_user_row,
}


def register() -> None:
    register_rules(RULES)
