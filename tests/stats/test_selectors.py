"""Portfolio figures from the ledger's rows, checked against the same figures counted by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.progress.models import ProgressReport
from apps.projects.models import AnnualPlan, Project
from apps.stats import formulas
from apps.stats.selectors import portfolio_figures
from tests.conftest import load_demo
from tests.factories import AnnualPlanFactory, ProgressReportFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _project(total, role, plan, *, start=None, resume=None, reports=()):
    project = ProjectFactory(total_investment=Decimal(total), actual_start=start, carry_over_completed=Decimal("10"))
    AnnualPlanFactory(project=project, year=2026, annual_role=role, annual_plan=Decimal(plan), resume_date=resume)
    for month, amount, status in reports:
        ProgressReportFactory(project=project, year=2026, month=month, period_completed=Decimal(amount), status=status)
    return project


def test_portfolio_figures_on_a_small_ledger():
    _project(
        "20000", "new", "1000", start=dt.date(2026, 3, 1), reports=[(3, "300", "approved"), (8, "200", "approved"), (9, "999", "approved")]
    )
    _project("6000", "new", "500", start=dt.date(2026, 9, 1), reports=[(8, "50", "submitted")])  # started after August
    _project("400", "new", "100")  # never started, below 500万
    _project("15000", "cont", "2000", start=dt.date(2024, 5, 1), resume=dt.date(2026, 2, 20), reports=[(5, "900", "approved")])
    _project("3000", "complete", "400", start=dt.date(2025, 1, 1), resume=dt.date(2026, 9, 15))  # resumes after August
    f = portfolio_figures(year=2026, month=8, today=dt.date(2026, 9, 10))

    assert f.annual_plan == Decimal("4000")
    assert f.ytd_completed == Decimal("1400")  # 300 + 200 + 900; September and unapproved excluded
    assert f.cumulative_completed == Decimal("1450")  # five openings of 10 + 1400
    assert f.completion_rate == Decimal("0.35")
    assert formulas.quantize(f.gap_points, 2) == Decimal("-31.67")
    assert (f.new_start_planned, f.new_start_started) == (3, 1)
    assert (f.continuing, f.continuing_resumed) == (2, 1)
    assert formulas.quantize(f.start_rate * 100) == Decimal("33.3")
    assert f.start_resume_rate == Decimal("0.4")
    assert (f.over_5m_count, f.over_5m_investment) == (2, Decimal("35000"))
    assert (f.over_100m_count, f.over_100m_investment) == (2, Decimal("35000"))
    assert sum(f.lights.values()) == 5
    assert f.under_construction == 3  # started by 31 August and not finished: the first, fourth and fifth


def test_figures_on_the_demo_portfolio_agree_with_a_count_by_hand():
    load_demo()
    year, month = 2026, 10
    f = portfolio_figures(year=year, month=month)
    plans = list(AnnualPlan.objects.filter(year=year).select_related("project"))
    end = dt.date(year, month, 31)
    by_hand_plan = sum(p.annual_plan for p in plans)
    by_hand_ytd = sum(r.period_completed for r in ProgressReport.objects.filter(year=year, month__lte=month, status="approved"))
    started = [p for p in plans if p.annual_role == "new" and p.project.actual_start and p.project.actual_start <= end]
    resumed = [p for p in plans if p.annual_role in ("cont", "complete") and p.resume_date and p.resume_date <= end]
    going = {p.project for p in started + resumed}
    assert f.annual_plan == by_hand_plan
    assert f.ytd_completed == by_hand_ytd.quantize(Decimal("0.01"))
    assert f.new_start_started == len(started)
    assert f.continuing_resumed == len(resumed)
    assert f.over_5m_count == sum(1 for p in going if p.total_investment >= 500)
    assert f.over_100m_investment == sum(p.total_investment for p in going if p.total_investment >= 10000)
    assert sum(f.lights.values()) == Project.objects.count()


def test_an_impossible_month_is_refused():
    with pytest.raises(ValueError, match="月份"):
        portfolio_figures(year=2026, month=13)


def test_a_project_finished_before_the_period_end_is_no_longer_under_construction():
    finished = _project("8000", "complete", "800", start=dt.date(2025, 3, 1))
    finished.actual_finish = dt.date(2026, 6, 30)
    finished.save()
    _project("8000", "cont", "800", start=dt.date(2025, 3, 1))
    assert portfolio_figures(year=2026, month=5, today=dt.date(2026, 6, 10)).under_construction == 2
    assert portfolio_figures(year=2026, month=6, today=dt.date(2026, 7, 10)).under_construction == 1
