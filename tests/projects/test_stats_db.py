"""入库纳统 (DOMAIN.md §2 row 4): the office records it on the project, through the API, the admin and
the service; a department reads it but cannot change it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.policy import PolicyDenied
from apps.projects.models import Project
from apps.projects.services import project_update
from apps.workcalendar.services import calendar_load_from_package
from tests.api.world import build_world
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

ENTERED = {"in_stats_db": True, "stats_code": "4331262026000123", "stats_entry_date": "2026-06-01", "not_in_stats_reason": ""}


@pytest.fixture
def world(frozen_today):
    calendar_load_from_package()
    return build_world()


def test_the_office_records_the_statistics_database_through_the_api_and_everyone_reads_it(world):
    url = f"/api/v1/projects/{world.own.pk}/"
    office = world.client("office")
    assert office.get(url).json()["in_stats_db"] is False
    response = office.patch(url, ENTERED, format="json")
    assert response.status_code == 200, response.json()
    body = world.client("department").get(url).json()
    assert {k: body[k] for k in ENTERED} == ENTERED
    project = Project.objects.get(pk=world.own.pk)
    assert (project.in_stats_db, project.stats_entry_date) == (True, dt.date(2026, 6, 1))


def test_a_department_cannot_record_the_statistics_database_even_on_its_own_project(world):
    url = f"/api/v1/projects/{world.own.pk}/"
    response = world.client("department").patch(url, {"in_stats_db": True}, format="json")
    assert response.status_code == 403
    assert "只有项目办可以登记入库纳统情况的重点项目" in response.json()["message"]
    assert Project.objects.get(pk=world.own.pk).in_stats_db is False
    # its other fields it still changes, and sending the 纳统 fields unchanged is no change
    ok = world.client("department").patch(url, {"remarks": "本单位修改", "in_stats_db": False}, format="json")
    assert ok.status_code == 200


def test_an_entry_date_without_the_flag_is_refused_in_chinese_and_by_the_database():
    project = ProjectFactory()
    with pytest.raises(ValidationError, match="应勾选“已入库纳统”"):
        project_update(actor=UserFactory(), project=project, data={"stats_entry_date": dt.date(2026, 6, 1)})
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(stats_entry_date=dt.date(2026, 6, 1))


def test_the_service_refuses_a_department_user(world):
    with pytest.raises(PolicyDenied):
        project_update(actor=world.users["department"], project=world.own, data={"not_in_stats_reason": "尚未形成实物工作量"})
