import datetime as dt
from decimal import Decimal

import pytest

from apps.core.models import Light
from apps.lights.models import RuleCode, WarningRule
from apps.lights.selectors import (
    annotate_milestone_lights,
    annotate_problem_lights,
    annotate_project_lights,
    attach_project_lights,
    investment_light,
    light_context,
    milestone_light,
    problem_light,
    project_light,
    report_period,
    rule_thresholds,
)
from apps.milestones.models import Milestone, MilestoneStatus
from apps.problems.models import Problem, ProblemStatus
from apps.projects.models import Project
from apps.workcalendar.services import calendar_load_from_package
from tests.factories import AnnualPlanFactory, MilestoneFactory, ProblemFactory, ProgressReportFactory, ProjectFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 9, 26)  # Friday before the 2025 National Day holiday


@pytest.fixture
def ctx():
    calendar_load_from_package()
    return light_context(today=TODAY)


def test_the_due_soon_limit_counts_working_days_across_the_holiday(ctx):
    # 7 working days from Fri 26 Sep 2025: 28 (Sun, make-up), 29, 30 Sep, 9, 10, 11 (Sat, make-up), 13 Oct.
    assert ctx.milestone_limit == dt.date(2025, 10, 13)


@pytest.mark.parametrize(
    ("planned", "status", "expected"),
    [
        (dt.date(2025, 9, 25), MilestoneStatus.IN_PROGRESS, Light.RED),  # yesterday, open
        (dt.date(2025, 9, 26), MilestoneStatus.NOT_STARTED, Light.YELLOW),  # due today
        (dt.date(2025, 10, 13), MilestoneStatus.IN_PROGRESS, Light.YELLOW),  # 7th working day
        (dt.date(2025, 10, 14), MilestoneStatus.IN_PROGRESS, Light.GREEN),  # 8th working day
        (dt.date(2025, 9, 1), MilestoneStatus.DONE, Light.GREEN),  # late but done
        (dt.date(2025, 9, 1), MilestoneStatus.NOT_APPLICABLE, Light.GREEN),
        (None, MilestoneStatus.NOT_STARTED, Light.GREEN),  # no date yet
    ],
)
def test_milestone_light_every_colour(ctx, planned, status, expected):
    m = MilestoneFactory(planned_date=planned, status=status, actual_date=dt.date(2025, 9, 2) if status == "done" else None)
    assert milestone_light(m, ctx) == expected
    assert annotate_milestone_lights(Milestone.objects.filter(pk=m.pk), ctx).get().light == expected


@pytest.mark.parametrize(
    ("deadline", "status", "expected"),
    [
        (dt.date(2025, 9, 20), ProblemStatus.HANDLING, Light.RED),
        (dt.date(2025, 10, 9), ProblemStatus.ASSIGNED, Light.YELLOW),
        (dt.date(2025, 11, 30), ProblemStatus.NEW, Light.GREEN),
        (dt.date(2025, 9, 20), ProblemStatus.RESOLVED, Light.GREEN),
    ],
)
def test_problem_light_every_colour(ctx, deadline, status, expected):
    p = ProblemFactory(deadline=deadline, status=status, raised_on=dt.date(2025, 9, 1))
    assert problem_light(p, ctx) == expected
    assert annotate_problem_lights(Problem.objects.filter(pk=p.pk), ctx).get().light == expected


@pytest.mark.parametrize(
    ("ytd", "expected"),
    [
        # Month 8 of 12 → 序时 66.67 %. Plan 1200: on schedule = 800.
        (Decimal("800"), Light.GREEN),
        (Decimal("681"), Light.GREEN),  # 56.75 % → 9.92 points behind
        (Decimal("680"), Light.YELLOW),  # 56.67 % → exactly 10 points behind
        (Decimal("440"), Light.YELLOW),  # 36.67 % → exactly 30 points behind
        (Decimal("439"), Light.RED),  # 36.58 % → more than 30 behind
        (Decimal("0"), Light.RED),
    ],
)
def test_investment_light_boundaries_match_in_python_and_sql(ctx, ytd, expected):
    ctx = light_context(today=dt.date(2025, 9, 10))  # report period: August
    assert (ctx.period_year, ctx.period_month) == (2025, 8)
    thresholds = rule_thresholds(RuleCode.PROJECT_INVESTMENT)
    assert investment_light(ytd_completed=ytd, annual_plan=Decimal("1200"), month=8, thresholds=thresholds) == expected

    project = ProjectFactory(start_year=2025, end_year=2026)
    AnnualPlanFactory(project=project, year=2025, annual_plan=Decimal("1200"))
    for month in range(1, 8):  # every report filed, so only the investment decides the light
        ProgressReportFactory(project=project, year=2025, month=month, period_completed=Decimal("0"), status="approved")
    ProgressReportFactory(project=project, year=2025, month=8, period_completed=ytd, status="approved")
    annotated = annotate_project_lights(Project.objects.filter(pk=project.pk), ctx).get()
    assert annotated.light == expected
    assert project_light(project, ctx) == expected
    assert attach_project_lights([Project.objects.get(pk=project.pk)], ctx)[0].light == expected


def test_only_approved_reports_up_to_the_period_count_towards_the_investment_light():
    calendar_load_from_package()
    ctx = light_context(today=dt.date(2025, 9, 10))
    project = ProjectFactory(start_year=2025, end_year=2026)
    AnnualPlanFactory(project=project, year=2025, annual_plan=Decimal("1200"))
    ProgressReportFactory(project=project, year=2025, month=7, period_completed=Decimal("400"), status="approved")
    ProgressReportFactory(project=project, year=2025, month=8, period_completed=Decimal("400"), status="submitted")
    ProgressReportFactory(project=project, year=2025, month=9, period_completed=Decimal("400"), status="approved")
    annotated = annotate_project_lights(Project.objects.filter(pk=project.pk), ctx).get()
    assert annotated.ytd_completed == Decimal("400")
    assert annotated.light == Light.RED


def test_a_project_without_an_annual_plan_has_no_investment_light(ctx):
    project = ProjectFactory()
    assert annotate_project_lights(Project.objects.filter(pk=project.pk), ctx).get().light == Light.GREEN


def test_a_project_light_is_its_worst(ctx):
    project = ProjectFactory()
    MilestoneFactory(project=project, planned_date=dt.date(2025, 12, 1))  # green
    problem = ProblemFactory(project=project, deadline=dt.date(2025, 10, 9), raised_on=dt.date(2025, 9, 1))  # yellow
    assert annotate_project_lights(Project.objects.filter(pk=project.pk), ctx).get().light == Light.YELLOW
    MilestoneFactory(project=project, planned_date=dt.date(2025, 9, 1))  # red
    assert annotate_project_lights(Project.objects.filter(pk=project.pk), ctx).get().light == Light.RED
    assert project_light(project, ctx) == Light.RED
    assert attach_project_lights([Project.objects.get(pk=project.pk)], ctx)[0].light == Light.RED
    problem.delete()


def test_thresholds_come_from_the_rule_rows():
    calendar_load_from_package()
    m = MilestoneFactory(planned_date=dt.date(2025, 10, 20))
    assert milestone_light(m, light_context(today=TODAY)) == Light.GREEN
    WarningRule.objects.create(code=RuleCode.MILESTONE_DUE, name="要件", due_soon_working_days=15)
    assert milestone_light(m, light_context(today=TODAY)) == Light.YELLOW
    WarningRule.objects.filter(code=RuleCode.MILESTONE_DUE).update(enabled=False)
    late = MilestoneFactory(planned_date=dt.date(2025, 9, 1))
    ctx = light_context(today=TODAY)
    assert milestone_light(late, ctx) == Light.GREEN
    assert annotate_milestone_lights(Milestone.objects.filter(pk=late.pk), ctx).get().light == Light.GREEN


def test_investment_thresholds_are_configurable():
    calendar_load_from_package()
    WarningRule.objects.create(code=RuleCode.PROJECT_INVESTMENT, name="投资", yellow_gap_points=5, red_gap_points=8)
    ctx = light_context(today=dt.date(2025, 9, 10))
    project = ProjectFactory(start_year=2025, end_year=2026)
    AnnualPlanFactory(project=project, year=2025, annual_plan=Decimal("1200"))
    ProgressReportFactory(project=project, year=2025, month=8, period_completed=Decimal("700"), status="approved")  # 8.3 behind
    assert annotate_project_lights(Project.objects.filter(pk=project.pk), ctx).get().light == Light.RED


def test_report_period_is_the_previous_month():
    assert report_period(dt.date(2026, 11, 27)) == (2026, 10)
    assert report_period(dt.date(2026, 1, 5)) == (2025, 12)


def _projects_with_lights(n: int) -> None:
    for i in range(n):
        project = ProjectFactory()
        AnnualPlanFactory(project=project, year=2025)
        ProgressReportFactory(project=project, year=2025, month=8, status="approved")
        MilestoneFactory(project=project, planned_date=TODAY - dt.timedelta(days=i))
        ProblemFactory(project=project, deadline=TODAY + dt.timedelta(days=i), raised_on=dt.date(2025, 1, 1))


@pytest.mark.parametrize("n", [1, 20])
def test_project_lights_take_four_queries_whatever_the_row_count(ctx, django_assert_num_queries, n):
    # One for every due-item source (UNION ALL), two for investment, one for the rows.
    _projects_with_lights(n)
    with django_assert_num_queries(4):
        rows = list(annotate_project_lights(Project.objects.all(), ctx))
    assert len(rows) == n


@pytest.mark.parametrize("n", [1, 20])
def test_a_page_s_lights_take_three_queries_whatever_its_size(ctx, django_assert_num_queries, n):
    _projects_with_lights(n)
    projects = list(Project.objects.all())
    with django_assert_num_queries(3):
        attach_project_lights(projects, ctx)
    assert {p.light for p in projects} <= {"red", "yellow", "green"}
