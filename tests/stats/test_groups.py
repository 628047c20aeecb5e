"""Grouped figures: each group's figures are portfolio_figures over the group's projects, and the
number of queries is the same for 1 group as for 20."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from apps.projects.models import ProjectResponsibility, ResponsibilityRole
from apps.stats.selectors import active_projects, portfolio_figures, portfolio_groups
from tests.factories import AnnualPlanFactory, DepartmentFactory, ProgressReportFactory, ProjectFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 27)


def _members(group_by: str, key):
    base = active_projects()
    if group_by == "category":
        return base.filter(category__code=key)
    if group_by == "region":
        return base.filter(Q(region_id=key) | Q(region__parent_id=key))
    role, field = (
        (ResponsibilityRole.LEAD_DEPT, "department_id") if group_by == "department" else (ResponsibilityRole.LEAD_LEADER, "leader_id")
    )
    return base.filter(pk__in=ProjectResponsibility.objects.filter(role=role, **{field: key}).values("project_id"))


@pytest.mark.parametrize("group_by", ["category", "region", "department", "leader"])
def test_each_group_agrees_with_the_figures_of_its_projects(demo_module, group_by):
    groups = list(portfolio_groups(group_by=group_by, year=2026, month=10, today=TODAY))
    assert groups
    for key, _label, figures in groups:
        assert figures == portfolio_figures(year=2026, month=10, projects=_members(group_by, key), today=TODAY), key


def _department_with_projects(reference_count: int = 1):
    dept = DepartmentFactory()
    for i in range(reference_count):
        project = ProjectFactory(total_investment=600 + i)
        ProjectResponsibility.objects.create(project=project, role=ResponsibilityRole.LEAD_DEPT, department=dept)
        AnnualPlanFactory(project=project, year=2026, annual_role="cont", resume_date=dt.date(2026, 3, 1))
        ProgressReportFactory(project=project, year=2026, month=5, status="approved")


def test_the_query_count_does_not_grow_with_the_groups():
    # The demo of the test above may still be loaded (module scope): count groups from where they are.
    before = len(list(portfolio_groups(group_by="department", year=2026, month=10, today=TODAY)))
    _department_with_projects()
    # Each time after a first call has stored the new projects' rows (apps.stats.live): a cold call
    # writes them in as many INSERTs as SQLite's parameter limit asks.
    list(portfolio_groups(group_by="department", year=2026, month=10, today=TODAY))
    with CaptureQueriesContext(connection) as one:
        assert len(list(portfolio_groups(group_by="department", year=2026, month=10, today=TODAY))) == before + 1
    for _ in range(19):
        _department_with_projects(2)
    list(portfolio_groups(group_by="department", year=2026, month=10, today=TODAY))
    with CaptureQueriesContext(connection) as twenty:
        assert len(list(portfolio_groups(group_by="department", year=2026, month=10, today=TODAY))) == before + 20
    assert len(twenty) == len(one)


def test_the_summary_takes_the_project_lists_filters(demo_module):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory(role="viewer"))
    infra = active_projects().filter(category__code="infra")
    body = client.get("/api/v1/stats/summary/", {"year": 2026, "month": 10, "category": "infra", "group_by": "department"}).json()
    expected = portfolio_figures(year=2026, month=10, projects=infra)
    assert body["total"]["project_count"] == expected.project_count == infra.count()
    assert body["total"]["annual_plan"] == f"{expected.annual_plan:.2f}"
    assert sum(g["project_count"] for g in body["groups"]) >= 1
    for group in body["groups"]:
        members = _members("department", int(group["key"])).filter(category__code="infra")
        assert group["project_count"] == members.count()
    started = client.get("/api/v1/stats/summary/", {"build_status": "started"}).json()
    assert started["total"]["project_count"] == active_projects().filter(build_status="started").count()
    assert client.get("/api/v1/stats/summary/", {"department": 0}).status_code == 400
    assert client.get("/api/v1/stats/summary/", {"level": "galactic"}).status_code == 400
