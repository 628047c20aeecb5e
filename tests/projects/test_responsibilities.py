"""Responsibilities written in the admin go through apps/projects/responsibilities.py: the policy's
rule on who sets which role, and a history row with who and when."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import load_role_groups
from apps.projects.models import ProjectResponsibility
from tests.api.world import build_world
from tests.core.test_admin_policy import admin_client, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def _inline_prefix(data: dict, row: ProjectResponsibility) -> str:
    return next(key.removesuffix("-id") for key, value in data.items() if key.endswith("-id") and value == str(row.pk))


def test_the_project_admin_changes_a_lead_leader_through_the_service(client):
    load_role_groups()
    world = build_world()
    row = world.own.responsibilities.get(role="leader")
    url = reverse("admin:projects_project_change", args=[world.own.pk])
    data = form_data(url)
    data[f"{_inline_prefix(data, row)}-leader"] = str(world.leader_b.pk)
    assert admin_client(world, "office").post(url, data).status_code == 302
    row.refresh_from_db()
    assert row.leader == world.leader_b
    latest = row.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_user) == ("~", world.users["office"])


def test_a_department_cannot_hand_its_lead_to_another_department_in_the_admin():
    load_role_groups()
    world = build_world()
    row = world.own.responsibilities.get(role="lead_dept")
    url = reverse("admin:projects_project_change", args=[world.own.pk])
    data = form_data(url)
    data[f"{_inline_prefix(data, row)}-department"] = str(world.dept_b.pk)
    response = admin_client(world, "department").post(url, data)
    assert response.status_code == 200  # the form again, with the policy's reason
    assert "由项目办确定" in response.content.decode()
    assert ProjectResponsibility.objects.get(pk=row.pk).department == world.dept_a


def test_a_department_adds_its_own_liaison_in_the_admin():
    load_role_groups()
    world = build_world()
    url = reverse("admin:projects_projectresponsibility_add")
    data = form_data(url) | {"project": world.own.pk, "role": "liaison", "department": world.dept_a.pk, "person_name": "李联络"}
    assert admin_client(world, "department").post(url, data).status_code == 302
    row = ProjectResponsibility.objects.get(person_name="李联络")
    assert row.history.get().history_user == world.users["department"]
