"""The Chinese admin: every model's list and form open, lists show the light, history is visible."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.milestones.models import Milestone
from apps.projects.models import Project
from apps.projects.services import project_update
from tests.factories import AnnualPlanFactory, MilestoneFactory, ProblemFactory, ProjectFactory

pytestmark = pytest.mark.django_db

MODELS = [m for m in admin.site._registry if m._meta.app_label not in {"auth"}]


@pytest.fixture
def client_office(client, office_user):
    client.force_login(office_user)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_admin_list_and_add_form_opens(client_office, model):
    opts = model._meta
    changelist = client_office.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    add = client_office.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code in (200, 403)


def test_the_admin_speaks_chinese(client_office):
    page = client_office.get(reverse("admin:index")).content.decode()
    assert "重点项目清单化管理系统" in page
    assert "重点项目台账" in page
    assert "退出" in page or "注销" in page


def test_project_list_shows_lights_and_filters_by_light(client_office):
    red = ProjectFactory(name="逾期项目")
    MilestoneFactory(project=red, planned_date=dt.date(2020, 1, 1))
    ProjectFactory(name="正常项目")
    url = reverse("admin:projects_project_changelist")
    page = client_office.get(url).content.decode()
    assert "light-red" in page
    assert "light-green" in page
    only_red = client_office.get(url, {"light": "red"}).content.decode()
    assert "逾期项目" in only_red
    assert "正常项目" not in only_red


def test_project_search_by_name_and_code(client_office):
    ProjectFactory(name="古罗大道", primary_code="2024-433126-48-01-000013")
    ProjectFactory(name="文化馆")
    url = reverse("admin:projects_project_changelist")
    assert "古罗大道" in client_office.get(url, {"q": "000013"}).content.decode()
    assert "文化馆" not in client_office.get(url, {"q": "000013"}).content.decode()


def test_admin_rejects_a_malformed_code_in_chinese_and_saves_nothing(client_office):
    project = ProjectFactory()
    AnnualPlanFactory(project=project)
    url = reverse("admin:projects_project_change", args=[project.pk])
    form = client_office.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "primary_code": "2024-4331-48",
            "category": project.category_id,
            "region": project.region_id,
            "responsibilities-TOTAL_FORMS": "0",
            "responsibilities-INITIAL_FORMS": "0",
            "annual_plans-TOTAL_FORMS": "0",
            "annual_plans-INITIAL_FORMS": "0",
            "total_investment": "-5",
        }
    )
    response = client_office.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "项目代码应为24位" in body
    project.refresh_from_db()
    assert project.primary_code is None
    assert project.total_investment == Decimal("10000")


def test_history_of_a_project_is_visible_in_the_admin(client_office, office_user):
    project = ProjectFactory(total_investment=Decimal("100"))
    project_update(actor=office_user, project=project, data={"total_investment": Decimal("300")})
    page = client_office.get(reverse("admin:projects_project_history", args=[project.pk])).content.decode()
    assert "office" in page
    assert "300" in page


def test_project_list_query_count_is_the_same_for_1_and_20_rows(client_office):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for _ in range(n):
            p = ProjectFactory()
            MilestoneFactory(project=p)
            ProblemFactory(project=p)

    url = reverse("admin:projects_project_changelist")
    client_office.get(url)  # warm the session and content-type caches
    add(1)
    with CaptureQueriesContext(connection) as one:
        assert client_office.get(url).status_code == 200
    add(19)
    with CaptureQueriesContext(connection) as twenty:
        assert client_office.get(url).status_code == 200
    assert len(one) == len(twenty)


def test_milestone_list_shows_lights(client_office):
    MilestoneFactory(planned_date=dt.date(2020, 1, 1))
    page = client_office.get(reverse("admin:milestones_milestone_changelist")).content.decode()
    assert "light-red" in page
    assert Milestone.objects.count() == 1
    assert Project.objects.count() == 1


def test_the_admin_is_chinese_even_for_an_english_browser(client_office):
    page = client_office.get(reverse("admin:projects_project_changelist"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "选择 重点项目 来修改" in page or "选择重点项目来修改" in page
    assert "Select 重点项目" not in page
