"""progress_report_correct: the office's correction of an approved report, in the open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.progress.models import ReportStatus
from apps.progress.services import progress_report_correct
from apps.stats.closing import period_close
from apps.stats.models import FigureCorrection, PeriodFigure
from tests.factories import AnnualPlanFactory, ProgressReportFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_correction_of_november_moves_next_years_prior_year_figure_from_november_on():
    office = UserFactory(role="office")
    project = ProjectFactory(actual_start=dt.date(2025, 3, 1))
    AnnualPlanFactory(project=project, year=2026)
    AnnualPlanFactory(project=project, year=2027)
    november = ProgressReportFactory(project=project, year=2026, month=11, status=ReportStatus.APPROVED, period_completed=Decimal("100"))
    with time_machine.travel(dt.datetime(2027, 12, 10, 9, tzinfo=SHANGHAI), tick=False):
        for month in (10, 11):
            period_close(actor=office, year=2027, month=month)
        progress_report_correct(actor=office, report=november, data={"period_completed": Decimal("160")}, reason="年报核定")
    october, later = PeriodFigure.objects.get(year=2027, month=10), PeriodFigure.objects.get(year=2027, month=11)
    assert october.prior_ytd == Decimal("0")  # January–October of the year before: not November
    assert later.prior_ytd == Decimal("160")
    assert later.until_period == Decimal("160")
    assert october.until_period == Decimal("160")
    assert set(FigureCorrection.objects.filter(year=2027).values_list("month", "field")) == {
        (10, "until_period"),
        (11, "until_period"),
        (11, "prior_ytd"),
    }


def test_correcting_the_latest_reports_image_progress_updates_the_project_and_keeps_the_report_approved():
    office = UserFactory(role="office")
    project = ProjectFactory(latest_image_progress="主体施工")
    report = ProgressReportFactory(project=project, year=2026, month=10, status=ReportStatus.APPROVED, image_progress_text="主体施工")
    progress_report_correct(actor=office, report=report, data={"image_progress_text": "主体封顶"}, reason="现场核实")
    project.refresh_from_db()
    report.refresh_from_db()
    assert project.latest_image_progress == "主体封顶"
    assert report.status == ReportStatus.APPROVED
    correction = FigureCorrection.objects.get()
    assert (correction.field_label, correction.old_value, correction.new_value) == ("形象进度", "主体施工", "主体封顶")
    assert report.history.count() == 2  # the correction is a revision of the report
