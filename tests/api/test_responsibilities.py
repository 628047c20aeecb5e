"""/api/v1/projects/{id}/responsibilities/: 包保领导, 牵头/配合单位, 联络员… set through the API with
the admin's and the import's service and rules (apps/projects/responsibilities.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.projects.models import Project, ProjectResponsibility
from tests.api.world import build_world
from tests.factories import DepartmentFactory, LeaderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def world():
    return build_world()


def _url(project, row=None) -> str:
    base = f"/api/v1/projects/{project.pk}/responsibilities/"
    return f"{base}{row.pk}/" if row is not None else base


def test_the_office_sets_a_lead_leader_and_it_shows_in_the_list_and_the_dossier(world, client):
    office = world.client("office")
    new_leader = LeaderFactory(position="县委副书记")
    old = world.own.responsibilities.get(role="leader")
    response = office.patch(_url(world.own, old), {"leader": new_leader.pk}, format="json")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["leader_position"] == "县委副书记"

    listed = next(p for p in office.get("/api/v1/projects/").json()["results"] if p["id"] == world.own.pk)
    assert listed["lead_leader"] == "县委副书记"
    roles = [(r["role"], r["leader_position"]) for r in office.get(_url(world.own)).json()]
    assert roles[0] == ("leader", "县委副书记")
    client.force_login(world.users["office"])
    assert "县委副书记" in client.get(f"/projects/{world.own.pk}/").content.decode()


def test_the_office_adds_a_cooperating_department_and_removes_it(world):
    office = world.client("office")
    created = office.post(_url(world.own), {"role": "coop_dept", "department": world.dept_b.pk, "is_primary": False}, format="json")
    assert created.status_code == 201, created.content[:300]
    row = ProjectResponsibility.objects.get(pk=created.json()["id"])
    assert row.department == world.dept_b
    assert office.delete(_url(world.own, row)).status_code == 204
    assert not ProjectResponsibility.objects.filter(pk=row.pk).exists()
    assert [h.history_type for h in ProjectResponsibility.history.filter(id=row.pk).order_by("history_id")] == ["+", "-"]


def test_a_department_keeps_its_own_liaison_on_its_own_project(world):
    department = world.client("department")
    created = department.post(
        _url(world.own), {"role": "liaison", "department": world.dept_a.pk, "person_name": "王联络", "phone": "13800000000"}, format="json"
    )
    assert created.status_code == 201, created.content[:300]
    assert created.json()["phone"] == "13800000000"  # its own row: its own number in full
    row = ProjectResponsibility.objects.get(pk=created.json()["id"])
    history = row.history.get()
    assert (history.history_type, history.history_user) == ("+", world.users["department"])


@pytest.mark.parametrize(
    ("case", "payload"),
    [
        ("a 包保领导", lambda w: {"role": "leader", "leader": w.leader_b.pk}),
        ("itself as 配合单位", lambda w: {"role": "coop_dept", "department": w.dept_a.pk}),
        ("a liaison of another department", lambda w: {"role": "liaison", "department": w.dept_b.pk, "person_name": "外单位"}),
    ],
)
def test_a_department_may_not_assign_what_is_the_offices(world, case, payload):
    before = ProjectResponsibility.objects.count()
    response = world.client("department").post(_url(world.own), payload(world), format="json")
    assert response.status_code == 403, (case, response.content[:300])
    assert "项目办" in response.json()["message"]
    assert ProjectResponsibility.objects.count() == before


def test_a_department_may_not_touch_another_departments_project(world):
    row = world.other.responsibilities.get(role="lead_dept")
    department = world.client("department")
    assert department.patch(_url(world.other, row), {"department": world.dept_a.pk}, format="json").status_code == 403
    assert department.post(_url(world.other), {"role": "coop_dept", "department": world.dept_a.pk}, format="json").status_code == 403
    assert ProjectResponsibility.objects.get(pk=row.pk).department == world.dept_b


def test_a_bad_row_is_refused_in_chinese(world):
    office = world.client("office")
    missing_leader = office.post(_url(world.own), {"role": "leader"}, format="json")
    assert missing_leader.status_code == 400
    assert "县级领导" in missing_leader.json()["message"] + str(missing_leader.json()["errors"])
    unknown = office.post(_url(world.own), {"role": "liaison", "name": "张三"}, format="json")
    assert unknown.status_code == 400
    assert "name" in unknown.json()["errors"]
    other_row = world.other.responsibilities.get(role="leader")
    assert office.patch(_url(world.own, other_row), {"person_name": "x"}, format="json").status_code == 404


def test_a_stale_project_etag_is_refused(world):
    office = world.client("office")
    etag = office.get(f"/api/v1/projects/{world.own.pk}/")["ETag"]
    assert office.post(_url(world.own), {"role": "liaison", "person_name": "甲"}, format="json", HTTP_IF_MATCH=etag).status_code == 201
    # the project's representation carries its responsibilities: the old ETag is stale now
    stale = office.post(_url(world.own), {"role": "liaison", "person_name": "乙"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert CHINESE.search(stale.json()["message"])
    assert not ProjectResponsibility.objects.filter(person_name="乙").exists()


def test_a_change_moves_the_projects_updated_at_for_sync_clients(world):
    # the clock stands still here: the project was last saved an hour ago, a sync ran since
    saved = Project.objects.get(pk=world.own.pk).updated_at - dt.timedelta(hours=1)
    Project.objects.filter(pk=world.own.pk).update(updated_at=saved)
    since = saved + dt.timedelta(minutes=1)
    office = world.client("office")
    assert world.own.pk not in {
        p["id"] for p in office.get("/api/v1/projects/sync/", {"updated_since": since.isoformat()}).json()["results"]
    }
    office.post(_url(world.own), {"role": "liaison", "person_name": "甲"}, format="json")
    synced = office.get("/api/v1/projects/sync/", {"updated_since": since.isoformat()}).json()["results"]
    assert world.own.pk in {p["id"] for p in synced}


def test_the_list_runs_the_same_queries_for_1_and_20_rows(world):
    office = world.client("office")
    url = _url(world.own)
    office.get(url)
    with CaptureQueriesContext(connection) as one:
        assert len(office.get(url).json()) == 2
    for i in range(18):
        ProjectResponsibility.objects.create(project=world.own, role="coop_dept", department=DepartmentFactory(), is_primary=False)
        ProjectResponsibility.objects.create(project=world.own, role="liaison", person_name=f"联络员{i}", leader=None)
    with CaptureQueriesContext(connection) as many:
        assert len(office.get(url).json()) == 38
    assert len(one) == len(many), [q["sql"][:120] for q in many.captured_queries]
