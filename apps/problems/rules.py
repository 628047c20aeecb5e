"""The object rules of problems (apps.accounts.policy's registry, filled from ProblemsConfig.ready).
督办 (notices) and 销号 stay the office's: not registered, so office_only."""

from __future__ import annotations

from apps.accounts.policy import RuleMap, register_rules
from apps.projects.rules import department_item, department_place

from .models import Problem

# One line per (model, verb), so `grep` finds the rule.
RULES: RuleMap = {
    (Problem, "create"): department_place,
    (Problem, "assign"): department_place,
    (Problem, "change"): department_item,
    (Problem, "resolve"): department_item,
}


def register() -> None:
    register_rules(RULES)
