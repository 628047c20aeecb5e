"""Every change to projects, milestones, reports, land figures and problems is kept: who, when, before, after."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.land.services import land_acquisition_create, land_acquisition_update
from apps.milestones.services import milestone_complete, milestone_create
from apps.problems.services import problem_create, problem_resolve
from apps.progress.services import progress_report_create, progress_report_submit
from apps.projects.models import ProjectResponsibility, ResponsibilityRole
from apps.projects.services import project_update
from tests.factories import DepartmentFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moving_today")]


def _last_change(obj):
    newest = obj.history.first()
    return newest, newest.diff_against(newest.prev_record)


def test_project_history_records_who_when_before_after():
    actor = UserFactory(username="xmb")
    project = ProjectFactory(total_investment=Decimal("100"))
    project_update(actor=actor, project=project, data={"total_investment": Decimal("250")})
    record, delta = _last_change(project)
    assert record.history_user == actor
    assert record.history_date is not None
    assert record.history_type == "~"
    change = next(c for c in delta.changes if c.field == "total_investment")
    assert (change.old, change.new) == (Decimal("100.00"), Decimal("250"))


def test_milestone_history():
    actor = UserFactory()
    m = milestone_create(actor=actor, project=ProjectFactory(), data={"name": "施工许可", "stage": "construction_permit"})
    milestone_complete(actor=actor, milestone=m, actual_date=dt.date(2026, 11, 20), doc_number="施许〔2026〕1号")
    record, delta = _last_change(m)
    assert record.history_user == actor
    assert {c.field for c in delta.changes} >= {"status", "actual_date", "doc_number"}


def test_progress_report_history():
    actor = UserFactory(role="department", department=DepartmentFactory())
    project = ProjectFactory()
    ProjectResponsibility.objects.create(project=project, role=ResponsibilityRole.LEAD_DEPT, department=actor.department)
    report = progress_report_create(actor=actor, project=project, year=2026, month=10, data={})
    progress_report_submit(actor=actor, report=report)
    record, delta = _last_change(report)
    assert record.history_user == actor
    status = next(c for c in delta.changes if c.field == "status")
    assert (status.old, status.new) == ("draft", "submitted")


def test_land_history():
    actor = UserFactory()
    land = land_acquisition_create(
        actor=actor, project=ProjectFactory(), data={"parcel_name": "一号地块", "required_area_mu": Decimal("10")}
    )
    land_acquisition_update(actor=actor, land=land, data={"acquired_area_mu": Decimal("4")})
    record, delta = _last_change(land)
    assert record.history_user == actor
    assert [c.field for c in delta.changes] == ["acquired_area_mu"]


def test_problem_history():
    actor = UserFactory()
    problem = problem_create(
        actor=actor,
        data={
            "category": "land",
            "description": "未签约",
            "raised_on": dt.date(2026, 10, 1),
            "responsible_dept": DepartmentFactory(),
            "deadline": dt.date(2026, 11, 1),
        },
    )
    problem_resolve(actor=actor, problem=problem, resolution="已签约")
    assert problem.history.count() == 2
    record, delta = _last_change(problem)
    assert record.history_user == actor
    assert {c.field for c in delta.changes} == {"status", "resolution", "resolved_at"}


def test_a_refused_change_leaves_no_history():
    project = ProjectFactory()
    with pytest.raises(Exception):  # noqa: B017, PT011 - the service's ValidationError
        project_update(actor=None, project=project, data={"total_investment": Decimal("-1")})
    assert project.history.count() == 1
