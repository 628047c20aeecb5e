import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from apps.problems.models import ProblemStatus
from apps.problems.services import notice_issue, problem_close, problem_create, problem_resolve
from tests.factories import DepartmentFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def problem():
    return problem_create(
        actor=UserFactory(),
        data={
            "project": ProjectFactory(),
            "category": "land",
            "description": "3户拆迁户未签约",
            "raised_on": dt.date(2026, 10, 1),
            "responsible_dept": DepartmentFactory(),
            "deadline": dt.date(2026, 11, 15),
        },
    )


def test_resolve_then_close(problem):
    problem = problem_resolve(actor=None, problem=problem, resolution="已签约")
    assert problem.status == ProblemStatus.RESOLVED
    problem = problem_close(actor=None, problem=problem)
    assert problem.status == ProblemStatus.CLOSED
    assert problem.closed_at is not None


def test_close_before_resolve_is_refused(problem):
    with pytest.raises(ValidationError, match="办结后才能销号"):
        problem_close(actor=None, problem=problem)


def test_a_deadline_before_the_problem_was_raised_is_refused():
    with pytest.raises(ValidationError, match="解决时限不能早于提出日期"):
        problem_create(
            actor=None,
            data={
                "category": "land",
                "description": "x",
                "raised_on": dt.date(2026, 10, 1),
                "responsible_dept": DepartmentFactory(),
                "deadline": dt.date(2026, 9, 1),
            },
        )


def test_a_notice_links_projects_and_problems(problem):
    notice = notice_issue(
        actor=None,
        data={
            "notice_type": "supervise",
            "number": "督〔2026〕3号",
            "issued_on": dt.date(2026, 11, 20),
            "target_dept": problem.responsible_dept,
            "content": "限期整改",
        },
        projects=[problem.project],
        problems=[problem],
    )
    assert list(notice.problems.all()) == [problem]
    problem.refresh_from_db()
    assert problem.escalation_level == 2  # 督办函 is rung 2 of the ladder
    notice_issue(
        actor=None,
        data={
            "notice_type": "remind",
            "number": "提〔2026〕1号",
            "issued_on": dt.date(2026, 11, 21),
            "target_dept": problem.responsible_dept,
            "content": "提醒",
        },
        problems=[problem],
    )
    problem.refresh_from_db()
    assert problem.escalation_level == 2  # never lowered


def test_a_notice_keeps_its_scan_unless_the_edit_replaces_or_removes_it():
    from apps.problems.models import SupervisionNotice
    from apps.problems.services import notice_update
    from tests import upload_samples as samples

    office = UserFactory(role="office")
    data = {
        "notice_type": "assign",
        "number": "督〔2026〕9号",
        "issued_on": dt.date(2026, 3, 2),
        "target_dept": DepartmentFactory(),
        "content": "请办理",
    }
    notice = notice_issue(actor=office, data=data, file=samples.upload("督办函.pdf", samples.pdf()))
    assert notice.file_name == "督办函.pdf"

    notice_update(actor=office, notice=notice, data={"content": "请尽快办理"})
    assert SupervisionNotice.objects.get(pk=notice.pk).file_name == "督办函.pdf"

    notice_update(actor=office, notice=notice, data={}, file=None)
    assert SupervisionNotice.objects.get(pk=notice.pk).file_name == ""
