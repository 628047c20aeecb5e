"""The API and the admin refuse a contradiction of the 开工 facts through the same services, in
Chinese, and change nothing; the admin judges a project and its plan rows together."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from apps.projects.models import AnnualRole, BuildStatus
from apps.workcalendar.services import calendar_load_from_package
from tests.api.world import build_world
from tests.core.test_admin_policy import form_data
from tests.factories import AnnualPlanFactory, ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
D = dt.date


@pytest.fixture
def world():
    calendar_load_from_package()
    return build_world()


def test_the_api_refuses_a_started_project_without_a_start_date_with_400_in_chinese(world):
    office = world.client("office")
    response = office.patch(f"/api/v1/projects/{world.own.pk}/", {"build_status": "started"}, format="json")
    assert response.status_code == 400
    assert "没有实际开工日期" in response.content.decode()
    world.own.refresh_from_db()
    assert world.own.build_status == BuildStatus.NOT_STARTED


def test_the_api_refuses_a_future_start_date_and_brings_the_status_along_for_a_past_one(world):
    office = world.client("office")
    url = f"/api/v1/projects/{world.own.pk}/"
    future = office.patch(url, {"actual_start": "2026-12-20"}, format="json")
    assert future.status_code == 400
    assert "晚于今天" in future.content.decode()
    # The world's 2026 plan is 续建: a start in 2026 contradicts it, one in 2025 agrees.
    assert office.patch(url, {"actual_start": "2026-03-01"}, format="json").status_code == 400
    ok = office.patch(url, {"actual_start": "2025-10-08"}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["build_status"] == "started"


def test_the_api_refuses_a_resume_date_outside_the_plan_year(world):
    office = world.client("office")
    world.own.actual_start, world.own.build_status = D(2025, 5, 1), "started"
    world.own.save()
    plan = world.own.annual_plans.get()
    url = f"/api/v1/annual-plans/{plan.pk}/"
    response = office.patch(
        url, {"resume_date": "2025-03-01", "reason": "补复工日期"}, format="json", HTTP_IF_MATCH=office.get(url)["ETag"]
    )
    assert response.status_code == 400
    assert "不在2026年内" in response.content.decode()
    plan.refresh_from_db()
    assert plan.resume_date is None


def _admin_data(client, project, **changes) -> dict:
    form = client.get(reverse("admin:projects_project_change", args=[project.pk])).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "category": project.category_id,
            "region": project.region_id,
            "responsibilities-TOTAL_FORMS": "0",
            "responsibilities-INITIAL_FORMS": "0",
            "annual_plans-TOTAL_FORMS": "0",
            "annual_plans-INITIAL_FORMS": "0",
        }
    )
    data.update(changes)
    return data


def test_the_admin_refuses_a_contradiction_on_the_form_and_saves_nothing(client, office_user):
    project = ProjectFactory()
    client.force_login(office_user)
    url = reverse("admin:projects_project_change", args=[project.pk])
    response = client.post(url, _admin_data(client, project, build_status="completed", actual_start="2026-03-01"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "没有实际竣工日期" in body
    assert "成功" not in body
    project.refresh_from_db()
    assert (project.build_status, project.actual_start) == (BuildStatus.NOT_STARTED, None)


def _adjust_in_admin(client, plan, reason: str, **changes):
    """调整计划 in the plan's own admin form (the project's form shows plans read-only)."""
    url = reverse("admin:projects_annualplan_change", args=[plan.pk])
    return client.post(url, form_data(url) | {"reason": reason, **changes})


def test_the_admin_records_a_start_last_year_with_this_year_plan_turned_continuing_step_by_step(client, office_user):
    project = ProjectFactory()
    plan = AnnualPlanFactory(project=project, year=2026, annual_role=AnnualRole.NEW_START)
    client.force_login(office_user)
    url = reverse("admin:projects_project_change", args=[project.pk])
    # The date alone contradicts the plan's 新开工: refused, nothing saved.
    alone = client.post(url, _admin_data(client, project, actual_start="2025-09-01"))
    assert alone.status_code == 200
    assert "应为续建项目" in alone.content.decode()
    project.refresh_from_db()
    assert project.actual_start is None
    # The plan first (调整计划, with its reason), then the date, then the resume date: each write agrees.
    assert _adjust_in_admin(client, plan, "实为上年开工的续建项目", annual_role="cont").status_code == 302
    together = client.post(url, _admin_data(client, project, actual_start="2025-09-01"))
    assert together.status_code == 302, together.content.decode()[:2000]
    assert _adjust_in_admin(client, plan, "补复工日期", resume_date="2026-02-20").status_code == 302
    project.refresh_from_db()
    plan.refresh_from_db()
    assert (project.build_status, project.actual_start) == (BuildStatus.STARTED, D(2025, 9, 1))
    assert (plan.annual_role, plan.resume_date, plan.revision) == (AnnualRole.CONTINUING, D(2026, 2, 20), 3)


def test_the_admin_refuses_a_plan_that_contradicts_the_project(client, office_user):
    project = ProjectFactory(build_status="started", actual_start=D(2025, 9, 1))
    client.force_login(office_user)
    url = reverse("admin:projects_annualplan_add")
    data = form_data(url) | {"project": project.pk, "year": 2026, "annual_role": "new", "annual_plan": "1200.00"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "应为续建项目" in response.content.decode()
    assert not project.annual_plans.exists()


def test_the_admin_still_saves_an_unrelated_edit_of_a_contradictory_project(client, office_user):
    project = ProjectFactory()
    type(project).objects.filter(pk=project.pk).update(build_status="started")  # legacy: 已开工 without a date
    project.refresh_from_db()
    client.force_login(office_user)
    url = reverse("admin:projects_project_change", args=[project.pk])
    response = client.post(url, _admin_data(client, project, remarks="只改备注"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.remarks == "只改备注"
