"""Scoring a closed month reads what was frozen at its close: the figures, the groups' members and the
per-project facts of the per-project and late-start items. Manual deductions are the office's own rows
(dated), read as they are."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.projects.models import ProjectResponsibility
from apps.scoring.selectors import score_board
from apps.stats.closing import period_close
from tests.factories import DepartmentFactory, ProgressReportFactory, UserFactory
from tests.scoring.conftest import DEDUCT, RATIO, ROLE, led_project, scheme_with

pytestmark = pytest.mark.django_db
DEC_10 = dt.datetime(2026, 12, 10, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def _scores(board) -> dict:
    return {row.target_name: (row.project_count, row.total, [(i.score, i.raw_value) for i in row.items]) for row in board}


def test_a_closed_month_scores_the_same_after_the_ledger_changes_and_an_open_month_moves():
    with time_machine.travel(DEC_10, tick=False):
        first, second = DepartmentFactory(name="住建局"), DepartmentFactory(name="交通局")
        late = led_project(first, plan="1000", done="500", role="new", planned_start=dt.date(2026, 6, 1))
        led_project(second, plan="1000", done="900")
        scheme = scheme_with(RATIO, ROLE, DEDUCT)
        period_close(actor=UserFactory(role="office"), year=2026, month=11)
        before = _scores(score_board(scheme, period_kind="month", year=2026, number=11))
        open_before = _scores(score_board(scheme, period_kind="month", year=2026, number=12))

        # the late project starts (dated in November), files a late November report and changes lead
        late.actual_start = dt.date(2026, 11, 15)
        late.save(update_fields=["actual_start"])
        ProgressReportFactory(project=late, year=2026, month=11, period_completed=Decimal("400"), status="approved")
        ProjectResponsibility.objects.filter(project=late, role="lead_dept").update(department=second)

        assert _scores(score_board(scheme, period_kind="month", year=2026, number=11)) == before
        assert _scores(score_board(scheme, period_kind="month", year=2026, number=12)) != open_before
    assert before["住建局"][0] == 1
    assert before["住建局"][2][2][1] == Decimal(1)  # one late start, as frozen
