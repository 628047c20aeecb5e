"""A small portfolio for API tests: two departments, two leaders, one project each, every kind of item,
and a user (and tokens) for every role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from rest_framework.test import APIClient

from apps.accounts.models import TokenScope
from apps.accounts.services import token_issue
from apps.lights.services import due_items_deferred
from apps.projects.models import ProjectResponsibility
from tests.factories import (
    AnnualPlanFactory,
    DepartmentFactory,
    LandAcquisitionFactory,
    LeaderFactory,
    MilestoneFactory,
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    SupervisionNoticeFactory,
    UserFactory,
)


@dataclass
class World:
    users: dict
    own: object  # project of department A / leader A
    other: object  # project of department B / leader B
    dept_a: object
    dept_b: object
    leader_a: object
    leader_b: object

    def client(self, who: str) -> APIClient:
        client = APIClient()
        if who == "anonymous":
            return client
        if who in ("read_token", "rw_token"):
            scope = TokenScope.READ if who == "read_token" else TokenScope.READ_WRITE
            _, key = token_issue(actor=None, user=self.users["office"], name=who, scope=scope)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            return client
        client.force_authenticate(self.users[who])
        return client


def build_world() -> World:
    # The stored due items written once, when the world is built, not once per row (as a bulk load).
    with due_items_deferred():
        return _build_world()


def _build_world() -> World:
    dept_a, dept_b = DepartmentFactory(name="住建局"), DepartmentFactory(name="交通局")
    leader_a, leader_b = LeaderFactory(position="常务副区长"), LeaderFactory(position="分管交通副区长")
    projects = []
    for dept, leader, name in ((dept_a, leader_a, "本单位项目"), (dept_b, leader_b, "外单位项目")):
        project = ProjectFactory(name=name, start_year=2026, end_year=2027)
        ProjectResponsibility.objects.create(project=project, role="leader", leader=leader)
        ProjectResponsibility.objects.create(project=project, role="lead_dept", department=dept)
        AnnualPlanFactory(project=project, year=2026, annual_plan=Decimal("1200"))
        projects.append(project)
    users = {
        "office": UserFactory(username="office", role="office"),
        "department": UserFactory(username="dept", role="department", department=dept_a),
        "leader": UserFactory(username="leader", role="leader", leader=leader_a),
        "viewer": UserFactory(username="viewer", role="viewer"),
    }
    return World(users=users, own=projects[0], other=projects[1], dept_a=dept_a, dept_b=dept_b, leader_a=leader_a, leader_b=leader_b)


def items_for(project, dept) -> dict:
    """One of every item on a project, in a state where every action is possible."""
    with due_items_deferred():
        return _items_for(project, dept)


def _items_for(project, dept) -> dict:
    return {
        "milestone": MilestoneFactory(project=project, responsible_dept=dept, planned_date=dt.date(2026, 10, 1)),
        "problem": ProblemFactory(project=project, responsible_dept=dept, raised_on=dt.date(2026, 9, 1), deadline=dt.date(2026, 10, 1)),
        "resolved_problem": ProblemFactory(
            project=project,
            responsible_dept=dept,
            raised_on=dt.date(2026, 9, 1),
            deadline=dt.date(2026, 10, 1),
            status="resolved",
            resolution="已解决",
        ),
        "draft": ProgressReportFactory(project=project, year=2026, month=9),
        "submitted": ProgressReportFactory(project=project, year=2026, month=8, status="submitted"),
        "land": LandAcquisitionFactory(project=project),
        "notice": SupervisionNoticeFactory(target_dept=dept),
    }
