"""People's phone numbers (包保领导, 联络员, the owner's contact) are shown in full only to the office,
the project's 包保 leaders and a department's own people (apps/projects/rules.may_see_phone); every
other reader — read-only users, other departments, read-scope tokens — gets the number masked, in the
API, on the dossier and in the admin (finding: leaders' phone numbers were shown to read-only users
and read-only tokens)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.roles import load_role_groups
from apps.core.privacy import mask_phone
from apps.projects.models import Project, ProjectResponsibility
from tests.api.world import build_world
from tests.core.test_admin_policy import admin_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

LEADER_PHONE = "13800001111"
LIAISON_PHONE = "0743-8221234"
OWNER_PHONE = "13911112222"
OTHER_DEPT_PHONE = "13722223333"


def _world_with_phones():
    world = build_world()
    project = world.own
    ProjectResponsibility.objects.filter(project=project, role="leader").update(phone=LEADER_PHONE)
    ProjectResponsibility.objects.create(
        project=project, role="liaison", department=world.dept_a, person_name="联络员", phone=LIAISON_PHONE
    )
    ProjectResponsibility.objects.create(
        project=project, role="coop_dept", department=world.dept_b, person_name="配合人", phone=OTHER_DEPT_PHONE
    )
    Project.objects.filter(pk=project.pk).update(owner_contact="业主联系人", owner_phone=OWNER_PHONE)
    world.users["other_leader"] = type(world.users["leader"]).objects.create(username="leader_b", role="leader", leader=world.leader_b)
    world.users["other_department"] = type(world.users["department"]).objects.create(
        username="dept_c", role="department", department=type(world.dept_a).objects.create(name="水利局")
    )
    return world


def _numbers(body: dict) -> dict[str, str]:
    rows = {r["role"] + ":" + (r["person_name"] or ""): r["phone"] for r in body["responsibilities"]}
    return {
        "leader": rows["leader:"],
        "liaison": rows["liaison:联络员"],
        "coop": rows["coop_dept:配合人"],
        "owner": body["owner_phone"],
    }


FULL = {"leader": LEADER_PHONE, "liaison": LIAISON_PHONE, "coop": OTHER_DEPT_PHONE, "owner": OWNER_PHONE}
MASKED = {key: mask_phone(value) for key, value in FULL.items()}

# who reads the own project: what each number looks like to them
EXPECTED = {
    "office": FULL,
    "rw_token": FULL,  # an office token that may write is the office
    "leader": FULL,  # the project's 包保 leader
    "department": {**MASKED, "liaison": LIAISON_PHONE, "owner": OWNER_PHONE},  # its own people, the owner it deals with
    "read_token": MASKED,  # other systems take the portfolio, not people's numbers
    "viewer": MASKED,
    "other_leader": MASKED,
    "other_department": MASKED,
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_the_api_shows_each_number_only_to_whom_it_belongs(who):
    world = _world_with_phones()
    if who in ("other_leader", "other_department"):
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(world.users[who])
    else:
        client = world.client(who)
    body = client.get(f"/api/v1/projects/{world.own.pk}/").json()
    assert _numbers(body) == EXPECTED[who]
    # the sync feed says the same
    synced = client.get("/api/v1/projects/sync/").json()["results"]
    assert _numbers(next(p for p in synced if p["id"] == world.own.pk)) == EXPECTED[who]


def test_a_masked_number_still_reads_as_a_number_but_cannot_be_dialled():
    assert mask_phone("13800001111") == "138****1111"
    assert mask_phone("0743-8221234") == "074*-***1234"
    assert mask_phone("12345") == "*****"
    assert mask_phone("") == ""


@pytest.mark.parametrize(("who", "visible"), [("office", True), ("leader", True), ("viewer", False), ("other_department", False)])
def test_the_dossier_shows_the_leaders_number_only_to_whom_it_belongs(who, visible):
    world = _world_with_phones()
    client = Client()
    client.force_login(world.users[who])
    page = client.get(reverse("web:project-detail", args=[world.own.pk])).content.decode()
    assert (LEADER_PHONE in page) is visible
    assert (OWNER_PHONE in page) is visible
    if not visible:
        assert mask_phone(LEADER_PHONE) in page


@pytest.mark.parametrize(("role", "visible"), [("office", True), ("viewer", False), ("leader", False), ("department", False)])
def test_the_admin_shows_peoples_numbers_to_the_office_only(role, visible):
    load_role_groups()
    world = _world_with_phones()
    client = admin_client(world, role)
    listing = client.get(reverse("admin:projects_projectresponsibility_changelist")).content.decode()
    assert (LEADER_PHONE in listing) is visible
    form = client.get(reverse("admin:projects_project_change", args=[world.other.pk])).content.decode()
    assert client.get(reverse("admin:projects_project_change", args=[world.other.pk])).status_code == 200
    assert ("owner_phone" in form) is visible
