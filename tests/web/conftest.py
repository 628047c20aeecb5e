"""Shared by the page tests: the frozen clock, signed-in clients per role, and a small portfolio
that can be grown to show that a page's query count does not depend on the rows shown."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.projects.models import ProjectResponsibility
from tests.factories import (
    AnnualPlanFactory,
    DepartmentFactory,
    LeaderFactory,
    MilestoneFactory,
    MonthlyTargetFactory,
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    UserFactory,
)


@pytest.fixture
def signed_in(client):
    """signed_in(user) → the test client, logged in as `user`."""

    def login(user):
        client.force_login(user)
        return client

    return login


def add_portfolio(n: int, *, leader=None, department=None) -> list:
    """n projects, each with a plan and monthly target, an overdue milestone, a due-soon problem
    and an approved report, led by `leader` and `department` (new ones when not given)."""
    projects = []
    for _ in range(n):
        dept = department or DepartmentFactory()
        boss = leader or LeaderFactory()
        project = ProjectFactory()
        ProjectResponsibility.objects.create(project=project, role="leader", leader=boss)
        ProjectResponsibility.objects.create(project=project, role="lead_dept", department=dept)
        plan = AnnualPlanFactory(project=project, year=2026)
        MonthlyTargetFactory(plan=plan, month=10)
        MilestoneFactory(project=project, responsible_dept=dept, planned_date=dt.date(2026, 11, 1))
        ProblemFactory(project=project, responsible_dept=dept, raised_on=dt.date(2026, 9, 1), deadline=dt.date(2026, 11, 30))
        ProgressReportFactory(project=project, year=2026, month=10, status="approved")
        projects.append(project)
    return projects


@pytest.fixture
def office(db):
    return UserFactory(username="office-page", role="office", is_staff=True)


@pytest.fixture
def leader_user(db):
    return UserFactory(username="leader-page", role="leader", leader=LeaderFactory())


@pytest.fixture
def dept_user(db):
    return UserFactory(username="dept-page", role="department", department=DepartmentFactory())
