"""The 月度关账 page and the 更正 form of an approved report: the office closes, reopens with a reason
and sets the automatic close; the office corrects an approved report with a reason and the dossier
shows the 更正记录; a department is refused in Chinese."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.progress.models import ProgressReport, ReportStatus
from apps.stats.models import CloseSetting, FigureCorrection, PeriodClose, PeriodStatus
from tests.factories import DepartmentFactory, ProgressReportFactory, ProjectFactory, ProjectResponsibilityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def december():
    with time_machine.travel(dt.datetime(2026, 12, 10, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture
def report(december):
    dept = DepartmentFactory()
    project = ProjectFactory(name="城东路改造")
    ProjectResponsibilityFactory(project=project, role="lead_dept", department=dept, leader=None)
    return ProgressReportFactory(project=project, year=2026, month=11, status=ReportStatus.APPROVED, period_completed=Decimal("100"))


def test_the_office_closes_and_reopens_a_month_on_the_page(client, office, report):
    client.force_login(office)
    page = client.get("/periods/")
    assert page.status_code == 200
    assert "月度关账" in page.content.decode()
    assert client.post("/periods/", {"action": "close", "period": "2026-11"}).status_code == 302
    assert PeriodClose.objects.get().status == PeriodStatus.CLOSED
    refused = client.post("/periods/", {"action": "reopen", "period": "2026-11", "reason": ""})
    assert refused.status_code == 400
    assert "必须填写原因" in refused.content.decode()
    assert client.post("/periods/", {"action": "reopen", "period": "2026-11", "reason": "补录迟报"}).status_code == 302
    assert PeriodClose.objects.get().status == PeriodStatus.REOPENED
    current = client.post("/periods/", {"action": "close", "period": "2026-12"})
    assert current.status_code == 400
    assert "尚未结束" in current.content.decode()


def test_the_office_sets_the_automatic_close(client, office, december):
    client.force_login(office)
    response = client.post("/periods/", {"action": "setting", "auto_close": "on", "working_days_after_deadline": "4"})
    assert response.status_code == 302
    assert CloseSetting.objects.get().working_days_after_deadline == 4
    bad = client.post("/periods/", {"action": "setting", "working_days_after_deadline": "99"})
    assert bad.status_code == 400
    assert CloseSetting.objects.get().working_days_after_deadline == 4


def test_a_department_cannot_open_the_close_page_or_correct_a_report(client, report):
    clerk = UserFactory(role="department", department=report.project.responsibilities.get().department)
    client.force_login(clerk)
    assert client.get("/periods/").status_code == 403
    response = client.post(f"/reports/{report.pk}/correct/", {"period_completed": "1", "reason": "改"})
    assert response.status_code == 403
    assert "只有项目办可以更正" in response.content.decode()
    assert not FigureCorrection.objects.exists()


def test_the_office_corrects_an_approved_report_and_the_dossier_shows_the_trail(client, office, report):
    client.force_login(office)
    dossier = client.get(f"/projects/{report.project_id}/").content.decode()
    assert f"/reports/{report.pk}/correct/" in dossier
    form = {
        "period_completed": "300",
        "image_progress_text": "",
        "image_progress_pct": "",
        "problems_text": "",
        "next_plan": "",
        "reason": "",
    }
    refused = client.post(f"/reports/{report.pk}/correct/", form)
    assert refused.status_code == 400
    assert "更正原因" in refused.content.decode()
    response = client.post(f"/reports/{report.pk}/correct/", {**form, "reason": "按统计局联网直报数更正"})
    assert response.status_code == 302
    assert ProgressReport.objects.get(pk=report.pk).period_completed == Decimal("300")
    dossier = client.get(f"/projects/{report.project_id}/").content.decode()
    assert "更正记录" in dossier
    assert "按统计局联网直报数更正" in dossier
    assert "100.00" in dossier
