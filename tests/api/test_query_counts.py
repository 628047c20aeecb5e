"""Every list endpoint runs the same number of queries for 1 row as for 20 (DESIGN.md §6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.milestones.models import Milestone
from apps.projects.models import ProjectResponsibility
from tests.factories import (
    AnnualPlanFactory,
    CalendarDayFactory,
    DepartmentFactory,
    LandAcquisitionFactory,
    LeaderFactory,
    MilestoneFactory,
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    RegionFactory,
    SupervisionNoticeFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def _add_rows(n: int, leader) -> None:
    for i in range(n):
        dept = DepartmentFactory()
        project = ProjectFactory()
        ProjectResponsibility.objects.create(project=project, role="leader", leader=leader)
        ProjectResponsibility.objects.create(project=project, role="lead_dept", department=dept)
        AnnualPlanFactory(project=project, year=2026)
        MilestoneFactory(project=project, responsible_dept=dept, planned_date=dt.date(2026, 11, 1))
        ProblemFactory(project=project, responsible_dept=dept, raised_on=dt.date(2026, 9, 1), deadline=dt.date(2026, 11, 30))
        ProgressReportFactory(project=project, year=2026, month=9)
        LandAcquisitionFactory(project=project)
        notice = SupervisionNoticeFactory(target_dept=dept)
        notice.projects.add(project)
        LeaderFactory()
        RegionFactory()
        CalendarDayFactory(date=dt.date(2027, 1, 1) + dt.timedelta(days=i))
        Milestone.objects.create(project=project, name="删除", stage="construction").delete()


LISTS = [
    "/api/v1/projects/",
    "/api/v1/projects/sync/",
    "/api/v1/annual-plans/",
    "/api/v1/milestones/",
    "/api/v1/milestones/sync/",
    "/api/v1/progress-reports/",
    "/api/v1/progress-reports/sync/",
    "/api/v1/problems/",
    "/api/v1/problems/sync/",
    "/api/v1/land-acquisitions/",
    "/api/v1/land-acquisitions/sync/",
    "/api/v1/supervision-notices/",
    "/api/v1/departments/",
    "/api/v1/leaders/",
    "/api/v1/regions/",
    "/api/v1/calendar/days/",
    "/api/v1/overdue/",
    "LEADER_OVERDUE",
    "/api/v1/deletions/?resource=milestones",
]


@pytest.mark.parametrize("path", LISTS)
def test_list_query_count_is_the_same_for_1_and_20_rows(client, path):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(UserFactory(role="office"))
    leader = LeaderFactory(position="包保领导")
    url = f"/api/v1/leaders/{leader.pk}/overdue/" if path == "LEADER_OVERDUE" else path
    _add_rows(1, leader)
    api.get(url)  # warm caches (content types, rules)
    with CaptureQueriesContext(connection) as one:
        first = api.get(url, {"page_size": 50} if "deletions" not in url else None)
    assert first.status_code == 200, first.content[:300]
    _add_rows(19, leader)
    with CaptureQueriesContext(connection) as twenty:
        second = api.get(url, {"page_size": 50} if "deletions" not in url else None)
    assert second.status_code == 200
    results = second.json()["results"]
    assert len(results) > len(first.json()["results"])
    assert len(one) == len(twenty), [q["sql"][:120] for q in twenty.captured_queries]
