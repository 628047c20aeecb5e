"""The first speech, figure by figure: "79个500万元以上重点项目相继开（复）工，总投资达73.7亿元，其中亿元以上
项目15个，总投资57.9亿元" and "固投完成20.3亿元，同比增长23.8%" — a portfolio whose rows add up to it, with
rows beside them that must not count, and the statistics endpoint printing each figure as the speech does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.progress.models import HistoricalCompletion, ReportStatus
from apps.projects.models import AnnualRole, BuildStatus, Project
from apps.stats.selectors import portfolio_figures
from tests.factories import (
    AnnualPlanFactory,
    ProgressReportFactory,
    ProjectCategoryFactory,
    ProjectFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal
YEAR, MONTH = 2025, 11  # 1—11月; the year before is 2024, entered as 往年完成投资


def _project(n: int, total: Decimal, *, role: str, started: dt.date | None, resumed: dt.date | None, category, region):
    project = ProjectFactory(name=f"讲话项目{n}", total_investment=total, category=category, region=region, start_year=2024, end_year=2027)
    if started:
        project.actual_start = started
        project.save(update_fields=["actual_start"])
    AnnualPlanFactory(project=project, year=YEAR, annual_role=role, annual_plan=D("3000"), resume_date=resumed)
    return project


@pytest.fixture
def speech_portfolio():
    category, region = ProjectCategoryFactory(), RegionFactory()
    big = [D("38000")] * 14 + [D("47000")]  # 15 projects of 1亿 or more: 57.9亿
    small = [D("2400")] * 63 + [D("6800")]  # 64 projects of 500万 to 1亿: 15.8亿, so 79 projects 73.7亿
    counted = []
    for n, total in enumerate(big + small):
        if n % 2:  # half of them new starts begun this year, half continuing projects resumed
            counted.append(
                _project(n, total, role=AnnualRole.NEW_START, started=dt.date(YEAR, 3, 1), resumed=None, category=category, region=region)
            )
        else:
            counted.append(
                _project(
                    n,
                    total,
                    role=AnnualRole.CONTINUING,
                    started=dt.date(2023, 5, 1),
                    resumed=dt.date(YEAR, 2, 20),
                    category=category,
                    region=region,
                )
            )
    # Rows that must not count: under 500万; a new start not begun by the end of November; a continuing
    # project not resumed (停缓建, no 复工日期); a new start begun in December.
    _project(100, D("300"), role=AnnualRole.NEW_START, started=dt.date(YEAR, 4, 1), resumed=None, category=category, region=region)
    _project(101, D("90000"), role=AnnualRole.NEW_START, started=None, resumed=None, category=category, region=region)
    halted = _project(
        102, D("20000"), role=AnnualRole.CONTINUING, started=dt.date(2022, 1, 1), resumed=None, category=category, region=region
    )
    Project.objects.filter(pk=halted.pk).update(build_status=BuildStatus.SUSPENDED)
    _project(103, D("15000"), role=AnnualRole.NEW_START, started=dt.date(YEAR, 12, 3), resumed=None, category=category, region=region)

    # 1—11月 completed: 20.3亿 in approved reports; a submitted report and a December one do not count.
    big_p, small_p = counted[:15], counted[15:]
    for p in big_p:
        ProgressReportFactory(project=p, year=YEAR, month=6, period_completed=D("10000"), status=ReportStatus.APPROVED)
    for p, amount in zip(small_p, [D("800")] * 63 + [D("2600")], strict=True):
        ProgressReportFactory(project=p, year=YEAR, month=9, period_completed=amount, status=ReportStatus.APPROVED)
    ProgressReportFactory(project=small_p[0], year=YEAR, month=10, period_completed=D("5000"), status=ReportStatus.SUBMITTED)
    ProgressReportFactory(project=small_p[1], year=YEAR, month=12, period_completed=D("5000"), status=ReportStatus.APPROVED)

    # The same months of 2024: 16.4亿, entered as 往年完成投资 (the system was not used yet) except one
    # month that has an approved report, which is that month's figure; December 2024 is not "同期".
    for p in big_p:
        HistoricalCompletion.objects.create(project=p, year=YEAR - 1, month=3, completed=D("8000"))
    HistoricalCompletion.objects.filter(project=big_p[0]).update(completed=D("99999"))
    ProgressReportFactory(project=big_p[0], year=YEAR - 1, month=3, period_completed=D("8000"), status=ReportStatus.APPROVED)
    for p, amount in zip(small_p, [D("680")] * 63 + [D("1160")], strict=True):
        HistoricalCompletion.objects.create(project=p, year=YEAR - 1, month=5, completed=amount)
    HistoricalCompletion.objects.create(project=small_p[2], year=YEAR - 1, month=12, completed=D("7000"))
    return counted


def test_the_rows_add_up_to_the_speech(speech_portfolio):
    f = portfolio_figures(year=YEAR, month=MONTH, today=dt.date(YEAR, 12, 10))
    assert (f.over_5m_count, f.over_5m_investment) == (79, D("737000.00"))
    assert (f.over_100m_count, f.over_100m_investment) == (15, D("579000.00"))
    assert f.ytd_completed == D("203000.00")
    assert f.prior_ytd_completed == D("164000.00")
    assert f.yoy_growth == D("203000") / D("164000") - 1


@pytest.mark.parametrize(("mode", "growth"), [("half_up", "23.8"), ("truncate", "23.7")])  # 23.780…%
def test_the_statistics_endpoint_prints_each_figure_as_the_speech_does(speech_portfolio, mode, growth):
    client = APIClient()
    client.force_authenticate(UserFactory(role="viewer"))
    body = client.get("/api/v1/stats/summary/", {"year": YEAR, "month": MONTH, "rounding": mode}).json()
    total = body["total"]
    assert (total["over_5m_count"], total["over_5m_investment_yi"]) == (79, "73.7")
    assert (total["over_100m_count"], total["over_100m_investment_yi"]) == (15, "57.9")
    assert (total["ytd_completed_yi"], total["prior_ytd_completed_yi"], total["yoy_growth"]) == ("20.3", "16.4", growth)
    assert body["speech"][0] == "79个500万元以上重点项目相继开（复）工，总投资达73.7亿元，其中亿元以上项目15个，总投资57.9亿元。"
    assert f"1—11月重点项目固投完成20.3亿元，同比增长{growth}%" in body["speech"][1]


def test_growth_is_said_as_a_fall_when_completion_dropped_and_left_out_without_last_year(speech_portfolio):
    HistoricalCompletion.objects.filter(month=5).update(completed=D("2000"))  # 2024: 12.0亿 + 12.8亿 = 24.8亿
    body = _summary()
    assert body["total"]["yoy_growth"] == "-18.1"  # 20.3 / 24.8 − 1 = −18.14…%
    assert "同比下降18.1%" in body["speech"][1]
    HistoricalCompletion.objects.all().delete()
    from apps.progress.models import ProgressReport

    ProgressReport.objects.filter(year=YEAR - 1).delete()
    body = _summary()
    assert body["total"]["yoy_growth"] is None
    assert "同比" not in body["speech"][1]


def test_grouped_figures_carry_last_year_too(speech_portfolio):
    client = APIClient()
    client.force_authenticate(UserFactory(role="viewer"))
    body = client.get("/api/v1/stats/summary/", {"year": YEAR, "month": MONTH, "group_by": "category"}).json()
    (group,) = body["groups"]
    assert (group["prior_ytd_completed"], group["yoy_growth"]) == ("164000.00", "23.8")


def _summary() -> dict:
    client = APIClient()
    client.force_authenticate(UserFactory(role="viewer"))
    return client.get("/api/v1/stats/summary/", {"year": YEAR, "month": MONTH}).json()
