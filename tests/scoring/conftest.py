"""Schemes and small portfolios built in each test (never the demo's counts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.projects.models import ProjectResponsibility
from apps.scoring.models import AssessmentItem, AssessmentScheme
from tests.factories import AnnualPlanFactory, DepartmentFactory, ProgressReportFactory, ProjectFactory, UserFactory
from tests.web.conftest import signed_in  # noqa: F401 - the page tests' signed-in client


def scheme_with(*items: dict, kind: str = "department", year: int = 2026) -> AssessmentScheme:
    scheme = AssessmentScheme.objects.create(year=year, target_kind=kind, name=f"{year}年考核")
    for order, spec in enumerate(items, start=1):
        item = AssessmentItem(scheme=scheme, order=order, **spec)
        item.full_clean()
        item.save()
    return scheme


def led_project(department, *, plan: str = "100", done: str = "0", role: str = "cont", month: int = 10, **project_fields):
    """A project led by `department` with a 2026 plan and one approved report of `done` in `month`."""
    project = ProjectFactory(**project_fields)
    ProjectResponsibility.objects.create(project=project, role="lead_dept", department=department)
    AnnualPlanFactory(project=project, year=2026, annual_plan=Decimal(plan), annual_role=role)
    if Decimal(done):
        ProgressReportFactory(project=project, year=2026, month=month, period_completed=Decimal(done), status="approved")
    return project


def department_with(plan: str, done: str, **kwargs):
    dept = DepartmentFactory()
    led_project(dept, plan=plan, done=done, **kwargs)
    return dept


RATIO = {
    "name": "完成率",
    "method": "ratio",
    "params": {"measure": "completion_rate", "mode": "step", "step_pct": 2, "step_points": 1},
    "base_score": Decimal(60),
    "cap_plus": Decimal(15),
    "cap_minus": Decimal(15),
}
BAND = {
    "name": "分档",
    "method": "band",
    "params": {
        "measure": "completion_rate",
        "below_per_point": 0.1,
        "bands": [{"from": 100, "to": 130, "per_point": 0.2}, {"from": 130, "to": None, "per_point": 0.1}],
    },
    "base_score": Decimal(20),
    "cap_plus": Decimal(10),
    "cap_minus": Decimal(10),
}
RANK = {
    "name": "排名",
    "method": "rank",
    "params": {"measure": "completion_rate", "bands": [{"to_rank": 1, "points": 5}, {"to_rank": 3, "points": 3}]},
}
ROLE = {"name": "项目个数", "method": "per_project", "params": {"by": "role", "points": {"new": 5, "cont": 2}}}
SIZE = {
    "name": "项目规模",
    "method": "per_project",
    "params": {
        "by": "size",
        "bands": [{"min": 100000, "points": 20}, {"min": 50000, "points": 10}, {"min": 10000, "points": 6}, {"min": 0, "points": 3}],
    },
}
DEDUCT = {"name": "扣分", "method": "deduct", "params": {"rule": "late_start", "points_each": 3, "manual": True}, "cap_minus": Decimal(20)}

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def office(db):
    return UserFactory(username="scoring-office", role="office", is_staff=True)
