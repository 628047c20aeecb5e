"""The object rules of land acquisition (apps.accounts.policy's registry, filled from LandConfig.ready)."""

from __future__ import annotations

from apps.accounts.policy import RuleMap, register_rules
from apps.projects.rules import department_project

from .models import LandAcquisition

# One line per (model, verb), so `grep` finds the rule.
RULES: RuleMap = {
    (LandAcquisition, "create"): department_project,
    (LandAcquisition, "change"): department_project,
}


def register() -> None:
    register_rules(RULES)
