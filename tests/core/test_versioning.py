"""The one lost-update rule (apps/core/versioning.py): every save moves the version and names who
made it; a writer who names an older version is refused in Chinese, naming who changed the row,
and nothing is written — through the service, the API, the admin and the pages alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.versioning import StaleVersion, etag, seen_from_etags, seen_from_form
from apps.organization.services import reference_update
from apps.projects.models import Project
from apps.projects.services import project_update
from tests.factories import AnnualPlanFactory, DepartmentFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return UserFactory(role="office", username="xmb2", first_name="二", last_name="项目办")


@pytest.fixture
def clerk():
    return UserFactory(role="office", username="clerk", first_name="三", last_name="张", department=DepartmentFactory(name="住建局"))


def test_every_save_moves_the_version_and_names_who_made_it(office):
    project = ProjectFactory()
    assert (project.version, project.version_by) == (1, None)

    project_update(actor=office, project=project, data={"remarks": "第一次"})
    project.refresh_from_db()

    assert project.version == 2
    assert project.version_by == office
    assert project.version_at is not None
    assert project.history.first().version == 2  # the history row carries the version it wrote


def test_a_save_over_a_newer_version_is_refused_naming_who_and_changes_nothing(office, clerk):
    project = ProjectFactory(remarks="原样")
    seen = project.version
    project_update(actor=clerk, project=project, data={"remarks": "张三先改了"})

    with pytest.raises(StaleVersion) as refused:
        project_update(actor=office, project=project, data={"remarks": "覆盖"}, seen=seen)

    message = refused.value.messages[0]
    assert "已被张三（住建局）于" in message
    assert f"当前第{seen + 1}版，你打开时是第{seen}版" in message
    assert "你这次填写的内容没有保存" in message
    project.refresh_from_db()
    assert (project.remarks, project.version, project.version_by) == ("张三先改了", seen + 1, clerk)


def test_the_update_itself_matches_only_the_version_read(office, clerk):
    """Two writers read version 1; the first saves. The second's in-memory row still says 1, so the
    check before the UPDATE passes — the UPDATE's own `WHERE version = 1` is what refuses it."""
    department = DepartmentFactory(name="交通局", short_name="交通")
    theirs = type(department).objects.get(pk=department.pk)
    reference_update(actor=clerk, row=department, data={"name": "交通运输局"})

    with pytest.raises(StaleVersion, match="已被张三（住建局）"):
        reference_update(actor=office, row=theirs, data={"short_name": "交局"}, seen=theirs.version)

    department.refresh_from_db()
    assert (department.name, department.short_name, department.version) == ("交通运输局", "交通", 2)


def test_a_writer_naming_no_version_is_not_refused(office):
    """The system (sweeps, seeds, commands) names no version: its save lands on the stored one."""
    department = DepartmentFactory()
    stale = type(department).objects.get(pk=department.pk)
    reference_update(actor=office, row=department, data={"name": "新名称"})

    reference_update(actor=None, row=stale, data={"short_name": "简称"})

    department.refresh_from_db()
    assert (department.short_name, department.version, department.version_by) == ("简称", 3, None)


def test_a_save_of_some_fields_still_moves_the_version():
    project = ProjectFactory()
    project.remarks = "只改备注"
    project.save(update_fields=["remarks"])
    project.refresh_from_db()
    assert (project.remarks, project.version) == ("只改备注", 2)


def test_the_tags_that_carry_a_version():
    project = Project(version=7)
    assert etag(project) == '"v7"'
    assert seen_from_etags('W/"v7"') == 7
    assert seen_from_etags('"abc", "v12"') == 12
    assert seen_from_etags("*") is None
    assert seen_from_etags('"v99999999999"') is None  # not a version we issued
    assert (seen_from_form("3"), seen_from_form(""), seen_from_form("x"), seen_from_form("-1")) == (3, None, None, None)


def test_the_admin_posts_the_version_it_showed_and_a_stale_save_is_refused(client, office_user, clerk):
    project = ProjectFactory(remarks="原样", total_investment=Decimal("10000"))
    AnnualPlanFactory(project=project)
    client.force_login(office_user)
    url = reverse("admin:projects_project_change", args=[project.pk])
    page = client.get(url)
    assert f'name="seen_version" value="{project.version}"' in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "category": project.category_id,
            "region": project.region_id,
            "responsibilities-TOTAL_FORMS": "0",
            "responsibilities-INITIAL_FORMS": "0",
            "annual_plans-TOTAL_FORMS": "0",
            "annual_plans-INITIAL_FORMS": "0",
            "seen_version": str(project.version),
            "remarks": "后台覆盖",
        }
    )
    project_update(actor=clerk, project=project, data={"remarks": "张三先改了"})

    response = client.post(url, data)

    assert response.status_code == 200
    body = response.content.decode()
    assert "已被张三（住建局）于" in body
    # The form is shown again with what the office typed, and the version it first saw.
    assert "后台覆盖" in body
    assert f'name="seen_version" value="{project.version}"' in body
    project.refresh_from_db()
    assert project.remarks == "张三先改了"

    data["seen_version"] = str(project.version)
    assert client.post(url, data).status_code == 302
    project.refresh_from_db()
    assert project.remarks == "后台覆盖"


def test_the_api_etag_is_the_version_and_a_stale_one_names_who_changed_it(office, clerk):
    from rest_framework.test import APIClient

    project = ProjectFactory()
    api = APIClient()
    api.force_authenticate(office)
    url = f"/api/v1/projects/{project.pk}/"
    tag = api.get(url)["ETag"]
    assert tag == f'"v{project.version}"'
    project_update(actor=clerk, project=project, data={"remarks": "张三先改了"})

    stale = api.patch(url, {"remarks": "覆盖"}, format="json", HTTP_IF_MATCH=tag)

    assert stale.status_code == 412
    body = stale.json()
    assert "已被张三（住建局）于" in body["message"]
    assert body["etag"] == f'"v{project.version + 1}"'
    assert body["current"]["remarks"] == "张三先改了"
