"""Done means (issue 18, line 2): closing 2026-11 and then changing a November report, the closed 通报
and November's statistics do not move until the office corrects with a reason; the correction appears
with its trail in the API, on the dossier and in the next (December) 通报."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from apps.bulletins.services import bulletin_generate
from apps.milestones.models import MilestoneStatus
from apps.milestones.services import milestone_complete
from apps.progress.models import ProgressReport, ReportStatus
from apps.progress.services import progress_report_approve, progress_report_correct, progress_report_create
from apps.projects.models import AnnualRole, BuildStatus, ResponsibilityRole
from apps.stats.closing import period_close
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


def _at(*args) -> time_machine.travel:
    return time_machine.travel(dt.datetime(*args, tzinfo=SHANGHAI), tick=False)


def _project(name, dept, *, months: int, plan: str = "1200"):
    project = ProjectFactory(name=name, actual_start=dt.date(2025, 3, 1), build_status=BuildStatus.STARTED)
    AnnualPlanFactory(project=project, year=2026, annual_role=AnnualRole.CONTINUING, annual_plan=Decimal(plan))
    ProjectResponsibilityFactory(project=project, role=ResponsibilityRole.LEAD_DEPT, department=dept, leader=None)
    for month in range(1, months + 1):
        ProgressReportFactory(project=project, year=2026, month=month, status=ReportStatus.APPROVED, period_completed=Decimal("100"))
    return project


@pytest.fixture
def november():
    """Two 住建局 projects: 城东路 reported every month; 城西桥 has no November report and a node
    past due at the end of November."""
    dept, other = DepartmentFactory(name="住建局"), DepartmentFactory(name="交通局")
    east = _project("城东路改造", dept, months=11)
    west = _project("城西桥新建", dept, months=10, plan="2400")
    node = MilestoneFactory(project=west, name="施工许可", planned_date=dt.date(2026, 11, 20), status=MilestoneStatus.IN_PROGRESS)
    return {
        "dept": dept,
        "other": other,
        "east": east,
        "west": west,
        "node": node,
        "office": UserFactory(username="xmb-office", role="office"),
        "clerk": UserFactory(username="zjj-clerk", role="department", department=dept),
    }


def _summary(client: APIClient) -> dict:
    response = client.get("/api/v1/stats/summary/", {"year": 2026, "month": 11, "group_by": "department"})
    assert response.status_code == 200, response.content
    return response.json()


def _table(content: dict, key: str) -> dict:
    return next(t for t in content["tables"] if t["key"] == key)


def test_a_closed_november_does_not_move_until_the_office_corrects_and_the_correction_is_shown_everywhere(november):
    w = november
    api = APIClient()
    api.force_authenticate(w["office"])
    with _at(2026, 12, 10, 9, 0):
        period_close(actor=w["office"], year=2026, month=11)
        first = bulletin_generate(year=2026, month=11, actor=w["office"], send=False)
        summary = _summary(api)
        overdue = api.get("/api/v1/overdue/", {"period": "2026-11"}).json()

    # given the close, a department files and gets approved its late November report, completes the
    # node, and the project changes its lead department
    with _at(2026, 12, 11, 9, 0):
        late = progress_report_create(
            actor=w["clerk"], project=w["west"], year=2026, month=11, data={"period_completed": Decimal("800")}, submit=True
        )
        progress_report_approve(actor=w["office"], report=late)
        milestone_complete(actor=w["clerk"], milestone=w["node"], actual_date=dt.date(2026, 12, 11))
        w["west"].responsibilities.filter(role=ResponsibilityRole.LEAD_DEPT).update(department=w["other"])
        again = bulletin_generate(year=2026, month=11, actor=w["office"], send=False)

        # then the closed 通报, November's statistics and its overdue list have not moved
        assert again.figures == first.figures
        assert _summary(api) == summary
        assert api.get("/api/v1/overdue/", {"period": "2026-11"}).json() == overdue
    assert summary["total"]["ytd_completed"] == "2100.00"  # 11 × 100 + 10 × 100
    assert [row["title"] for row in _table(first.figures, "overdue_milestones")["rows"]] == ["施工许可"]
    assert "城西桥新建" in [row["name"] for row in _table(first.figures, "lights")["rows"]]

    # when the office corrects 城东路's approved November report with a reason
    with _at(2026, 12, 15, 10, 0):
        report = ProgressReport.objects.get(project=w["east"], year=2026, month=11)
        progress_report_correct(
            actor=w["office"], report=report, data={"period_completed": Decimal("300")}, reason="按统计局联网直报数更正"
        )
        corrected = _summary(api)
        regenerated = bulletin_generate(year=2026, month=11, actor=w["office"], send=False)

    # then the figures move (only by the correction: the late report still does not count)
    assert corrected["total"]["ytd_completed"] == "2300.00"
    assert regenerated.figures["summary"]["figures"]["ytd_completed"] == "2300.00"
    # the trail is in the API ...
    trail = api.get("/api/v1/corrections/", {"project": w["east"].pk, "period": "2026-11"}).json()["results"]
    report_row = next(r for r in trail if r["kind"] == "report")
    assert report_row["old_value"] == "100.00"
    assert report_row["new_value"] == "300.00"
    assert report_row["reason"] == "按统计局联网直报数更正"
    assert report_row["corrected_by_name"] == str(w["office"])
    assert report_row["corrected_at"].startswith("2026-12-15")
    assert {r["field"] for r in trail if r["kind"] == "frozen"} == {"month_completed", "ytd", "until_period"}
    # ... on the dossier ...
    page = Client()
    page.force_login(w["clerk"])
    dossier = page.get(f"/projects/{w['east'].pk}/").content.decode()
    assert "更正记录" in dossier
    assert "按统计局联网直报数更正" in dossier
    # ... and in the next (December) 通报, not in November's
    assert _table(regenerated.figures, "corrections")["rows"] == []
    with _at(2027, 1, 6, 9, 0):
        december = bulletin_generate(year=2026, month=12, actor=w["office"], send=False)
    rows = _table(december.figures, "corrections")["rows"]
    assert [(r["project"], r["period"], r["old"], r["new"], r["reason"]) for r in rows] == [
        ("城东路改造", "2026年11月", "100.00", "300.00", "按统计局联网直报数更正")
    ]
    assert "按统计局联网直报数更正" in december.html
    # December is open: it counts the late November report too
    assert december.figures["summary"]["figures"]["ytd_completed"] == "3100.00"


def test_an_open_earlier_month_reads_live_data_and_its_bulletin_moves(november):
    w = november
    with _at(2026, 12, 10, 9, 0):
        first = bulletin_generate(year=2026, month=11, actor=w["office"], send=False)
        late = progress_report_create(
            actor=w["clerk"], project=w["west"], year=2026, month=11, data={"period_completed": Decimal("800")}, submit=True
        )
        progress_report_approve(actor=w["office"], report=late)
        second = bulletin_generate(year=2026, month=11, actor=w["office"], send=False)
    assert first.figures["summary"]["figures"]["ytd_completed"] == "2100.00"
    assert second.figures["summary"]["figures"]["ytd_completed"] == "2900.00"
