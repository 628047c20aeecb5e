"""The project dossier (/projects/<pk>/), its print view and its Excel export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from apps.problems.models import ProblemStatus
from apps.progress.models import ReportStatus
from apps.projects.models import ProjectComment, ProjectResponsibility
from apps.projects.services import project_update
from tests.api.world import build_world, items_for
from tests.factories import (
    AnnualPlanFactory,
    LandAcquisitionFactory,
    MilestoneFactory,
    MonthlyTargetFactory,
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    SupervisionNoticeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(frozen_today):
    return build_world()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def url_of(project) -> str:
    return f"/projects/{project.pk}/"


# --- content --------------------------------------------------------------------------------


def test_the_dossier_shows_every_section_with_anchors_lights_and_figures(world):
    # given: a project with one of every item; eight months approved at 100 万元 against 1200 a year
    items = items_for(world.own, world.dept_a)
    plan = world.own.annual_plans.get(year=2026)
    for month in range(1, 13):
        MonthlyTargetFactory(plan=plan, month=month, plan_investment=Decimal("100"))
    for month in (1, 2, 3, 4, 5, 6, 7, 10):  # items_for holds the 8月 (submitted) and 9月 (draft) reports
        ProgressReportFactory(project=world.own, year=2026, month=month, status="approved")
    items["notice"].projects.add(world.own)
    ProjectComment.objects.create(project=world.own, author=world.users["leader"], kind="instruction", text="加快推进征拆。")
    # when
    html = page(client_for(world.users["office"]), url_of(world.own))
    # then
    for anchor in ("basic", "responsibility", "milestones", "investment", "reports", "land", "problems", "notices", "comments", "history"):
        assert f'id="{anchor}"' in html
    assert f'id="milestone-{items["milestone"].pk}"' in html
    assert f'id="problem-{items["problem"].pk}"' in html
    assert 'class="row-red"' in html  # the milestone planned for 2026-10-01 is overdue on 2026-11-27
    assert "常务副区长" in html
    assert "住建局" in html
    assert "加快推进征拆。" in html
    assert items["notice"].number in html
    assert "1,200.00" in html  # the annual plan in 万元
    assert "66.7%" in html  # 800 of 1200
    assert "序时 83.3%" in html  # October's report period: 10/12
    assert 'id="investment-data"' in html
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html


def test_the_monthly_chart_and_table_count_only_approved_reports(world):
    plan = world.own.annual_plans.get(year=2026)
    MonthlyTargetFactory(plan=plan, month=1, plan_investment=Decimal("100"))
    ProgressReportFactory(project=world.own, year=2026, month=1, period_completed=Decimal("80"), status=ReportStatus.APPROVED)
    ProgressReportFactory(project=world.own, year=2026, month=2, period_completed=Decimal("999"), status=ReportStatus.SUBMITTED)
    response = client_for(world.users["viewer"]).get(url_of(world.own))
    chart = response.context["d"].chart()
    assert chart["plan"][0] == Decimal("100")
    assert chart["completed"][:2] == [Decimal("80"), None]
    assert chart["completed_cumulative"][:3] == [Decimal("80"), None, None]
    assert "999" not in response.content.decode().split('id="reports"')[0]


def test_history_shows_who_changed_which_fields(world):
    office = world.users["office"]
    office.last_name, office.first_name = "项目办", "小李"
    office.save()
    project_update(actor=office, project=world.own, data={"owner_unit": "新业主", "total_investment": Decimal("20000")})
    html = page(client_for(world.users["viewer"]), url_of(world.own))
    history = html.split('id="history"')[1]
    assert "项目办小李" in history
    assert "建设单位（项目业主）" in history
    assert "计划总投资（万元）" in history


def test_an_unknown_project_is_a_404_and_a_stranger_is_sent_to_sign_in(world):
    assert client_for(world.users["viewer"]).get("/projects/999999/").status_code == 404
    assert client_for(world.users["viewer"]).get("/projects/999999/export.xlsx").status_code == 404
    response = Client().get(url_of(world.own))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_an_archived_project_is_readable_but_offers_no_button(world):
    items = items_for(world.own, world.dept_a)
    world.own.archived_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    world.own.save()
    html = page(client_for(world.users["office"]), url_of(world.own))
    assert "已归档" in html
    assert f"/milestones/{items['milestone'].pk}/complete/" not in html
    assert "提出问题" not in html
    assert "新增地块" not in html


# --- buttons by role --------------------------------------------------------------------------

BUTTONS = {
    "complete": lambda i: f"/milestones/{i['milestone'].pk}/complete/",
    "land": lambda i: f"/land/{i['land'].pk}/",
    "resolve": lambda i: f"/problems/{i['problem'].pk}/resolve/",
    "close": lambda i: f"/problems/{i['resolved_problem'].pk}/close/",
    "review": lambda i: f"/reports/{i['submitted'].pk}/review/",
}


def _creates(p) -> dict:
    return {
        "report": f"/projects/{p.pk}/reports/new/",
        "land_new": f"/projects/{p.pk}/land/new/",
        "problem_new": f"/projects/{p.pk}/problems/new/",
        "comment": f"/projects/{p.pk}/comments/new/",
    }


EXPECTED = {
    # role, own project?: the buttons shown
    ("office", True): {"complete", "land", "resolve", "close", "review", "report", "land_new", "problem_new", "comment"},
    ("department", True): {"complete", "land", "resolve", "report", "land_new", "problem_new"},
    ("department", False): set(),
    ("leader", True): {"comment"},
    ("leader", False): set(),
    ("viewer", True): set(),
}


@pytest.mark.parametrize(("role", "own"), list(EXPECTED))
def test_each_role_sees_exactly_the_buttons_the_policy_allows(world, role, own):
    project = world.own if own else world.other
    dept = world.dept_a if own else world.dept_b
    items = items_for(project, dept)
    html = page(client_for(world.users[role]), url_of(project))
    links = {name: fn(items) for name, fn in BUTTONS.items()} | _creates(project)
    shown = {name for name, link in links.items() if f'href="{link}"' in html or f'action="{link}"' in html}
    assert shown == EXPECTED[(role, own)]


def test_a_department_may_complete_its_own_item_on_another_units_project(world):
    # given: the other unit's project, one milestone its department (A) is responsible for
    mine = MilestoneFactory(project=world.other, responsible_dept=world.dept_a, planned_date=dt.date(2026, 10, 1))
    theirs = MilestoneFactory(project=world.other, responsible_dept=world.dept_b, planned_date=dt.date(2026, 10, 1))
    html = page(client_for(world.users["department"]), url_of(world.other))
    assert f"/milestones/{mine.pk}/complete/" in html
    assert f"/milestones/{theirs.pk}/complete/" not in html


def test_a_done_milestone_and_a_closed_problem_offer_no_button(world):
    done = MilestoneFactory(project=world.own, status="done", actual_date=dt.date(2026, 9, 1))
    closed = ProblemFactory(
        project=world.own,
        responsible_dept=world.dept_a,
        status=ProblemStatus.CLOSED,
        closed_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        raised_on=dt.date(2026, 9, 1),
        deadline=dt.date(2026, 9, 30),
    )
    html = page(client_for(world.users["office"]), url_of(world.own))
    assert f"/milestones/{done.pk}/complete/" not in html
    assert f"/problems/{closed.pk}/resolve/" not in html
    assert f"/problems/{closed.pk}/close/" not in html


# --- print view and export ------------------------------------------------------------------


def test_the_print_view_has_the_content_but_no_navigation_forms_or_buttons(world):
    items = items_for(world.own, world.dept_a)
    html = page(client_for(world.users["office"]), f"/projects/{world.own.pk}/print/")
    assert f'id="milestone-{items["milestone"].pk}"' in html
    assert "<nav" not in html
    assert 'class="topbar' not in html
    assert "<form" not in html
    assert "/complete/" not in html
    assert "/resolve/" not in html
    assert "/land/new/" not in html
    assert "data-print" in html  # the print button, handled by app.js (no inline handler)
    assert "web/app.js" in html


def test_the_export_has_the_sheets_money_lights_frozen_header_and_a4(world):
    items = items_for(world.own, world.dept_a)
    plan = world.own.annual_plans.get(year=2026)
    MonthlyTargetFactory(plan=plan, month=1, plan_investment=Decimal("123.45"))
    response = client_for(world.users["viewer"]).get(f"/projects/{world.own.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["基本信息", "审批要件", "月度投资", "征地拆迁", "问题"]
    basic = {row[0]: row[1] for row in wb["基本信息"].iter_rows(min_row=3, values_only=True)}
    assert basic["项目名称"] == "本单位项目"
    assert basic["计划总投资（万元）"] == 10000
    assert basic["项目预警"] == "红灯"
    milestones = wb["审批要件"]
    assert milestones.freeze_panes == "A3"
    assert int(milestones.page_setup.paperSize) == int(milestones.PAPERSIZE_A4)
    row = [c for c in milestones[3]]
    assert row[3].value == items["milestone"].name
    assert row[-1].value == "红灯"
    assert row[-1].fill.fgColor.rgb.endswith("F4C7C3")
    months = wb["月度投资"]
    assert months["B3"].value == Decimal("123.45") or months["B3"].value == pytest.approx(123.45)
    assert months["B3"].number_format == "#,##0.00"
    problems = wb["问题"]
    assert {problems.cell(row=r, column=2).value for r in range(3, problems.max_row + 1)} >= {items["problem"].description}


# --- query counts ---------------------------------------------------------------------------


def _project_with(*, milestones: int, reports: int, problems: int, dept, leader):
    project = ProjectFactory()
    ProjectResponsibility.objects.create(project=project, role="leader", leader=leader)
    ProjectResponsibility.objects.create(project=project, role="lead_dept", department=dept)
    plan = AnnualPlanFactory(project=project, year=2026)
    for month in range(1, 13):
        MonthlyTargetFactory(plan=plan, month=month)
    for n in range(milestones):  # alternately the unit's own and nobody's: the policy is asked both ways
        MilestoneFactory(project=project, responsible_dept=dept if n % 2 else None, planned_date=dt.date(2026, 10, 1 + n % 20))
    for n in range(reports):
        year, month = (2026, 11 - n) if n < 11 else (2025, 12 - (n - 11))
        ProgressReportFactory(project=project, year=year, month=month, status="approved" if n % 2 else "submitted")
    for n in range(problems):
        ProblemFactory(
            project=project,
            responsible_dept=dept,
            raised_on=dt.date(2026, 9, 1),
            deadline=dt.date(2026, 12, 1),
            status="resolved" if n % 3 == 0 else "new",
            resolution="已解决" if n % 3 == 0 else "",
        )
    for n in range(max(1, problems // 3)):
        LandAcquisitionFactory(project=project, parcel_name=f"地块{n}")
        SupervisionNoticeFactory(target_dept=dept).projects.add(project)
    for n in range(max(1, problems // 2)):
        project_update(actor=None, project=project, data={"owner_unit": f"业主{n}"})
    return project


@pytest.mark.parametrize("role", ["office", "department", "leader"])
@pytest.mark.parametrize("suffix", ["", "print/", "export.xlsx"])
def test_the_dossier_runs_the_same_number_of_queries_whatever_the_rows(world, role, suffix):
    # given: a small project and a large one, both the user's own
    small = _project_with(milestones=2, reports=1, problems=1, dept=world.dept_a, leader=world.leader_a)
    large = _project_with(milestones=20, reports=12, problems=10, dept=world.dept_a, leader=world.leader_a)
    client = client_for(world.users[role])
    client.get(f"/projects/{world.own.pk}/{suffix}")  # warm the session and caches
    counts = []
    for project in (small, large):
        # when
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/projects/{project.pk}/{suffix}")
        assert response.status_code == 200
        counts.append(len(queries))
    # then
    assert counts[0] == counts[1], counts
    assert counts[0] <= 30, counts
