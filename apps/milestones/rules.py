"""The object rules of milestones (apps.accounts.policy's registry, filled from MilestonesConfig.ready)."""

from __future__ import annotations

from apps.accounts.policy import RuleMap, office_only_saying, register_rules
from apps.projects.rules import department_item, department_place, department_project

from .models import Milestone

# One line per (model, verb), so `grep` finds the rule.
RULES: RuleMap = {
    (Milestone, "create"): department_project,
    (Milestone, "change"): department_item,
    (Milestone, "complete"): department_item,
    # Undoing a completion (with a reason kept in the history) is the office's alone.
    (Milestone, "reopen"): office_only_saying("只有项目办可以撤销办结。"),
    (Milestone, "assign"): department_place,
}


def register() -> None:
    register_rules(RULES)
