"""The object rules of the month close (apps.accounts.policy's registry, filled from StatsConfig.ready)."""

from __future__ import annotations

from apps.accounts.policy import RuleMap, office_only_saying, register_rules

from .models import PeriodClose, PeriodFigure

# The month close and corrections in the open: the office's alone, named here so that the
# crossing test tries each of them from a department (a late figure must not move a closed month).
RULES: RuleMap = {
    (PeriodClose, "close"): office_only_saying("只有项目办可以关账。"),
    (PeriodClose, "reopen"): office_only_saying("只有项目办可以重新打开已关账的月份。"),
    (PeriodFigure, "correct"): office_only_saying("只有项目办可以更正已关账月份的数字。"),
}


def register() -> None:
    register_rules(RULES)
