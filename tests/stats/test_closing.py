"""The month close: a closed month's figures, lights and due items are frozen as they stood at its end;
a department's later change does not move them, the office's correction (with a reason) does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.policy import PolicyDenied
from apps.milestones.models import MilestoneStatus
from apps.progress.models import ProgressReport, ReportStatus
from apps.progress.services import progress_report_approve, progress_report_correct, progress_report_create
from apps.projects.models import AnnualRole, BuildStatus, ResponsibilityRole
from apps.stats.closing import (
    close_day,
    close_due_period,
    close_setting_save,
    frozen_items,
    frozen_rows,
    period_close,
    period_figure_correct,
    period_reopen,
    stats_gap_light,
)
from apps.stats.models import FigureCorrection, PeriodClose, PeriodFigure, PeriodItem, PeriodStatus
from apps.stats.selectors import active_projects, portfolio_figures, portfolio_groups, project_period_figures
from apps.stats.tasks import close_due_periods_task
from apps.workcalendar.periods import Period
from tests.factories import (
    AnnualPlanFactory,
    DepartmentFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    ProjectResponsibilityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEC_10 = dt.datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)  # the 3rd working day after Monday 12-07


@pytest.fixture
def december():
    with time_machine.travel(DEC_10, tick=False):
        yield DEC_10.date()


@pytest.fixture
def office():
    return UserFactory(username="xmb-close", role="office")


def led_project(dept, *, plan="1200", months=11, amount="100", **fields):
    project = ProjectFactory(actual_start=dt.date(2025, 3, 1), build_status=BuildStatus.STARTED, **fields)
    AnnualPlanFactory(project=project, year=2026, annual_role=AnnualRole.CONTINUING, annual_plan=Decimal(plan))
    ProjectResponsibilityFactory(project=project, role=ResponsibilityRole.LEAD_DEPT, department=dept, leader=None)
    for month in range(1, months + 1):
        ProgressReportFactory(project=project, year=2026, month=month, status=ReportStatus.APPROVED, period_completed=Decimal(amount))
    return project


def test_closing_freezes_one_row_per_live_project_with_every_figure(december, office):
    dept = DepartmentFactory()
    a = led_project(dept)
    b = led_project(dept, months=10)  # November's report is still missing
    live = project_period_figures(year=2026, month=11, today=december, projects=active_projects())

    closed = period_close(actor=office, year=2026, month=11)

    assert closed.status == PeriodStatus.CLOSED
    assert closed.closed_by == office
    assert closed.project_count == 2
    frozen = frozen_rows(year=2026, month=11, project_ids=[a.pk, b.pk])
    assert set(frozen) == {a.pk, b.pk}
    for pk in (a.pk, b.pk):
        assert frozen[pk].ytd == live[pk].ytd
        assert frozen[pk].annual_plan == live[pk].annual_plan
        assert frozen[pk].month_completed == live[pk].month_completed
        assert frozen[pk].in_construction == live[pk].in_construction
    assert frozen[a.pk].ytd == Decimal("1100")
    assert frozen[b.pk].month_completed == Decimal("0")
    figure = PeriodFigure.objects.get(project=b)
    assert figure.lead_department_id == dept.pk
    assert figure.lead_department_ids == [dept.pk]
    assert closed.events.get().action == "close"


def test_a_month_that_is_not_over_or_already_closed_is_refused_in_chinese(december, office):
    led_project(DepartmentFactory())
    for year, month in ((2026, 12), (2027, 1)):
        with pytest.raises(ValidationError, match="尚未结束"):
            period_close(actor=office, year=year, month=month)
    period_close(actor=office, year=2026, month=11)
    with pytest.raises(ValidationError, match="已关账"):
        period_close(actor=office, year=2026, month=11)
    assert PeriodClose.objects.count() == 1


def test_only_the_office_closes_reopens_and_corrects(december):
    dept = DepartmentFactory()
    project = led_project(dept)
    clerk = UserFactory(role="department", department=dept)
    with pytest.raises(PolicyDenied, match="只有项目办可以关账"):
        period_close(actor=clerk, year=2026, month=11)
    period_close(actor=UserFactory(role="office"), year=2026, month=11)
    with pytest.raises(PolicyDenied):
        period_reopen(actor=clerk, year=2026, month=11, reason="想改")
    with pytest.raises(PolicyDenied):
        period_figure_correct(
            actor=clerk, project=project, year=2026, month=11, field="stats_ytd_completed", value=Decimal("1"), reason="x"
        )
    assert PeriodClose.objects.get().status == PeriodStatus.CLOSED
    assert not FigureCorrection.objects.exists()


def test_a_late_report_approved_after_the_close_does_not_move_the_month(december, office):
    dept = DepartmentFactory()
    late = led_project(dept, months=10)
    before = portfolio_figures(year=2026, month=11, today=december)
    period_close(actor=office, year=2026, month=11)
    clerk = UserFactory(role="department", department=dept)
    report = progress_report_create(actor=clerk, project=late, year=2026, month=11, data={"period_completed": Decimal("500")}, submit=True)
    progress_report_approve(actor=office, report=report)

    after = portfolio_figures(year=2026, month=11, today=december)

    assert after.ytd_completed == before.ytd_completed == Decimal("1000")
    # the live figures of the open months see it (December counts it in its year to date)
    assert portfolio_figures(year=2026, month=12, today=december).ytd_completed == Decimal("1500")


def test_reopening_needs_a_reason_and_makes_the_month_live_again(december, office):
    dept = DepartmentFactory()
    late = led_project(dept, months=10)
    period_close(actor=office, year=2026, month=11)
    ProgressReportFactory(project=late, year=2026, month=11, status=ReportStatus.APPROVED, period_completed=Decimal("500"))
    with pytest.raises(ValidationError, match="必须填写原因"):
        period_reopen(actor=office, year=2026, month=11, reason=" ")
    period_reopen(actor=office, year=2026, month=11, reason="补录迟报月报")
    assert portfolio_figures(year=2026, month=11, today=december).ytd_completed == Decimal("1500")
    # closing again freezes anew, keeping the 统计局 figure entered in between? (none here) and the history
    period_close(actor=office, year=2026, month=11)
    assert [e.action for e in PeriodClose.objects.get().events.order_by("at", "id")] == ["close", "reopen", "close"]
    assert frozen_rows(year=2026, month=11, project_ids=[late.pk])[late.pk].ytd == Decimal("1500")


def test_the_lights_and_items_frozen_are_those_of_the_period_end(december, office):
    dept = DepartmentFactory()
    project = led_project(dept)
    # a milestone past due on 30 November, done on 3 December: open at the period end
    MilestoneFactory(
        project=project, name="施工许可", planned_date=dt.date(2026, 11, 20), status=MilestoneStatus.DONE, actual_date=dt.date(2026, 12, 3)
    )
    period_close(actor=office, year=2026, month=11)
    figure = PeriodFigure.objects.get(project=project)
    assert figure.light == "red"
    assert figure.light_parts.get("milestone") == 2
    items = frozen_items(year=2026, month=11)
    assert [(i.kind, i.title, i.light) for i in items if i.kind == "milestone"] == [("milestone", "施工许可", "red")]


def test_the_office_enters_the_stats_bureau_figure_with_a_reason_and_the_gap_is_a_light(december, office, settings):
    settings.STATS_BUREAU_GAP_YELLOW_PCT = 10
    project = led_project(DepartmentFactory())
    with pytest.raises(ValidationError, match="尚未关账"):
        period_figure_correct(
            actor=office, project=project, year=2026, month=11, field="stats_ytd_completed", value="900", reason="联网直报"
        )
    period_close(actor=office, year=2026, month=11)
    with pytest.raises(ValidationError, match="原因"):
        period_figure_correct(actor=office, project=project, year=2026, month=11, field="stats_ytd_completed", value="900", reason="")
    with pytest.raises(ValidationError, match="负数"):
        period_figure_correct(actor=office, project=project, year=2026, month=11, field="stats_ytd_completed", value="-1", reason="x")
    figure = period_figure_correct(
        actor=office, project=project, year=2026, month=11, field="stats_ytd_completed", value="900", reason="统计局联网直报数"
    )
    assert figure.stats_gap == Decimal("200")
    assert stats_gap_light(figure) == "yellow"
    correction = FigureCorrection.objects.get()
    assert (correction.old_value, correction.new_value, correction.corrected_by) == ("", "900.00", office)
    figure = period_figure_correct(
        actor=office, project=project, year=2026, month=11, field="stats_ytd_completed", value="1050", reason="统计局更正"
    )
    assert stats_gap_light(figure) == "green"


def test_the_office_corrects_an_approved_report_and_the_closed_months_move_with_a_trail(december, office):
    project = led_project(DepartmentFactory())
    period_close(actor=office, year=2026, month=10)
    period_close(actor=office, year=2026, month=11)
    october = ProgressReport.objects.get(project=project, month=10)

    progress_report_correct(actor=office, report=october, data={"period_completed": Decimal("250")}, reason="统计局核定数")

    october.refresh_from_db()
    assert october.status == ReportStatus.APPROVED
    assert october.period_completed == Decimal("250")
    oct_row = PeriodFigure.objects.get(project=project, month=10)
    nov_row = PeriodFigure.objects.get(project=project, month=11)
    assert (oct_row.month_completed, oct_row.ytd) == (Decimal("250"), Decimal("1150"))
    assert (nov_row.month_completed, nov_row.ytd) == (Decimal("100"), Decimal("1250"))
    fields = sorted((c.kind, c.month, c.field) for c in FigureCorrection.objects.all())
    assert ("report", 10, "period_completed") in fields
    assert ("frozen", 11, "ytd") in fields
    assert ("frozen", 10, "month_completed") in fields
    assert october.history.first().history_change_reason == "更正：统计局核定数"


def test_a_correction_needs_a_reason_an_approved_report_and_a_change(december, office):
    project = led_project(DepartmentFactory(), months=10)
    report = ProgressReport.objects.get(project=project, month=10)
    with pytest.raises(ValidationError, match="原因"):
        progress_report_correct(actor=office, report=report, data={"period_completed": Decimal("1")}, reason="")
    with pytest.raises(ValidationError, match="相同"):
        progress_report_correct(actor=office, report=report, data={"period_completed": Decimal("100")}, reason="x")
    draft = ProgressReportFactory(project=ProjectFactory(), year=2026, month=10, status=ReportStatus.DRAFT)
    with pytest.raises(ValidationError, match="审核通过"):
        progress_report_correct(actor=office, report=draft, data={"period_completed": Decimal("1")}, reason="x")
    assert not FigureCorrection.objects.exists()


def test_the_close_day_is_the_third_working_day_after_the_moved_deadline(reference):
    # 2026-11's report is due on Saturday 12-05, moved to Monday 12-07; three working days later: 12-10
    assert close_day(Period(2026, 11)) == dt.date(2026, 12, 10)


def test_the_close_days_of_two_years_of_months_are_each_months_close_day_from_one_calendar_read(reference):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.stats.closing import close_days

    periods = [Period(2025, 1)]
    while len(periods) < 24:
        periods.append(periods[-1].next)
    one_by_one = {period: close_day(period) for period in periods}
    with CaptureQueriesContext(connection) as queries:
        assert close_days(periods) == one_by_one
    assert len(queries) <= 4  # the setting, the rule, the calendar's days and years
    assert one_by_one[Period(2025, 9)] > one_by_one[Period(2025, 8)]


def test_the_close_task_closes_once_on_its_day_and_not_before(reference):
    project = led_project(DepartmentFactory())
    with time_machine.travel(dt.datetime(2026, 12, 9, 6, 30, tzinfo=SHANGHAI), tick=False):
        assert close_due_periods_task() is None
    with time_machine.travel(DEC_10, tick=False):
        first = close_due_periods_task()
        second = close_due_periods_task()
    assert first is not None
    assert second is None
    assert PeriodClose.objects.count() == 1
    assert PeriodFigure.objects.filter(project=project).count() == 1
    assert PeriodClose.objects.get().closed_by is None


def test_a_month_the_office_reopened_is_not_closed_again_by_the_task(reference, office):
    led_project(DepartmentFactory())
    with time_machine.travel(DEC_10, tick=False):
        close_due_periods_task()
        period_reopen(actor=office, year=2026, month=11, reason="补录")
        assert close_due_periods_task() is None
    assert PeriodClose.objects.get().status == PeriodStatus.REOPENED


def test_the_office_can_switch_the_automatic_close_off_or_move_its_day(reference, office):
    led_project(DepartmentFactory())
    close_setting_save(actor=office, auto_close=True, working_days_after_deadline=5)
    assert close_day(Period(2026, 11)) == dt.date(2026, 12, 14)
    with time_machine.travel(DEC_10, tick=False):
        assert close_due_period(today=DEC_10.date()) is None
    close_setting_save(actor=office, auto_close=False, working_days_after_deadline=0)
    with time_machine.travel(dt.datetime(2026, 12, 20, 9, tzinfo=SHANGHAI), tick=False):
        assert close_due_periods_task() is None
    with pytest.raises(PolicyDenied):
        close_setting_save(
            actor=UserFactory(role="department", department=DepartmentFactory()), auto_close=True, working_days_after_deadline=1
        )


def test_a_closed_month_groups_projects_by_their_lead_department_at_the_close(december, office):
    first, second = DepartmentFactory(name="住建局"), DepartmentFactory(name="交通局")
    project = led_project(first)
    period_close(actor=office, year=2026, month=11)
    project.responsibilities.filter(role=ResponsibilityRole.LEAD_DEPT).update(department=second)
    groups = {label: f.project_count for _, label, f in portfolio_groups(group_by="department", year=2026, month=11, today=december)}
    assert groups == {"住建局": 1}
    live = {label: f.project_count for _, label, f in portfolio_groups(group_by="department", year=2026, month=12, today=december)}
    assert live == {"交通局": 1}


def _close_queries(office, n: int) -> int:
    dept = DepartmentFactory()
    for _ in range(n):
        project = led_project(dept)
        MilestoneFactory(project=project, planned_date=dt.date(2026, 11, 10), status=MilestoneStatus.IN_PROGRESS)
    with CaptureQueriesContext(connection) as queries:
        period_close(actor=office, year=2026, month=11)
    assert PeriodFigure.objects.count() == n
    assert PeriodItem.objects.filter(kind="milestone").count() == n
    return len(queries)


def test_closing_costs_the_same_number_of_queries_for_one_project_and_for_twenty(december, office):
    one = _close_queries(office, 1)
    PeriodClose.objects.all().delete()
    from apps.projects.models import Project

    ProgressReport.objects.all().delete()
    Project.objects.all().delete()
    twenty = _close_queries(office, 20)
    assert twenty == one
