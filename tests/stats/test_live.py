"""The statistics' stored rows (apps.stats.live): after every kind of write, a rule or calendar edit
and the passing of midnight, what the figures read equals `project_period_figures` computed live;
the SQL sums equal the Python ones; a write during a computation leaves its row stale."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.lights.models import RuleCode, WarningRule
from apps.milestones.models import Milestone
from apps.problems.models import Problem
from apps.progress.models import HistoricalCompletion, ProgressReport
from apps.projects.models import AnnualPlan, MonthlyTarget, Project
from apps.stats import live
from apps.stats.models import FreshMark, LiveFigure
from apps.stats.selectors import (
    active_projects,
    figures_of,
    portfolio_figures,
    portfolio_groups,
    project_period_figures,
)
from apps.workcalendar.models import CalendarDay
from tests.factories import (
    AnnualPlanFactory,
    MilestoneFactory,
    MonthlyTargetFactory,
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    WarningRuleFactory,
)

pytestmark = pytest.mark.django_db

YEAR, MONTH = 2026, 10
TODAY = dt.date(2026, 11, 27)


def _stored(today: dt.date = TODAY) -> dict:
    return live.live_rows(year=YEAR, month=MONTH, today=today, projects=active_projects())


def _live(today: dt.date = TODAY) -> dict:
    return project_period_figures(year=YEAR, month=MONTH, today=today, projects=active_projects())


def _fresh_ids(today: dt.date = TODAY) -> set[int]:
    stamp = live._global_stamp()
    return set(live.fresh_figures(year=YEAR, month=MONTH, today=today, global_stamp=stamp).values_list("project_id", flat=True))


@pytest.fixture
def portfolio():
    projects = []
    for i in range(3):
        project = ProjectFactory(total_investment=Decimal(600 + 10_000 * i), actual_start=dt.date(2026, 3, 1), build_status="in_progress")
        plan = AnnualPlanFactory(project=project, year=YEAR, annual_role="cont", resume_date=dt.date(2026, 3, 1))
        for month in range(1, 13):
            MonthlyTargetFactory(plan=plan, month=month, plan_investment=Decimal(10 + month))
        ProgressReportFactory(project=project, year=YEAR, month=5, status="approved", period_completed=Decimal("12.34"))
        MilestoneFactory(project=project, planned_date=dt.date(2026, 6, 1))
        projects.append(project)
    return projects


def _write(kind: str, project: Project) -> None:
    """One write of `kind` to what `project`'s figures are computed from, as plain ORM statements:
    the triggers see every way in alike."""
    plan = AnnualPlan.objects.get(project=project, year=YEAR)
    if kind == "project":
        Project.objects.filter(pk=project.pk).update(actual_finish=dt.date(2026, 9, 30), build_status="completed")
    elif kind == "plan":
        AnnualPlan.objects.filter(pk=plan.pk).update(annual_plan=Decimal("999.00"))
    elif kind == "target":
        MonthlyTarget.objects.filter(plan=plan, month=11).update(plan_investment=Decimal("500"))
    elif kind == "report":
        ProgressReportFactory(project=project, year=YEAR, month=9, status="approved", period_completed=Decimal("7.00"))
    elif kind == "report_deleted":
        ProgressReport.objects.filter(project=project).delete()
    elif kind == "history":
        HistoricalCompletion.objects.create(project=project, year=YEAR - 1, month=3, completed=Decimal("40"))
    elif kind == "milestone":
        Milestone.objects.filter(project=project).update(actual_date=dt.date(2026, 5, 20), status="done")
    elif kind == "problem":
        ProblemFactory(project=project, deadline=dt.date(2026, 10, 1))
    elif kind == "problem_deleted":
        ProblemFactory(project=project, deadline=dt.date(2026, 10, 1))
        _stored()
        Problem.objects.filter(project=project).delete()
    else:
        raise AssertionError(kind)


WRITES = ["project", "plan", "target", "report", "report_deleted", "history", "milestone", "problem", "problem_deleted"]


@pytest.mark.parametrize("kind", WRITES)
def test_after_each_kind_of_write_the_stored_rows_equal_the_live_answer(portfolio, kind):
    assert _stored() == _live()
    touched, other = portfolio[0], portfolio[1]
    _write(kind, touched)
    fresh = _fresh_ids()
    assert touched.pk not in fresh  # stale: worked out again on the next read
    assert other.pk in fresh  # the others stand
    assert _stored() == _live()
    assert touched.pk in _fresh_ids()


@pytest.mark.parametrize("edit", ["rule", "calendar"])
def test_a_rule_or_calendar_edit_makes_every_row_stale(portfolio, edit):
    WarningRuleFactory(code=RuleCode.MILESTONE_DUE)
    assert _stored() == _live()
    if edit == "rule":
        assert WarningRule.objects.filter(code=RuleCode.MILESTONE_DUE).update(due_soon_working_days=9) == 1
    else:
        CalendarDay.objects.create(date=dt.date(2026, 11, 30), kind="holiday", name="测试假日")
    assert _fresh_ids() == set()
    assert _stored() == _live()


def test_the_passing_of_midnight_makes_every_row_stale(portfolio):
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 27, 23, 59)), tick=False) as traveller:
        today = timezone.localdate()
        assert _stored(today) == _live(today)
        traveller.move_to(timezone.make_aware(dt.datetime(2026, 11, 28, 0, 1)))
        tomorrow = timezone.localdate()
        assert tomorrow != today
        assert _fresh_ids(tomorrow) == set()
        assert _stored(tomorrow) == _live(tomorrow)


def test_a_write_during_the_computation_leaves_its_row_stale(portfolio, monkeypatch):
    """The stamps are read before the data: a write that lands while the rows are worked out (here,
    from inside the computation) is never hidden behind a row that looks fresh."""
    import apps.stats.selectors as selectors

    computed = selectors.project_period_figures
    target = portfolio[0]

    def with_a_write(**kwargs):
        rows = computed(**kwargs)  # what was read before the write
        Project.objects.filter(pk=target.pk).update(total_investment=Decimal("123456"))
        return rows

    monkeypatch.setattr(selectors, "project_period_figures", with_a_write)
    live.ensure_fresh(year=YEAR, month=MONTH, today=TODAY, projects=active_projects())
    monkeypatch.undo()
    assert target.pk not in _fresh_ids()
    assert _stored()[target.pk].total_investment == Decimal("123456")


def test_the_sql_sums_equal_the_python_sums_on_the_demo(demo_module):
    rows = _live()
    assert portfolio_figures(year=YEAR, month=MONTH, today=TODAY) == figures_of(list(rows.values()), year=YEAR, month=MONTH)
    for group_by in ("category", "region", "department", "leader"):
        by_sql = list(portfolio_groups(group_by=group_by, year=YEAR, month=MONTH, today=TODAY))
        by_python = list(portfolio_groups(group_by=group_by, year=YEAR, month=MONTH, today=TODAY, rows=rows))
        assert by_sql == by_python, group_by
        assert by_sql


def test_fresh_rows_are_read_in_two_queries_and_not_written_again(portfolio):
    _stored()
    written = LiveFigure.objects.count()
    some = active_projects().filter(pk__in=[p.pk for p in portfolio[:2]])
    with CaptureQueriesContext(connection) as queries:
        assert live.ensure_fresh(year=YEAR, month=MONTH, today=TODAY, projects=some) == 0
    assert len(queries) == 2
    assert LiveFigure.objects.count() == written


def test_the_whole_portfolio_unchanged_since_its_check_is_one_query(portfolio):
    _stored()
    with CaptureQueriesContext(connection) as queries:
        assert live.ensure_fresh(year=YEAR, month=MONTH, today=TODAY, projects=active_projects()) == 0
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert FreshMark.objects.get(year=YEAR, month=MONTH).as_of == TODAY


@pytest.mark.parametrize("kind", ["project", "milestone", "report", "rule"])
def test_a_write_after_the_check_voids_the_mark(portfolio, kind):
    WarningRuleFactory(code=RuleCode.MILESTONE_DUE)
    _stored()
    if kind == "rule":
        assert WarningRule.objects.filter(code=RuleCode.MILESTONE_DUE).update(due_soon_working_days=9) == 1
    else:
        _write(kind, portfolio[1])
    stale = active_projects().count() if kind == "rule" else 1
    assert live.ensure_fresh(year=YEAR, month=MONTH, today=TODAY, projects=active_projects()) == stale
    assert _stored() == _live()
    assert live.ensure_fresh(year=YEAR, month=MONTH, today=TODAY, projects=active_projects()) == 0


def test_deleted_rows_or_a_new_day_void_the_mark(portfolio):
    _stored()
    LiveFigure.objects.filter(project=portfolio[0]).delete()
    assert live.ensure_fresh(year=YEAR, month=MONTH, today=TODAY, projects=active_projects()) == 1
    tomorrow = TODAY + dt.timedelta(days=1)
    assert live.ensure_fresh(year=YEAR, month=MONTH, today=tomorrow, projects=active_projects()) == active_projects().count()
    assert _stored(tomorrow) == _live(tomorrow)


def test_the_nightly_pass_stores_the_report_period_and_the_running_month(portfolio):
    LiveFigure.objects.all().delete()  # rows an earlier test of the module stored
    written = live.live_figures_refresh(today=TODAY)
    assert written == 2 * active_projects().count() >= 2 * len(portfolio)
    assert set(LiveFigure.objects.values_list("year", "month").distinct()) == {(2026, 10), (2026, 11)}
    assert live.live_figures_refresh(today=TODAY) == 0
