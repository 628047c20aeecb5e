"""The warning rules of DOMAIN.md §10.2 as the lights apply them, each boundary on its exact day and
each moved by its setting: 计划开工 yellow then red, 月报 on working-day deadlines, 序时 from monthly
targets, 月度目标, 入库纳统, and 逾期办结."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.core.models import Light
from apps.lights.models import RuleCode, WarningRule
from apps.lights.overdue import DueItemPage, due_items
from apps.lights.selectors import (
    DONE_LATE_LABEL,
    INVESTMENT,
    MONTHLY_TARGET,
    PART_LABELS,
    STATS_DB,
    annotate_milestone_lights,
    annotate_project_lights,
    light_context,
    milestone_done_late,
    milestone_light,
    months_cutoff,
    project_light,
    project_parts,
    project_ranks,
)
from apps.milestones.models import Milestone, MilestoneStatus
from apps.projects.models import AnnualRole, BuildStatus, PoolStage, Project
from apps.workcalendar.services import calendar_load_from_package
from tests.factories import AnnualPlanFactory, MilestoneFactory, MonthlyTargetFactory, ProgressReportFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def calendar(db):
    calendar_load_from_package()


def _rule(code: str, **values) -> None:
    WarningRule.objects.update_or_create(code=code, defaults={"name": RuleCode(code).label, **values})


def _parts(project: Project, today: dt.date) -> dict[str, int]:
    """The project's parts, in bulk and one by one — which must agree."""
    ctx = light_context(today=today)
    bulk = project_ranks(ctx, [project.pk]).parts.get(project.pk, {})
    assert project_parts(Project.objects.get(pk=project.pk), ctx) == bulk, today
    return bulk


def _light(project: Project, today: dt.date) -> Light:
    ctx = light_context(today=today)
    annotated = annotate_project_lights(Project.objects.filter(pk=project.pk), ctx).get().light
    assert project_light(Project.objects.get(pk=project.pk), ctx) == annotated, today
    return Light(annotated)


# --- 月报报送 ---------------------------------------------------------------------------------


def _reporting_project(*, filed_up_to: int, year: int = 2026) -> Project:
    """A started 续建 project of `year` whose reports are filed (approved) up to `filed_up_to`,
    on schedule, so that only the report rule lights it."""
    project = ProjectFactory(actual_start=dt.date(year - 1, 3, 1), build_status=BuildStatus.STARTED, in_stats_db=True)
    AnnualPlanFactory(project=project, year=year, annual_plan=Decimal("1200"), annual_role=AnnualRole.CONTINUING)
    for month in range(1, filed_up_to + 1):
        ProgressReportFactory(project=project, year=year, month=month, period_completed=Decimal("100"), status="approved")
    return project


def _report_item(project: Project, today: dt.date):
    items = [i for i in due_items(ctx=light_context(today=today), item_type="report") if i.project_id == project.pk]
    assert len(items) <= 1, items
    return items[0] if items else None


@pytest.mark.parametrize(
    ("today", "light", "days_overdue"),
    [
        (dt.date(2026, 12, 4), Light.YELLOW, 0),  # due soon (3 working days)
        (dt.date(2026, 12, 5), Light.YELLOW, 0),  # Saturday: the deadline moved to Monday
        (dt.date(2026, 12, 7), Light.YELLOW, 0),  # Monday: the deadline itself, not yet overdue
        (dt.date(2026, 12, 8), Light.YELLOW, 1),  # overdue: yellow
        (dt.date(2026, 12, 10), Light.YELLOW, 3),  # the 10th: still yellow
        (dt.date(2026, 12, 11), Light.RED, 4),  # after the 10th: red
    ],
)
def test_a_report_due_on_a_saturday_is_due_on_monday_yellow_after_it_and_red_after_the_10th(today, light, days_overdue):
    project = _reporting_project(filed_up_to=10)
    item = _report_item(project, today)
    assert item.title == "2026年11月月报未报送"
    assert item.due_date == dt.date(2026, 12, 7)
    assert (Light(item.light), item.days_overdue) == (light, days_overdue)
    assert item.link.endswith("?year=2026&month=11")
    assert _parts(project, today) == {"report": 2 if light == Light.RED else 1}
    assert _light(project, today) == light


def test_the_overdue_flag_counts_a_report_past_its_deadline_while_it_is_still_yellow():
    project = _reporting_project(filed_up_to=10)
    ctx = light_context(today=dt.date(2026, 12, 8))
    row = annotate_project_lights(Project.objects.filter(pk=project.pk), ctx).get()
    assert (row.light, row.items_overdue) == (Light.YELLOW, True)
    ranks = project_ranks(ctx, [project.pk])
    assert ranks.reasons(project.pk) == [(1, PART_LABELS["report"])]
    row = annotate_project_lights(Project.objects.filter(pk=project.pk), light_context(today=dt.date(2026, 12, 7))).get()
    assert (row.light, row.items_overdue) == (Light.YELLOW, False)
    assert project_ranks(light_context(today=dt.date(2026, 12, 7)), [project.pk]).reasons(project.pk) == [(1, "月报临近报送截止日")]


@pytest.mark.parametrize(
    ("today", "light", "overdue"),
    [
        (dt.date(2026, 9, 30), Light.YELLOW, False),  # due soon: 3 working days ahead reach 10-08
        (dt.date(2026, 10, 5), Light.YELLOW, False),  # the nominal 次月5日 falls in 国庆
        (dt.date(2026, 10, 8), Light.YELLOW, False),  # the first working day after 国庆: the deadline
        (dt.date(2026, 10, 9), Light.YELLOW, True),
        (dt.date(2026, 10, 10), Light.YELLOW, True),  # a make-up Saturday, and the 10th
        (dt.date(2026, 10, 11), Light.RED, True),
    ],
)
def test_september_s_report_is_due_on_the_first_working_day_after_national_day(today, light, overdue):
    project = _reporting_project(filed_up_to=8)
    item = _report_item(project, today)
    assert (item.title, item.due_date) == ("2026年9月月报未报送", dt.date(2026, 10, 8))
    assert (Light(item.light), item.days_overdue > 0) == (light, overdue)
    assert _light(project, today) == light


def test_the_red_day_of_a_report_is_a_setting():
    project = _reporting_project(filed_up_to=10)
    _rule(RuleCode.REPORT_FILING, due_soon_working_days=3, report_due_day=5, red_after_day=15)
    assert _light(project, dt.date(2026, 12, 15)) == Light.YELLOW
    assert _light(project, dt.date(2026, 12, 16)) == Light.RED
    # red_after_day = the due day: red the day after the (moved) deadline, as before DOMAIN's rule
    _rule(RuleCode.REPORT_FILING, red_after_day=5)
    assert _light(project, dt.date(2026, 12, 7)) == Light.YELLOW
    assert _light(project, dt.date(2026, 12, 8)) == Light.RED


def test_a_red_report_is_listed_red_and_a_past_due_yellow_one_yellow_in_the_paged_list():
    late = _reporting_project(filed_up_to=9)  # October's report: due 11-05, red from 11-11
    recent = _reporting_project(filed_up_to=10)
    ProgressReportFactory(project=late, year=2026, month=11, period_completed=Decimal("100"), status="approved")
    ctx = light_context(today=dt.date(2026, 12, 8))
    items = due_items(ctx=ctx, item_type="report")
    assert [(i.project_id, i.light) for i in items] == [(late.pk, "red"), (recent.pk, "yellow")]
    for light in (None, "red", "yellow"):
        assert DueItemPage(ctx=ctx, item_type="report", light=light)[0:10] == due_items(ctx=ctx, item_type="report", light=light)


# --- 计划开工 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "light"),
    [
        (dt.date(2026, 2, 27), Light.GREEN),  # more than 7 working days ahead
        (dt.date(2026, 3, 2), Light.YELLOW),  # due soon
        (dt.date(2026, 3, 10), Light.YELLOW),  # the planned day
        (dt.date(2026, 3, 11), Light.YELLOW),  # past it: yellow (DOMAIN), no longer red at once
        (dt.date(2026, 6, 10), Light.YELLOW),  # three months to the day
        (dt.date(2026, 6, 11), Light.RED),  # more than three months
    ],
)
def test_a_project_not_started_is_yellow_from_its_planned_start_and_red_after_three_months(today, light):
    project = ProjectFactory(planned_start=dt.date(2026, 3, 10))
    assert _light(project, today) == light
    expected = {} if light == Light.GREEN else {"start": 2 if light == Light.RED else 1}
    assert _parts(project, today) == expected


def test_the_start_light_s_months_are_a_setting_and_zero_is_red_the_day_after():
    project = ProjectFactory(planned_start=dt.date(2026, 3, 10))
    _rule(RuleCode.START_DUE, due_soon_working_days=7, red_after_months=1)
    assert (_light(project, dt.date(2026, 4, 10)), _light(project, dt.date(2026, 4, 11))) == (Light.YELLOW, Light.RED)
    _rule(RuleCode.START_DUE, red_after_months=0)
    assert (_light(project, dt.date(2026, 3, 10)), _light(project, dt.date(2026, 3, 11))) == (Light.YELLOW, Light.RED)


def test_without_a_planned_start_date_the_plan_s_start_month_counts_from_its_first_day():
    project = ProjectFactory(planned_start=None)
    AnnualPlanFactory(project=project, year=2026, annual_role=AnnualRole.NEW_START, planned_start_month=5, annual_plan=Decimal("0"))
    assert _parts(project, dt.date(2026, 4, 15)) == {}
    items = [i for i in due_items(ctx=light_context(today=dt.date(2026, 5, 6)), item_type="start") if i.project_id == project.pk]
    assert [(i.due_date, i.light) for i in items] == [(dt.date(2026, 5, 1), "yellow")]
    assert _parts(project, dt.date(2026, 8, 1)) == {"start": 1}
    assert _parts(project, dt.date(2026, 8, 2)) == {"start": 2}


def test_a_started_project_and_a_withdrawn_one_have_no_start_light():
    started = ProjectFactory(
        planned_start=dt.date(2026, 3, 10), actual_start=dt.date(2026, 3, 20), build_status=BuildStatus.STARTED, in_stats_db=True
    )
    withdrawn = ProjectFactory(planned_start=dt.date(2026, 3, 10), pool_stage=PoolStage.WITHDRAWN)
    assert _parts(started, dt.date(2026, 7, 1)) == {}
    assert _parts(withdrawn, dt.date(2026, 7, 1)) == {}
    # as it stood on the morning of 03-20 (a day gone by), the started project was not started yet
    ctx = light_context(today=dt.date(2026, 3, 20), past=True)
    assert project_ranks(ctx, [started.pk]).parts == {started.pk: {"start": 1}}


def test_months_cutoff_counts_whole_months_and_clamps_month_ends():
    assert months_cutoff(dt.date(2026, 6, 11), 3) == dt.date(2026, 3, 11)
    assert months_cutoff(dt.date(2026, 6, 11), 0) == dt.date(2026, 6, 11)
    # 31 January is one month before 28 February: it is "more than one month" before 1 March
    assert months_cutoff(dt.date(2026, 3, 1), 1) == dt.date(2026, 2, 1)
    assert months_cutoff(dt.date(2026, 2, 28), 1) == dt.date(2026, 1, 28)


# --- 序时进度 and 月度目标 ------------------------------------------------------------------------


def _december_start(with_targets: bool) -> Project:
    project = ProjectFactory(planned_start=dt.date(2026, 12, 1))
    plan = AnnualPlanFactory(project=project, year=2026, annual_role=AnnualRole.NEW_START, annual_plan=Decimal("1000"))
    if with_targets:
        MonthlyTargetFactory(plan=plan, month=12, plan_investment=Decimal("1000"))
    return project


def test_a_december_start_with_monthly_targets_is_not_behind_its_schedule_in_the_spring():
    # 序时 from the targets is 0 until December: no investment light, no missed month
    project = _december_start(with_targets=True)
    for today in (dt.date(2026, 4, 15), dt.date(2026, 5, 15), dt.date(2026, 11, 15)):
        assert _parts(project, today) == {}, today
        assert _light(project, today) == Light.GREEN
    # without targets, 序时 is m/12: March 25 % behind (yellow), April 33.3 % (red)
    bare = _december_start(with_targets=False)
    assert _parts(bare, dt.date(2026, 4, 15)) == {INVESTMENT: 1}
    assert _parts(bare, dt.date(2026, 5, 15)) == {INVESTMENT: 2}


def test_the_investment_light_measures_against_the_targets_planned_so_far():
    project = ProjectFactory(actual_start=dt.date(2025, 6, 1), build_status=BuildStatus.STARTED, in_stats_db=True)
    plan = AnnualPlanFactory(project=project, year=2026, annual_plan=Decimal("1000"))
    for month, amount in ((1, "100"), (2, "100"), (3, "200"), (4, "200"), (5, "400")):
        MonthlyTargetFactory(plan=plan, month=month, plan_investment=Decimal(amount))
    for month, amount in ((1, "100"), (2, "100"), (3, "200"), (4, "50")):
        ProgressReportFactory(project=project, year=2026, month=month, period_completed=Decimal(amount), status="approved")
    # April: 序时 (100+100+200+200)/1000 = 60 %, done 45 %: 15 points behind → yellow (m/12 would say 33.3 % → ahead)
    assert _parts(project, dt.date(2026, 5, 12))[INVESTMENT] == 1


def _targeted(done: dict[int, str]) -> Project:
    project = ProjectFactory(actual_start=dt.date(2025, 6, 1), build_status=BuildStatus.STARTED, in_stats_db=True)
    plan = AnnualPlanFactory(project=project, year=2026, annual_plan=Decimal("1200"))
    for month in range(1, 13):
        MonthlyTargetFactory(plan=plan, month=month, plan_investment=Decimal("100"))
    for month in range(1, 11):
        amount = done.get(month, "100")
        if amount is not None:
            ProgressReportFactory(project=project, year=2026, month=month, period_completed=Decimal(amount), status="approved")
    return project


@pytest.mark.parametrize(
    ("done", "rank"),
    [
        ({}, 0),  # every month met
        ({10: "99.99"}, 1),  # October missed: yellow
        ({10: None}, 1),  # no approved report for October counts as 0
        ({9: "50", 10: "50"}, 2),  # September and October missed: red
        ({8: "0", 10: "0"}, 1),  # two misses, not in a row: yellow
        ({9: "0"}, 0),  # only the month before missed: the period's month is met
    ],
)
def test_a_missed_monthly_target_is_yellow_and_two_in_a_row_red(done, rank):
    project = _targeted(done)
    ctx = light_context(today=dt.date(2026, 11, 16))  # report period: October
    assert (ctx.period_year, ctx.period_month) == (2026, 10)
    parts = _parts(project, dt.date(2026, 11, 16))
    assert parts.get(MONTHLY_TARGET, 0) == rank
    if rank:
        assert (rank, PART_LABELS[MONTHLY_TARGET]) in project_ranks(ctx, [project.pk]).reasons(project.pk)


def test_the_months_in_a_row_for_red_are_a_setting():
    project = _targeted({9: "0", 10: "0"})
    _rule(RuleCode.MONTHLY_TARGET, consecutive_periods=3)
    assert _parts(project, dt.date(2026, 11, 16))[MONTHLY_TARGET] == 1
    _rule(RuleCode.MONTHLY_TARGET, consecutive_periods=1)
    assert _parts(project, dt.date(2026, 11, 16))[MONTHLY_TARGET] == 2
    _rule(RuleCode.MONTHLY_TARGET, enabled=False)
    assert MONTHLY_TARGET not in _parts(project, dt.date(2026, 11, 16))


def test_a_month_without_a_positive_target_is_never_missed():
    project = ProjectFactory(actual_start=dt.date(2025, 6, 1), build_status=BuildStatus.STARTED, in_stats_db=True)
    plan = AnnualPlanFactory(project=project, year=2026, annual_plan=Decimal("100"))
    MonthlyTargetFactory(plan=plan, month=10, plan_investment=Decimal("0"))
    MonthlyTargetFactory(plan=plan, month=11, plan_investment=Decimal("100"))
    assert MONTHLY_TARGET not in _parts(project, dt.date(2026, 11, 16))


# --- 入库纳统 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "rank"),
    [
        (dt.date(2026, 4, 15), 0),  # one month to the day: not more than one month
        (dt.date(2026, 4, 16), 1),
        (dt.date(2026, 5, 15), 1),
        (dt.date(2026, 5, 16), 2),
    ],
)
def test_a_started_project_not_in_the_statistics_database_is_yellow_after_a_month_and_red_after_two(today, rank):
    project = ProjectFactory(actual_start=dt.date(2026, 3, 15), build_status=BuildStatus.STARTED, total_investment=Decimal("500"))
    assert _parts(project, today).get(STATS_DB, 0) == rank
    assert _light(project, today) == {0: Light.GREEN, 1: Light.YELLOW, 2: Light.RED}[rank]


def test_only_projects_of_five_million_or_more_not_yet_entered_need_the_statistics_database():
    small = ProjectFactory(actual_start=dt.date(2026, 3, 15), build_status=BuildStatus.STARTED, total_investment=Decimal("499.99"))
    entered = ProjectFactory(
        actual_start=dt.date(2026, 3, 15), build_status=BuildStatus.STARTED, in_stats_db=True, stats_entry_date=dt.date(2026, 6, 1)
    )
    not_started = ProjectFactory(planned_start=None)
    for project in (small, entered, not_started):
        assert STATS_DB not in _parts(project, dt.date(2026, 7, 1))
    # the lights of a day gone by: on the morning of 06-01 it was not entered yet
    ctx = light_context(today=dt.date(2026, 6, 1), past=True)
    assert project_ranks(ctx, [entered.pk]).parts == {entered.pk: {STATS_DB: 2}}


def test_the_statistics_database_months_are_a_setting():
    project = ProjectFactory(actual_start=dt.date(2026, 3, 15), build_status=BuildStatus.STARTED)
    _rule(RuleCode.STATS_DB, yellow_after_months=2, red_after_months=4)
    assert STATS_DB not in _parts(project, dt.date(2026, 5, 15))
    assert _parts(project, dt.date(2026, 5, 16))[STATS_DB] == 1
    assert _parts(project, dt.date(2026, 7, 16))[STATS_DB] == 2


# --- 逾期办结 ---------------------------------------------------------------------------------


def test_a_milestone_done_late_is_green_but_marked_done_late():
    ctx = light_context(today=dt.date(2026, 7, 10))
    late = MilestoneFactory(planned_date=dt.date(2026, 6, 30), status=MilestoneStatus.DONE, actual_date=dt.date(2026, 7, 3))
    on_time = MilestoneFactory(planned_date=dt.date(2026, 6, 30), status=MilestoneStatus.DONE, actual_date=dt.date(2026, 6, 30))
    rows = {m.pk: m for m in annotate_milestone_lights(Milestone.objects.all(), ctx)}
    assert (rows[late.pk].light, rows[late.pk].done_late) == (Light.GREEN, True)
    assert (rows[on_time.pk].light, rows[on_time.pk].done_late) == (Light.GREEN, False)
    assert (milestone_light(late, ctx), milestone_done_late(late)) == (Light.GREEN, True)
    assert milestone_done_late(on_time) is False
    assert DONE_LATE_LABEL == "逾期办结"


# --- query counts ---------------------------------------------------------------------------


def _every_part(i: int) -> None:
    project = ProjectFactory(planned_start=dt.date(2026, 3, 1) + dt.timedelta(days=i))
    plan = AnnualPlanFactory(project=project, year=2026, annual_role=AnnualRole.NEW_START)
    MonthlyTargetFactory(plan=plan, month=9, plan_investment=Decimal("100"))
    MonthlyTargetFactory(plan=plan, month=10, plan_investment=Decimal("100"))
    ProgressReportFactory(project=project, year=2026, month=10, period_completed=Decimal("10"), status="approved")
    ProjectFactory(actual_start=dt.date(2026, 1, 1) + dt.timedelta(days=i), build_status=BuildStatus.STARTED)
    MilestoneFactory(project=project, planned_date=dt.date(2026, 11, 1))


@pytest.mark.parametrize("n", [1, 20])
def test_every_part_of_the_project_lights_costs_the_same_queries_for_one_project_and_for_twenty(django_assert_num_queries, n):
    for i in range(n):
        _every_part(i)
    ctx = light_context(today=dt.date(2026, 11, 16))
    with django_assert_num_queries(3):  # the due items and 纳统 (one UNION), plans with targets, reports
        ranks = project_ranks(ctx)
    assert {part for parts in ranks.parts.values() for part in parts} == {"start", "milestone", INVESTMENT, MONTHLY_TARGET, STATS_DB}
    with django_assert_num_queries(4):
        assert len(list(annotate_project_lights(Project.objects.all(), ctx))) == 2 * n
