"""The ranking page and each department's and region's page: figures, items worst first, projects."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from apps.core.xlsx import LIGHT_FILLS
from apps.projects.models import ProjectResponsibility
from tests.factories import DepartmentFactory, LeaderFactory, MilestoneFactory, ProblemFactory, ProjectFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

RANKING = reverse("web:unit-ranking")


def _project(name, *, dept, leader, region):
    project = ProjectFactory(name=name, region=region)
    ProjectResponsibility.objects.create(project=project, role="leader", leader=leader)
    ProjectResponsibility.objects.create(project=project, role="lead_dept", department=dept)
    return project


@pytest.fixture
def world(frozen_today):
    county = RegionFactory(name="古丈县", kind="county")
    town, park = RegionFactory(name="古阳镇", parent=county), RegionFactory(name="工业园", parent=county, kind="park")
    good, late = DepartmentFactory(name="交通局"), DepartmentFactory(name="住建局")
    leader = LeaderFactory(position="常务副区长")
    road = _project("古罗大道", dept=good, leader=leader, region=park)
    school = _project("县一中扩建", dept=late, leader=leader, region=town)
    MilestoneFactory(project=road, responsible_dept=good, planned_date=dt.date(2026, 6, 1), status="done", actual_date=dt.date(2026, 5, 30))
    MilestoneFactory(project=school, name="施工许可", responsible_dept=late, planned_date=dt.date(2026, 11, 2))  # 25 days overdue
    MilestoneFactory(project=school, name="用地预审", responsible_dept=late, planned_date=dt.date(2026, 11, 20))  # 7 days overdue
    ProblemFactory(project=school, description="临时用电未接通", responsible_dept=late, deadline=dt.date(2026, 12, 1))  # due soon
    users = {
        "office": UserFactory(username="u-office", role="office"),
        "department": UserFactory(username="u-dept", role="department", department=late),
        "leader": UserFactory(username="u-leader", role="leader", leader=leader),
        "viewer": UserFactory(username="u-viewer", role="viewer"),
    }
    return {"users": users, "good": good, "late": late, "town": town, "park": park, "county": county, "school": school}


@pytest.fixture
def office_client(client, world):
    client.force_login(world["users"]["office"])
    return client


def _pages(world) -> list[str]:
    return [
        RANKING,
        reverse("web:department-detail", args=[world["late"].pk]),
        reverse("web:region-detail", args=[world["town"].pk]),
        reverse("web:region-detail", args=[world["county"].pk]),
    ]


@pytest.mark.parametrize("role", ["office", "department", "leader", "viewer"])
def test_every_page_renders_for_every_role(client, world, role):
    client.force_login(world["users"][role])
    for url in _pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "data-label=" in response.content.decode()


def test_anonymous_is_sent_to_the_login_page(client, world):
    for url in _pages(world):
        assert client.get(url).status_code == 302


def test_the_ranking_puts_the_department_on_time_first(office_client, world):
    response = office_client.get(RANKING)
    html = response.content.decode()
    departments, regions = (t["units"] for t in response.context["tables"])
    assert [(u.name, u.rank, u.overdue, u.due_soon) for u in departments] == [("交通局", 1, 0, 0), ("住建局", 2, 2, 1)]
    assert [(u.name, u.rank) for u in regions] == [("工业园", 1), ("古阳镇", 2)]
    assert "100.0%" in html
    assert "0.0%" in html
    assert reverse("web:department-detail", args=[world["good"].pk]) in html
    assert reverse("web:region-detail", args=[world["park"].pk]) in html


def test_a_departments_page_lists_its_items_worst_first_and_its_projects(office_client, world):
    response = office_client.get(reverse("web:department-detail", args=[world["late"].pk]))
    html = response.content.decode()
    assert [i.title for i, _ in response.context["items"]] == ["施工许可", "用地预审", "临时用电未接通"]
    assert "逾期 25 天" in html
    assert "剩余 4 天" in html
    assert "第2名" in html
    assert reverse("web:project-detail", args=[world["school"].pk]) in html
    assert f"?department={world['late'].pk}" in html  # the full list, on the project list page
    assert (response.context["red"], response.context["yellow"]) == (2, 1)


def test_a_regions_page_counts_its_sub_regions(office_client, world):
    town = office_client.get(reverse("web:region-detail", args=[world["town"].pk]))
    assert len(town.context["items"]) == 3
    county = office_client.get(reverse("web:region-detail", args=[world["county"].pk]))
    assert len(county.context["items"]) == 3  # the county is not ranked but holds its towns' items
    assert county.context["figures"] is None
    assert [p.name for p in county.context["projects"]] == ["县一中扩建", "古罗大道"]  # red first


@pytest.mark.parametrize("pk", [0, 999999, 2**63, 10**30])
def test_an_unknown_unit_is_a_404(office_client, world, pk):
    for name in ("web:department-detail", "web:region-detail", "web:department-export", "web:region-export"):
        assert office_client.get(reverse(name, args=[pk])).status_code == 404


def test_a_units_items_export_to_excel(office_client, world):
    response = office_client.get(reverse("web:department-export", args=[world["late"].pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert "住建局" in ws["A1"].value
    assert ws.freeze_panes == "A3"
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [(r[1], r[3], r[6], r[7]) for r in rows] == [
        ("红灯", "施工许可", 25, None),
        ("红灯", "用地预审", 7, None),
        ("黄灯", "临时用电未接通", None, 4),
    ]
    assert ws["B3"].fill.fgColor.rgb.endswith(LIGHT_FILLS["red"].fgColor.rgb[-6:])
    assert ws["B5"].fill.fgColor.rgb.endswith(LIGHT_FILLS["yellow"].fgColor.rgb[-6:])
    assert office_client.get(reverse("web:region-export", args=[world["town"].pk])).status_code == 200


def _grow(n: int, county) -> None:
    leader = LeaderFactory()
    for i in range(n):
        dept = DepartmentFactory()
        project = _project(f"项目{i}", dept=dept, leader=leader, region=RegionFactory(parent=county))
        MilestoneFactory(
            project=project, responsible_dept=dept, planned_date=dt.date(2026, 3, 1), status="done", actual_date=dt.date(2026, 3, 2)
        )
        MilestoneFactory(project=project, responsible_dept=dept, planned_date=dt.date(2026, 11, 2))
        ProblemFactory(project=project, responsible_dept=dept, deadline=dt.date(2026, 11, 30))


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_same_number_of_queries_for_1_and_10_departments(client, frozen_today):
    client.force_login(UserFactory(username="counter", role="office"))
    county = RegionFactory(name="县", kind="county")
    _grow(1, county)
    dept = DepartmentFactory(name="被看的局")
    project = _project("被看的项目", dept=dept, leader=LeaderFactory(), region=RegionFactory(parent=county))
    MilestoneFactory(project=project, responsible_dept=dept, planned_date=dt.date(2026, 11, 2))
    urls = [RANKING, reverse("web:department-detail", args=[dept.pk]), reverse("web:region-detail", args=[county.pk])]
    urls.append(reverse("web:department-export", args=[dept.pk]))
    few = [_count(client, url) for url in urls]
    _grow(9, county)
    for i in range(9):  # the department's own page: more items and projects too
        extra = _project(f"本单位项目{i}", dept=dept, leader=LeaderFactory(), region=county)
        MilestoneFactory(project=extra, responsible_dept=dept, planned_date=dt.date(2026, 11, 3))
    many = [_count(client, url) for url in urls]
    assert len(client.get(RANKING).context["tables"][0]["units"]) == 11
    assert few == many


def test_the_ranking_lists_the_first_rows_and_the_rest_on_asking(office_client, world, monkeypatch):
    from apps.stats.web import units

    monkeypatch.setattr(units, "RANKING_ROWS", 1)
    html = office_client.get(RANKING).content.decode()
    assert "共 2 个责任单位，此处列出前 1 名" in html
    assert "交通局" in html
    assert "住建局" not in html.split('id="regions"')[0]
    everything = office_client.get(RANKING, {"all": "1"}).content.decode()
    assert "此处列出前" not in everything
    assert "住建局" in everything.split('id="regions"')[0]
