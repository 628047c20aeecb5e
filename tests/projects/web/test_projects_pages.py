"""The project list page and its Excel export: the API's filters and sort, paging, bad input, query counts."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from apps.core.xlsx import LIGHT_FILLS
from apps.projects.models import ProjectResponsibility
from apps.projects.web import project_list as views
from tests.factories import (
    AnnualPlanFactory,
    DepartmentFactory,
    LeaderFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ProjectCategoryFactory,
    ProjectFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("web:project-list")
EXPORT = reverse("web:project-export")


def _project(name, total, *, dept, leader, region=None, light=None, category=None, plan=None, done=None, **kw):
    project = ProjectFactory(name=name, total_investment=Decimal(total), region=region or RegionFactory(), **kw)
    if category:
        project.category = category
        project.save()
    ProjectResponsibility.objects.create(project=project, role="leader", leader=leader)
    ProjectResponsibility.objects.create(project=project, role="lead_dept", department=dept)
    if plan:
        # A 新开工 project not yet started owes no monthly report: the light is the milestone's alone.
        AnnualPlanFactory(project=project, year=2026, annual_plan=Decimal(plan), annual_role="new")
        ProgressReportFactory(project=project, year=2026, month=10, period_completed=Decimal(done or "0"), status="approved")
    if light == "red":
        MilestoneFactory(project=project, responsible_dept=dept, planned_date=dt.date(2026, 11, 2))
    elif light == "yellow":
        MilestoneFactory(project=project, responsible_dept=dept, planned_date=dt.date(2026, 11, 30))
    return project


@pytest.fixture
def world(frozen_today):
    a, b = DepartmentFactory(name="住建局"), DepartmentFactory(name="交通局")
    la, lb = LeaderFactory(position="常务副区长"), LeaderFactory(position="分管交通副区长")
    town = RegionFactory(name="古阳镇")
    park = ProjectCategoryFactory(code="industry", name="产业发展项目")
    projects = {
        "road": _project("古罗大道", "50000", dept=b, leader=lb, light="red", plan="12000", done="2000"),
        "school": _project("县一中扩建", "8000", dept=a, leader=la, region=town, light="yellow", plan="1200", done="1100"),
        "park": _project("工业园标准厂房", "20000", dept=a, leader=la, region=town, category=park, build_status="started"),
        "tie": _project("同额项目", "8000", dept=b, leader=lb),
    }
    users = {
        "office": UserFactory(username="p-office", role="office"),
        "department": UserFactory(username="p-dept", role="department", department=a),
        "leader": UserFactory(username="p-leader", role="leader", leader=la),
        "viewer": UserFactory(username="p-viewer", role="viewer"),
    }
    return {"projects": projects, "users": users, "a": a, "b": b, "la": la, "town": town}


def _names(response) -> list[str]:
    return [row.project.name for row in response.context["rows"]]


@pytest.fixture
def office_client(client, world):
    client.force_login(world["users"]["office"])
    return client


@pytest.mark.parametrize("role", ["office", "department", "leader", "viewer"])
def test_every_role_sees_the_whole_list_with_links_to_the_dossiers(client, world, role):
    client.force_login(world["users"][role])
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert _names(response) == ["古罗大道", "工业园标准厂房", "县一中扩建", "同额项目"]  # biggest first, id breaks the tie
    assert reverse("web:project-detail", args=[world["projects"]["road"].pk]) in html
    assert "导出Excel" in html
    assert 'class="data stack project-table"' in html
    assert 'data-label="项目名称"' in html
    assert "50,000.00" in html
    assert "常务副区长" in html
    assert "住建局" in html


def test_a_department_and_a_leader_get_a_shortcut_to_their_own_projects(client, world):
    client.force_login(world["users"]["department"])
    assert f"?department={world['a'].pk}" in client.get(LIST).content.decode()
    client.force_login(world["users"]["leader"])
    assert f"?leader={world['la'].pk}" in client.get(LIST).content.decode()


def test_anonymous_is_sent_to_the_login_page(client, db):
    assert client.get(LIST).status_code == 302
    assert client.get(EXPORT).status_code == 302


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"search": "古罗"}, ["古罗大道"]),
        ({"light": "red"}, ["古罗大道"]),
        ({"light": "yellow"}, ["县一中扩建"]),
        ({"category": "industry"}, ["工业园标准厂房"]),
        ({"build_status": "started"}, ["工业园标准厂房"]),
        ({"overdue": "true"}, ["古罗大道"]),
        ({"year": "2026"}, ["古罗大道", "县一中扩建"]),
        ({"total_investment_min": "8000", "total_investment_max": "20000"}, ["工业园标准厂房", "县一中扩建", "同额项目"]),
    ],
)
def test_filters_mean_what_they_mean_in_the_api(office_client, params, expected):
    response = office_client.get(LIST, params)
    assert _names(response) == expected
    api = office_client.get("/api/v1/projects/", {**params, "ordering": "-total_investment,id"})
    assert [p["name"] for p in api.json()["results"]] == expected


def test_department_leader_and_region_filters(office_client, world):
    assert _names(office_client.get(LIST, {"department": world["a"].pk})) == ["工业园标准厂房", "县一中扩建"]
    assert _names(office_client.get(LIST, {"leader": world["la"].pk})) == ["工业园标准厂房", "县一中扩建"]
    response = office_client.get(LIST, {"region": world["town"].pk, "search": "一中"})
    assert _names(response) == ["县一中扩建"]
    assert "古阳镇" in response.content.decode()  # the applied filters are named


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["县一中扩建", "古罗大道", "同额项目", "工业园标准厂房"]),
        ("-light_rank", ["古罗大道", "县一中扩建", "工业园标准厂房", "同额项目"]),
        ("total_investment", ["县一中扩建", "同额项目", "工业园标准厂房", "古罗大道"]),  # equal amounts: id order
        ("-ytd_completed", ["古罗大道", "县一中扩建", "工业园标准厂房", "同额项目"]),
        ("-period_plan", ["古罗大道", "县一中扩建", "工业园标准厂房", "同额项目"]),  # no plan: last
    ],
)
def test_sorting_by_a_column(office_client, ordering, expected):
    response = office_client.get(LIST, {"ordering": ordering})
    assert _names(response) == expected


def test_a_column_header_reverses_the_current_sort_and_keeps_the_filters(office_client):
    response = office_client.get(LIST, {"ordering": "name", "light": "red"})
    headers = response.context["headers"]
    assert headers["name"]["url"] == "?light=red&ordering=-name"
    assert headers["name"]["arrow"] == "↑"
    assert headers["total_investment"]["url"] == "?light=red&ordering=-total_investment"


def test_paging_shows_20_a_page_with_the_total(office_client, world):
    for n in range(21):
        ProjectFactory(name=f"批量项目{n:02d}", total_investment=Decimal("100"))
    first = office_client.get(LIST)
    assert len(first.context["rows"]) == 20
    assert "共 25 个" in first.content.decode()
    second = office_client.get(LIST, {"page": "2"})
    assert len(second.context["rows"]) == 5
    assert second.context["page"].number == 2
    assert not set(_names(first)) & set(_names(second))
    assert office_client.get(LIST, {"page": "999"}).context["page"].number == 2  # past the end: the last page
    assert office_client.get(LIST, {"page": "abc"}).context["page"].number == 1


@pytest.mark.parametrize(
    "params",
    [
        {"department": "abc"},
        {"department": "99999999999999999999999"},
        {"leader": "-1"},
        {"region": "1.5"},
        {"year": "99999"},
        {"light": "purple"},
        {"category": "x" * 500},
        {"level": "galactic"},
        {"overdue": "maybe"},
        {"total_investment_min": "abc"},
        {"total_investment_max": "1e400"},
        {"search": "古罗\x00"},
        {"ordering": "password"},
        {"ordering": ",,"},
        {"page": "-1"},
        {"page": "１"},
        {"updated_since": "yesterday"},
    ],
)
def test_bad_query_parameters_are_ignored_and_said_in_chinese(office_client, params):
    response = office_client.get(LIST, params)
    assert response.status_code == 200
    html = response.content.decode()
    if set(params) - {"page", "category", "updated_since", "overdue"}:  # these fall back to "all" without a word
        assert "已忽略" in html or "已按总投资从大到小排序" in html
    assert office_client.get(EXPORT, params).status_code == 200


def _workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))


def test_the_export_is_the_current_list_with_lights_money_title_and_print_setup(office_client):
    response = office_client.get(EXPORT, {"department": "", "ordering": "-light_rank", "total_investment_min": "8000"})
    assert "attachment" in response["Content-Disposition"]
    ws = _workbook(response).active
    assert ws["A1"].value == "重点项目清单"
    assert "总投资下限：8000" in ws["A2"].value
    assert "2026-11-27" in ws["A2"].value
    assert "共4个项目" in ws["A2"].value
    assert [c.value for c in ws[3]][:3] == ["序号", "预警灯", "项目名称"]
    assert ws.freeze_panes == "A4"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert [r[2] for r in rows] == ["古罗大道", "县一中扩建", "工业园标准厂房", "同额项目"]
    assert [r[1] for r in rows] == ["红灯", "黄灯", "绿灯", "绿灯"]
    assert ws["B4"].fill.fgColor.rgb.endswith(LIGHT_FILLS["red"].fgColor.rgb[-6:])
    assert ws["B5"].fill.fgColor.rgb.endswith(LIGHT_FILLS["yellow"].fgColor.rgb[-6:])
    assert ws["I4"].value == 50000
    assert ws["I4"].number_format == "#,##0.00"
    assert ws["J4"].value == 12000
    assert ws["K4"].value == 2000
    assert ws["L4"].value == pytest.approx(2000 / 12000)
    assert ws["L4"].number_format == "0.0%"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows.replace("$", "") == "3:3"  # the header repeats on each printed page


def test_the_export_has_every_page_and_says_when_it_is_capped(office_client, monkeypatch):
    for n in range(21):
        ProjectFactory(name=f"批量项目{n:02d}", total_investment=Decimal("100"))
    ws = _workbook(office_client.get(EXPORT)).active
    assert ws.max_row == 3 + 25
    monkeypatch.setattr(views, "EXPORT_CAP", 10)
    ws = _workbook(office_client.get(EXPORT)).active
    assert ws.max_row == 3 + 10
    assert "只导出前10个" in ws["A2"].value


def _grow(n: int) -> None:
    dept, leader = DepartmentFactory(), LeaderFactory()
    for i in range(n):
        _project(f"增量项目{i:02d}", "1000", dept=dept, leader=leader, light="red" if i % 2 else None, plan="100", done="10")


@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_the_same_number_of_queries_for_3_and_30_projects_shown(client, frozen_today, monkeypatch, url):
    monkeypatch.setattr(views, "PAGE_SIZE", 50)
    client.force_login(UserFactory(username="counter", role="office"))
    _grow(3)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    shown = len(response.context["rows"]) if url == LIST else _workbook(response).active.max_row - 3
    assert shown == 3
    _grow(27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    shown = len(response.context["rows"]) if url == LIST else _workbook(response).active.max_row - 3
    assert shown == 30
    assert len(few.captured_queries) == len(many.captured_queries)


def test_a_list_not_filtered_nor_sorted_on_the_light_shows_the_same_lights(office_client):
    # Without a light filter or sort the lights are worked out for the rows shown only
    # (ListQuery.rows_with_lights): the same light per project as the whole portfolio's.
    def lights(params: dict) -> dict:
        ws = _workbook(office_client.get(EXPORT, params)).active
        return {r[2]: r[1] for r in ws.iter_rows(min_row=4, values_only=True)}

    by_light = lights({"ordering": "-light_rank", "total_investment_min": "8000"})
    assert set(by_light.values()) == {"红灯", "黄灯", "绿灯"}
    assert lights({"total_investment_min": "8000"}) == by_light
    html = office_client.get("/projects/", {"total_investment_min": "8000"}).content.decode()
    assert html.count('class="row-red"') == 1
    assert html.count('class="row-yellow"') == 1
