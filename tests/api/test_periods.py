"""The month close and the corrections through the API: /periods/, /corrections/, a report's correct
action and the overdue list's `period`: office-only writes, Chinese 400s, constant query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.milestones.models import MilestoneStatus
from apps.progress.models import ProgressReport, ReportStatus
from apps.progress.services import progress_report_correct
from apps.stats.models import FigureCorrection, PeriodClose, PeriodStatus
from tests.api.world import build_world
from tests.factories import MilestoneFactory, ProgressReportFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world():
    with time_machine.travel(dt.datetime(2026, 12, 10, 9, tzinfo=SHANGHAI), tick=False):
        w = build_world()
        for project in (w.own, w.other):
            for month in range(1, 12):
                ProgressReportFactory(
                    project=project, year=2026, month=month, status=ReportStatus.APPROVED, period_completed=Decimal("100")
                )
        MilestoneFactory(project=w.own, name="施工许可", planned_date=dt.date(2026, 11, 20), status=MilestoneStatus.IN_PROGRESS)
        yield w


def _chinese(response) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in response.content.decode())


def test_the_office_closes_a_month_and_everyone_reads_the_periods(world):
    office, viewer = world.client("office"), world.client("viewer")
    response = office.post("/api/v1/periods/2026-11/close/", {"reason": "按时关账"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    assert response.json()["project_count"] == 2
    periods = viewer.get("/api/v1/periods/").json()
    november = next(p for p in periods if p["period"] == "2026-11")
    assert november["status"] == "closed"
    assert november["closed_by"] == str(world.users["office"])
    assert [e["action"] for e in november["events"]] == ["close"]
    assert next(p for p in periods if p["period"] == "2026-10")["status"] == "open"


@pytest.mark.parametrize("who", ["department", "leader", "viewer", "read_token"])
def test_only_the_office_closes_reopens_and_corrects(world, who):
    client = world.client(who)
    for url, body in (
        ("/api/v1/periods/2026-11/close/", {}),
        ("/api/v1/periods/2026-11/reopen/", {"reason": "想改"}),
        ("/api/v1/periods/2026-11/figures/correct/", {"project": world.own.pk, "field": "in_stats_db", "in_stats_db": True, "reason": "x"}),
    ):
        response = client.post(url, body, format="json")
        assert response.status_code == 403, (url, response.content)
        assert _chinese(response)
    report = ProgressReport.objects.get(project=world.own, month=10)
    response = client.post(f"/api/v1/progress-reports/{report.pk}/correct/", {"period_completed": "1", "reason": "x"}, format="json")
    assert response.status_code in (403, 404)
    assert not PeriodClose.objects.exists()
    assert not FigureCorrection.objects.exists()


@pytest.mark.parametrize(
    ("url", "body", "words"),
    [
        ("/api/v1/periods/2026-12/close/", {}, "尚未结束"),
        ("/api/v1/periods/2027-01/close/", {}, "尚未结束"),
        ("/api/v1/periods/2026-13/close/", {}, "格式不对"),
        ("/api/v1/periods/2026-11/reopen/", {"reason": "补录"}, "尚未关账"),
        ("/api/v1/periods/2026-11/close/", {"reason": 5}, ""),
        ("/api/v1/periods/2026-11/close/", {"unknown": 1}, ""),
    ],
)
def test_bad_periods_and_bodies_are_a_chinese_400_and_change_nothing(world, url, body, words):
    response = world.client("office").post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert _chinese(response)
    assert words in response.content.decode()
    assert not PeriodClose.objects.exists()


def test_closing_twice_and_reopening_without_a_reason_are_refused(world):
    office = world.client("office")
    assert office.post("/api/v1/periods/2026-11/close/", {}, format="json").status_code == 200
    again = office.post("/api/v1/periods/2026-11/close/", {}, format="json")
    assert again.status_code == 400
    assert "已关账" in again.content.decode()
    blank = office.post("/api/v1/periods/2026-11/reopen/", {"reason": ""}, format="json")
    assert blank.status_code == 400
    assert "原因" in blank.content.decode()
    reopened = office.post("/api/v1/periods/2026-11/reopen/", {"reason": "补录迟报"}, format="json")
    assert reopened.json()["status"] == "reopened"
    assert PeriodClose.objects.get().status == PeriodStatus.REOPENED


def test_the_frozen_figures_and_the_stats_bureau_figure_with_its_gap(world, settings):
    settings.STATS_BUREAU_GAP_YELLOW_PCT = 10
    office = world.client("office")
    assert office.get("/api/v1/periods/2026-11/figures/").status_code == 400  # open: no frozen figures
    office.post("/api/v1/periods/2026-11/close/", {}, format="json")
    body = {"project": world.own.pk, "field": "stats_ytd_completed", "stats_ytd_completed": "900.00", "reason": "统计局联网直报"}
    response = office.post("/api/v1/periods/2026-11/figures/correct/", body, format="json")
    assert response.status_code == 200, response.content
    figure = response.json()
    assert figure["ytd"] == "1100.00"
    assert figure["stats_ytd_completed"] == "900.00"
    assert figure["stats_gap"] == "200.00"
    assert figure["stats_gap_light"] == "yellow"
    listed = world.client("viewer").get("/api/v1/periods/2026-11/figures/", {"project": world.own.pk}).json()
    assert listed["count"] == 1
    assert listed["results"][0]["stats_gap_light"] == "yellow"
    missing = office.post("/api/v1/periods/2026-11/figures/correct/", {**body, "reason": ""}, format="json")
    assert missing.status_code == 400
    no_value = office.post(
        "/api/v1/periods/2026-11/figures/correct/", {"project": world.own.pk, "field": "in_stats_db", "reason": "x"}, format="json"
    )
    assert no_value.status_code == 400
    assert _chinese(no_value)


def test_the_office_corrects_an_approved_report_through_the_api(world):
    office = world.client("office")
    office.post("/api/v1/periods/2026-10/close/", {}, format="json")
    report = ProgressReport.objects.get(project=world.own, month=10)
    response = office.post(
        f"/api/v1/progress-reports/{report.pk}/correct/", {"period_completed": "250.00", "reason": "统计局核定"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["period_completed"] == "250.00"
    trail = office.get("/api/v1/corrections/", {"project": world.own.pk, "period": "2026-10"}).json()["results"]
    assert {(r["kind"], r["field"], r["old_value"], r["new_value"]) for r in trail} == {
        ("report", "period_completed", "100.00", "250.00"),
        ("frozen", "month_completed", "100.00", "250.00"),
        ("frozen", "ytd", "1000.00", "1150.00"),
        ("frozen", "until_period", "1000.00", "1150.00"),
    }
    blank = office.post(f"/api/v1/progress-reports/{report.pk}/correct/", {"period_completed": "260.00"}, format="json")
    assert blank.status_code == 400
    assert "原因" in blank.content.decode()
    bad_period = office.get("/api/v1/corrections/", {"period": "2026-13"})
    assert bad_period.status_code == 400
    assert _chinese(bad_period)


def _correct_many(world, n: int) -> None:
    office = world.users["office"]
    for report in ProgressReport.objects.filter(project=world.own).order_by("month")[:n]:
        progress_report_correct(actor=office, report=report, data={"period_completed": Decimal("7")}, reason=f"更正{report.month}月")


def test_the_corrections_list_costs_the_same_for_one_correction_and_for_ten(world):
    client = world.client("office")
    _correct_many(world, 1)
    client.get("/api/v1/corrections/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/corrections/").json()["count"] == 1
    FigureCorrection.objects.all().delete()
    ProgressReport.objects.filter(project=world.own).update(period_completed=Decimal("100"))
    _correct_many(world, 10)
    with CaptureQueriesContext(connection) as ten:
        assert client.get("/api/v1/corrections/").json()["count"] == 10
    assert len(ten) == len(one)


def test_the_overdue_list_of_a_period(world):
    client = world.client("viewer")
    open_month = client.get("/api/v1/overdue/", {"period": "2026-11"})
    assert open_month.status_code == 200, open_month.content
    titles = [i["title"] for i in open_month.json()["results"]]
    assert "施工许可" in titles
    world.client("office").post("/api/v1/periods/2026-11/close/", {}, format="json")
    frozen = client.get("/api/v1/overdue/", {"period": "2026-11", "type": "milestone"}).json()
    assert [i["title"] for i in frozen["results"]] == ["施工许可"]
    assert frozen["results"][0]["days_overdue"] == 11  # as of the morning of 12-01
    assert client.get("/api/v1/overdue/", {"period": "2026-11", "department": world.dept_b.pk}).json()["count"] == 0
    for bad in ("2026-13", "2026-12", "2027-01", "11-2026"):
        response = client.get("/api/v1/overdue/", {"period": bad})
        assert response.status_code == 400, (bad, response.content)
        assert _chinese(response)
