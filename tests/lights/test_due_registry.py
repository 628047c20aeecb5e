"""Each kind of the due-item registry names one of the lights' warning rules, and the office's
monthly due day reaches the registry from the 月报报送 rule (apps.lights.apps.LightsConfig.ready)."""

from __future__ import annotations

import pytest

from apps.core.due import DEFAULT_DUE_DAY, due_day_now, kinds
from apps.lights.models import RuleCode, WarningRule


def test_every_kind_names_a_warning_rule():
    assert {kind.rule_code for kind in kinds().values()} <= set(RuleCode.values)
    assert {code: kind.rule_code for code, kind in kinds().items()} == {
        "milestone": RuleCode.MILESTONE_DUE,
        "problem": RuleCode.PROBLEM_DUE,
        "start": RuleCode.START_DUE,
        "report": RuleCode.REPORT_FILING,
    }


@pytest.mark.django_db
def test_the_registry_reads_the_due_day_of_the_report_filing_rule():
    assert due_day_now() == DEFAULT_DUE_DAY  # no rule row: the default
    WarningRule.objects.create(code=RuleCode.REPORT_FILING, name="月报报送", report_due_day=8, red_after_day=10)
    assert due_day_now() == 8
