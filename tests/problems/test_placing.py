"""A department puts a problem only on a project it may edit, through every way in (finding 3 of the
security review: 住建局's token created a problem on 交通局's project by naming itself responsible,
and moving an own problem onto a foreign project passed the same check)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.roles import load_role_groups
from apps.problems.models import Problem
from apps.sheets.models import ImportJob
from apps.sheets.services import import_job_create
from tests.api.world import build_world
from tests.core.test_admin_policy import add, admin_client, change
from tests.factories import ProblemFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

PLANTED = "住建局揽到交通局项目上的问题"


def _payload(project, dept) -> dict:
    return {
        "project": project.pk,
        "category": "land",
        "description": PLANTED,
        "raised_on": "2026-11-01",
        "responsible_dept": dept.pk,
        "deadline": "2026-12-01",
    }


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_api_refuses_a_problem_a_department_raises_on_another_departments_project_naming_itself():
    world = build_world()
    response = world.client("department").post("/api/v1/problems/", _payload(world.other, world.dept_a), format="json")
    assert response.status_code == 403, response.content
    assert "本单位牵头、配合或属地的项目" in response.json()["message"]
    assert not Problem.objects.filter(description=PLANTED).exists()


def test_the_api_refuses_moving_an_own_problem_onto_another_departments_project():
    world = build_world()
    problem = ProblemFactory(project=world.own, responsible_dept=world.dept_a, deadline=dt.date(2026, 12, 1))
    response = world.client("department").patch(f"/api/v1/problems/{problem.pk}/", {"project": world.other.pk}, format="json")
    assert response.status_code == 403, response.content
    assert _chinese(response.json()["message"])
    problem.refresh_from_db()
    assert problem.project_id == world.own.pk


def test_the_api_still_lets_a_department_raise_problems_on_its_own_project():
    world = build_world()
    response = world.client("department").post("/api/v1/problems/", _payload(world.own, world.dept_a), format="json")
    assert response.status_code == 201, response.content


def test_the_page_refuses_a_problem_raised_on_another_departments_project():
    world = build_world()
    client = Client()
    client.force_login(world.users["department"])
    url = reverse("web:problem-create", args=[world.other.pk])
    form = {k: v for k, v in _payload(world.other, world.dept_a).items() if k != "project"}
    assert client.get(url).status_code == 403
    response = client.post(url, form)
    assert response.status_code == 403
    assert "本单位牵头、配合或属地的项目" in response.content.decode()
    assert not Problem.objects.filter(description=PLANTED).exists()


def test_the_admin_refuses_a_problem_raised_or_moved_onto_another_departments_project():
    load_role_groups()
    world = build_world()
    client = admin_client(world, "department")
    # raising one there, naming itself
    response = add(
        "problems_problem",
        project=world.other.pk,
        category="land",
        description=PLANTED,
        raised_on="2026-11-01",
        responsible_dept=world.dept_a.pk,
        deadline="2026-12-01",
        status="new",
        source="weekly",
        escalation_level=0,
    )(client)
    assert response.status_code in (200, 403)
    assert "本单位牵头、配合或属地的项目" in response.content.decode()
    assert not Problem.objects.filter(description=PLANTED).exists()
    # moving its own problem there
    problem = ProblemFactory(project=world.own, responsible_dept=world.dept_a, deadline=dt.date(2026, 12, 1))
    response = change("problems_problem", problem, project=world.other.pk)(client)
    assert response.status_code in (200, 403)
    problem.refresh_from_db()
    assert problem.project_id == world.own.pk


def test_the_import_is_the_offices_alone():
    # the 调度表 import writes no problems, and a department cannot run it at all
    world = build_world()
    with pytest.raises(Exception, match="项目办"):
        import_job_create(actor=world.users["department"], file_name="x.xlsx", content=b"PK")
    assert not ImportJob.objects.exists()
