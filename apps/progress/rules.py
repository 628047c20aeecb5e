"""The object rules of monthly reports (apps.accounts.policy's registry, filled from ProgressConfig.ready)."""

from __future__ import annotations

from apps.accounts.policy import RuleMap, office_only_saying, register_rules
from apps.projects.rules import department_project

from .models import ProgressReport

# One line per (model, verb), so `grep` finds the rule. Approving and returning stay the office's.
RULES: RuleMap = {
    (ProgressReport, "create"): department_project,
    (ProgressReport, "change"): department_project,
    (ProgressReport, "submit"): department_project,
    # Named so that the crossing test tries it from a department (an approved report is corrected in the open).
    (ProgressReport, "correct"): office_only_saying("只有项目办可以更正审核通过的月报，请说明情况后由项目办更正。"),
}


def register() -> None:
    register_rules(RULES)
