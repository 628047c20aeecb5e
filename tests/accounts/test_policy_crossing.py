"""Every "own row" rule of the policy, tried from the wrong side.

`CROSSINGS` holds, for each (model, verb) of `apps.accounts.policy.RULES`, an attempt by a user who
is *not* the row's own (another department, another leader, another user, the office against a
superuser) through the service that the API, the pages and the admin call — or, where a row has no
service of its own, through the admin's generic `instance_save`/`instance_delete` or `require` —
and the attempt must be refused with the rule's Chinese reason and change nothing.
`test_every_rule_has_a_crossing` fails when a rule is added without one here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from apps.accounts.models import ApiToken, TokenScope, User
from apps.accounts.policy import RULES, PolicyDenied, require
from apps.accounts.services import token_issue
from apps.core.services import instance_delete, instance_save
from apps.land.models import LandAcquisition
from apps.land.services import land_acquisition_create, land_acquisition_update
from apps.milestones.models import Milestone
from apps.milestones.services import (
    milestone_complete,
    milestone_create,
    milestone_generate_from_template,
    milestone_reopen,
    milestone_update,
)
from apps.problems.models import Problem
from apps.problems.services import problem_create, problem_resolve, problem_update
from apps.progress.models import ProgressReport
from apps.progress.services import progress_report_correct, progress_report_create, progress_report_submit, progress_report_update
from apps.projects.models import Project, ProjectComment, ProjectResponsibility
from apps.projects.responsibilities import responsibility_assign, responsibility_remove, responsibility_update
from apps.projects.services import project_comment_add, project_update
from apps.reminders.models import ChannelPreference, Notification
from apps.reminders.services.notifications import notification_mark_read
from apps.stats.closing import period_close, period_figure_correct, period_reopen
from apps.stats.models import PeriodClose, PeriodFigure
from tests.api.world import World, build_world, items_for
from tests.factories import MilestoneFactory, ProblemFactory, ProgressReportFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def _problem_data(w: World, project, dept) -> dict:
    return {
        "project": project,
        "category": "land",
        "description": "本单位揽到别人项目上的问题",
        "raised_on": dt.date(2026, 11, 1),
        "responsible_dept": dept,
        "deadline": dt.date(2026, 12, 1),
    }


def _superuser() -> User:
    return UserFactory(username="root", role="office", is_staff=True, is_superuser=True)


def _office_token_for(user: User) -> ApiToken:
    token, _ = token_issue(actor=None, user=user, name="系统对接", scope=TokenScope.READ)
    return token


# (model, verb) -> attempt(world, other project, items of the other project) that must be refused.
# `w.users["department"]` is 住建局 (dept_a, the own project's lead); `w.other` belongs to 交通局.
Attempt = Callable[[World, Project, dict], object]
CROSSINGS: dict[tuple[type, str], list[Attempt]] = {
    (Project, "change"): [
        lambda w, p, i: project_update(actor=w.users["department"], project=p, data={"remarks": "改别人的项目"}),
        lambda w, p, i: project_update(actor=w.users["leader"], project=p, data={"remarks": "领导不改台账"}),
    ],
    (Project, "comment"): [
        lambda w, p, i: project_comment_add(actor=w.users["leader"], project=p, kind="instruction", text="批示别人的项目"),
    ],
    (ProjectComment, "create"): [
        lambda w, p, i: instance_save(actor=w.users["leader"], instance=ProjectComment(project=p, kind="instruction", text="绕过服务")),
    ],
    (ProjectResponsibility, "create"): [
        # 住建局 makes itself 配合单位 of 交通局's project: the project would become its own
        lambda w, p, i: responsibility_assign(
            actor=w.users["department"], project=p, data={"role": "coop_dept", "department": w.dept_a, "person_name": "越权"}
        ),
        lambda w, p, i: responsibility_assign(
            actor=w.users["department"], project=p, data={"role": "liaison", "department": w.dept_a, "person_name": "越权"}
        ),
        # on its own project, a 包保领导 is still the office's to assign
        lambda w, p, i: responsibility_assign(
            actor=w.users["department"], project=w.own, data={"role": "leader", "leader": w.leader_b, "person_name": "越权"}
        ),
        # ... and so is its own people's row naming another department
        lambda w, p, i: responsibility_assign(
            actor=w.users["department"], project=w.own, data={"role": "liaison", "department": w.dept_b, "person_name": "越权"}
        ),
    ],
    (ProjectResponsibility, "change"): [
        lambda w, p, i: responsibility_update(
            actor=w.users["department"], responsibility=p.responsibilities.get(role="lead_dept"), data={"department": w.dept_a}
        ),
        # handing its own 牵头 to another department, or moving the 包保领导, is the office's call
        lambda w, p, i: responsibility_update(
            actor=w.users["department"], responsibility=w.own.responsibilities.get(role="lead_dept"), data={"department": w.dept_b}
        ),
        lambda w, p, i: responsibility_update(
            actor=w.users["department"], responsibility=w.own.responsibilities.get(role="leader"), data={"leader": w.leader_b}
        ),
    ],
    (ProjectResponsibility, "delete"): [
        lambda w, p, i: responsibility_remove(actor=w.users["department"], responsibility=p.responsibilities.get(role="leader")),
        lambda w, p, i: responsibility_remove(actor=w.users["department"], responsibility=w.own.responsibilities.get(role="leader")),
        lambda w, p, i: responsibility_remove(actor=w.users["leader"], responsibility=w.own.responsibilities.get(role="leader")),
    ],
    (Project, "generate_milestones"): [
        lambda w, p, i: milestone_generate_from_template(actor=w.users["department"], project=p),
    ],
    (Milestone, "create"): [
        lambda w, p, i: milestone_create(
            actor=w.users["department"], project=p, data={"name": "主体封顶", "stage": "construction", "responsible_dept": w.dept_a}
        ),
    ],
    (Milestone, "change"): [
        lambda w, p, i: milestone_update(actor=w.users["department"], milestone=i["milestone"], data={"remarks": "改别人的节点"}),
    ],
    (Milestone, "complete"): [
        lambda w, p, i: milestone_complete(actor=w.users["department"], milestone=i["milestone"], actual_date=dt.date(2026, 11, 20)),
    ],
    (Milestone, "reopen"): [
        # even on its own project, a department does not undo a completion
        lambda w, p, i: milestone_reopen(
            actor=w.users["department"],
            milestone=MilestoneFactory(project=w.own, status="done", actual_date=dt.date(2026, 11, 1)),
            reason="本单位想撤销",
        ),
    ],
    (Milestone, "assign"): [
        # 住建局 was made responsible for a node of 交通局's project; it may work on it, not hand it on.
        lambda w, p, i: milestone_update(
            actor=w.users["department"],
            milestone=MilestoneFactory(project=p, responsible_dept=w.dept_a, planned_date=dt.date(2026, 12, 1)),
            data={"responsible_dept": w.dept_b},
        ),
    ],
    (ProgressReport, "create"): [
        lambda w, p, i: progress_report_create(
            actor=w.users["department"], project=p, year=2026, month=10, data={"period_completed": Decimal("100")}
        ),
    ],
    (ProgressReport, "change"): [
        lambda w, p, i: progress_report_update(actor=w.users["department"], report=i["draft"], data={"period_completed": Decimal("1")}),
    ],
    (ProgressReport, "submit"): [
        lambda w, p, i: progress_report_submit(actor=w.users["department"], report=i["draft"]),
    ],
    (LandAcquisition, "create"): [
        lambda w, p, i: land_acquisition_create(actor=w.users["department"], project=p, data={"parcel_name": "二号地块"}),
    ],
    (LandAcquisition, "change"): [
        lambda w, p, i: land_acquisition_update(actor=w.users["department"], land=i["land"], data={"acquired_area_mu": Decimal("5")}),
    ],
    (Problem, "create"): [
        # finding 3: 住建局 names itself responsible on 交通局's project
        lambda w, p, i: problem_create(actor=w.users["department"], data=_problem_data(w, p, w.dept_a)),
        lambda w, p, i: problem_create(actor=w.users["department"], data=_problem_data(w, p, w.dept_b)),
        # a problem outside any project only for the department itself
        lambda w, p, i: problem_create(actor=w.users["department"], data=_problem_data(w, None, w.dept_b)),
    ],
    (Problem, "assign"): [
        # finding 3: moving an own problem onto another department's project
        lambda w, p, i: problem_update(
            actor=w.users["department"],
            problem=ProblemFactory(project=w.own, responsible_dept=w.dept_a, deadline=dt.date(2026, 12, 1)),
            data={"project": p},
        ),
        # responsible for a problem on another's project: it may work on it, not hand it to someone else
        lambda w, p, i: problem_update(
            actor=w.users["department"],
            problem=ProblemFactory(project=p, responsible_dept=w.dept_a, deadline=dt.date(2026, 12, 1)),
            data={"responsible_dept": w.dept_b},
        ),
    ],
    (Problem, "change"): [
        lambda w, p, i: problem_update(actor=w.users["department"], problem=i["problem"], data={"responsible_person": "张三"}),
    ],
    (Problem, "resolve"): [
        lambda w, p, i: problem_resolve(actor=w.users["department"], problem=i["problem"], resolution="不是我们的"),
    ],
    (Notification, "read"): [
        lambda w, p, i: notification_mark_read(
            actor=w.users["department"], notification=Notification.objects.create(user=w.users["viewer"], title="提醒", body="内容")
        ),
    ],
    (ChannelPreference, "change"): [
        lambda w, p, i: instance_save(actor=w.users["department"], instance=ChannelPreference(user=w.users["viewer"], sms=True)),
    ],
    (User, "create"): [
        lambda w, p, i: instance_save(actor=w.users["office"], instance=User(username="newroot", role="office", is_superuser=True)),
    ],
    (User, "change"): [
        lambda w, p, i: instance_save(actor=w.users["office"], instance=_with(_superuser(), email="office-took-it@example.gov.cn")),
        # clearing the flag in the same unsaved change must not open the row
        lambda w, p, i: instance_save(actor=w.users["office"], instance=_with(_superuser(), is_superuser=False)),
        lambda w, p, i: instance_save(actor=w.users["department"], instance=_with(w.users["viewer"], email="x@example.gov.cn")),
    ],
    (User, "delete"): [
        lambda w, p, i: instance_delete(actor=w.users["office"], instance=_superuser()),
    ],
    (ApiToken, "create"): [
        lambda w, p, i: instance_save(actor=w.users["office"], instance=ApiToken(user=_superuser(), name="冒名令牌", key_hash="x" * 64)),
    ],
    (ApiToken, "change"): [
        lambda w, p, i: instance_save(actor=w.users["office"], instance=_with(_office_token_for(_superuser()), name="改名")),
    ],
    (ApiToken, "revoke"): [
        lambda w, p, i: require(w.users["office"], "revoke", _office_token_for(_superuser())),
    ],
    (ApiToken, "delete"): [
        lambda w, p, i: instance_delete(actor=w.users["office"], instance=_office_token_for(_superuser())),
    ],
    # The month close and corrections: a department (even on its own project) and a leader never.
    (PeriodClose, "close"): [
        lambda w, p, i: period_close(actor=w.users["department"], year=2026, month=10),
        lambda w, p, i: period_close(actor=w.users["leader"], year=2026, month=10),
    ],
    (PeriodClose, "reopen"): [
        lambda w, p, i: period_reopen(actor=w.users["department"], year=2026, month=10, reason="本单位想补报"),
    ],
    (PeriodFigure, "correct"): [
        lambda w, p, i: period_figure_correct(
            actor=w.users["department"], project=w.own, year=2026, month=10, field="stats_ytd_completed", value="1", reason="改纳统数"
        ),
    ],
    (ProgressReport, "correct"): [
        lambda w, p, i: progress_report_correct(
            actor=w.users["department"],
            report=ProgressReportFactory(project=w.own, year=2026, month=7, status="approved"),
            data={"period_completed": Decimal("1")},
            reason="改本单位已审核的月报",
        ),
    ],
}


def _with(obj, **changes):
    for key, value in changes.items():
        setattr(obj, key, value)
    return obj


def test_every_rule_has_a_crossing():
    missing = sorted(f"{model.__name__}.{verb}" for model, verb in RULES if (model, verb) not in CROSSINGS)
    assert not missing, f"policy rules without a crossing attempt in this file: {missing}"


CASES = [
    (f"{model.__name__}.{verb}#{n}", key, n) for key, attempts in CROSSINGS.items() for n in range(len(attempts)) for model, verb in [key]
]


HISTORIED = (Project, Milestone, ProgressReport, LandAcquisition, Problem, ProjectResponsibility)


def _changes() -> int:
    return sum(model.history.exclude(history_type="+").count() for model in HISTORIED)


def _created_by_the_attempts() -> dict[str, int]:
    return {
        "problems": Problem.objects.filter(description="本单位揽到别人项目上的问题").count(),
        "milestones": Milestone.objects.filter(name="主体封顶").count(),
        "reports": ProgressReport.objects.filter(year=2026, month=10).count(),
        "land": LandAcquisition.objects.filter(parcel_name="二号地块").count(),
        "comments": ProjectComment.objects.count(),
        "users": User.objects.filter(username="newroot").count(),
        "tokens": ApiToken.objects.filter(name="冒名令牌").count(),
        "preferences": ChannelPreference.objects.count(),
        "closes": PeriodClose.objects.count(),
        "responsibilities": ProjectResponsibility.objects.filter(person_name="越权").count(),
    }


@pytest.mark.parametrize(("name", "key", "n"), CASES, ids=[c[0] for c in CASES])
def test_crossing_a_rule_is_refused_in_chinese_and_changes_nothing(name, key, n):
    # given two departments' projects and one of every item on the other department's project
    world = build_world()
    items = items_for(world.other, world.dept_b)
    attempt = CROSSINGS[key][n]
    changes = _changes()

    # when the wrong side tries it
    with pytest.raises(PermissionDenied) as refused:
        attempt(world, world.other, items)

    # then it is the policy's refusal, in Chinese, and nothing was written
    assert isinstance(refused.value, PolicyDenied), refused.value
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value))
    assert _changes() == changes
    assert set(_created_by_the_attempts().values()) == {0}, _created_by_the_attempts()


def test_the_office_still_places_anything_and_a_department_places_on_its_own_projects():
    world = build_world()
    office, department = world.users["office"], world.users["department"]
    # the office names any department on any project
    problem_create(actor=office, data=_problem_data(world, world.other, world.dept_a))
    # a department raises a problem on its own project for itself or for another unit it needs
    problem_create(actor=department, data=_problem_data(world, world.own, world.dept_a))
    problem_create(actor=department, data=_problem_data(world, world.own, world.dept_b))
    # ... and one outside any project for itself
    problem_create(actor=department, data=_problem_data(world, None, world.dept_a))
    # it may work on a problem it was made responsible for on another department's project
    assigned = ProblemFactory(project=world.other, responsible_dept=world.dept_a, deadline=dt.date(2026, 12, 1))
    problem_update(actor=department, problem=assigned, data={"responsible_person": "李四"})
    # and move its own problem between its own projects
    own_problem = ProblemFactory(project=world.own, responsible_dept=world.dept_a, deadline=dt.date(2026, 12, 1))
    problem_update(actor=department, problem=own_problem, data={"responsible_dept": world.dept_b})
    assert Problem.objects.filter(description="本单位揽到别人项目上的问题").count() == 4
