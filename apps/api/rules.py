"""The object rules of the API tokens (apps.accounts.policy's registry, filled from ApiConfig.ready):
the office issues and revokes them, never a superuser's."""

from __future__ import annotations

from apps.accounts.policy import RuleMap, office_below_superuser, register_rules

from .models import ApiToken

# One line per (model, verb), so `grep` finds the rule.
RULES: RuleMap = {
    (ApiToken, "create"): office_below_superuser,
    (ApiToken, "change"): office_below_superuser,
    (ApiToken, "revoke"): office_below_superuser,
    (ApiToken, "delete"): office_below_superuser,
}


def register() -> None:
    register_rules(RULES)
