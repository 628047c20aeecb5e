"""The object rules of accounts (apps.accounts.policy's registry, filled from AccountsConfig.ready)."""

from __future__ import annotations

from .models import ApiToken, User
from .policy import RuleMap, office_below_superuser, register_rules

# One line per (model, verb), so `grep` finds the rule.
RULES: RuleMap = {
    (User, "create"): office_below_superuser,
    (User, "change"): office_below_superuser,
    (User, "delete"): office_below_superuser,
    # The office issues and revokes other systems' tokens, never a superuser's.
    (ApiToken, "create"): office_below_superuser,
    (ApiToken, "change"): office_below_superuser,
    (ApiToken, "revoke"): office_below_superuser,
    (ApiToken, "delete"): office_below_superuser,
}


def register() -> None:
    register_rules(RULES)
