"""A leader 批示 on every project it answers for in a leader role, not only the ones it 包保."""

import pytest

from apps.accounts.policy import LEADER_OWN_PROJECTS, decide
from apps.projects.services import project_comment_add
from tests.factories import DepartmentFactory, LeaderFactory, ProblemFactory, ProjectFactory, ProjectResponsibilityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader():
    return UserFactory(role="leader", leader=LeaderFactory())


def test_the_lead_leader_comments(leader):
    project = ProjectFactory()
    ProjectResponsibilityFactory(project=project, role="leader", leader=leader.leader)
    assert decide(leader, "comment", project)


def test_the_coordinating_leader_of_a_problem_comments_and_the_comment_is_kept(leader):
    project = ProjectFactory()
    ProblemFactory(project=project, coordinating_leader=leader.leader)
    assert decide(leader, "comment", project)
    comment = project_comment_add(actor=leader, project=project, kind="instruction", text="请住建局本周内协调解决。")
    assert comment.author == leader


def test_the_leader_a_responsibility_reports_to_comments(leader):
    project = ProjectFactory()
    ProjectResponsibilityFactory(project=project, role="liaison", department=DepartmentFactory(), reports_to_leader=leader.leader)
    assert decide(leader, "comment", project)


def test_a_leader_with_no_role_on_the_project_is_told_why(leader):
    other = ProjectFactory()
    ProjectResponsibilityFactory(project=other, role="leader", leader=LeaderFactory())
    ProblemFactory(project=ProjectFactory(), coordinating_leader=leader.leader)  # a problem elsewhere does not count
    decision = decide(leader, "comment", other)
    assert not decision
    assert decision.reason == LEADER_OWN_PROJECTS
