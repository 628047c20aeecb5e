"""The 开工 facts (建设状态, 实际开工/竣工, 年度属性, 本年复工日期) cannot be made to contradict each other
through the services, the API, the admin or the import; existing contradictions are listed by the
check command and the office's page, and do not block unrelated edits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from apps.projects import startfacts
from apps.projects.models import AnnualPlan, AnnualRole, BuildStatus, Project
from apps.projects.plans import annual_plan_adjust, annual_plan_create
from apps.projects.services import project_create, project_update
from apps.projects.startfacts import contradictions, contradictory_projects
from tests.factories import AnnualPlanFactory, ProjectCategoryFactory, ProjectFactory, RegionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

TODAY = dt.date(2026, 11, 27)  # tests/conftest.py FROZEN_NOW
D = dt.date


def annual_plan_update(*, actor, plan: AnnualPlan, data: dict) -> AnnualPlan:
    """调整计划 against the version as stored, with a reason (apps/projects/plans.py)."""
    expected = AnnualPlan.objects.get(pk=plan.pk).revision
    return annual_plan_adjust(actor=actor, plan=plan, data=data, reason="核对开工事实", expected=expected)


def facts(status="not_started", start=None, finish=None):
    return SimpleNamespace(build_status=status, actual_start=start, actual_finish=finish)


def plan(year=2026, role="cont", resume=None):
    return SimpleNamespace(year=year, annual_role=role, resume_date=resume)


# --- the rules, one case each ---------------------------------------------------------------------

CASES = [
    ("not_started_with_start", facts("not_started", D(2026, 3, 1)), []),
    ("started_without_start", facts("started"), []),
    ("started_without_start", facts("completed", None, None), []),
    ("start_in_future", facts("started", D(2026, 12, 20)), []),
    ("finish_without_start", facts("suspended", None, D(2026, 5, 1)), []),
    ("finish_in_future", facts("completed", D(2025, 1, 1), D(2026, 12, 31)), []),
    ("completed_without_finish", facts("completed", D(2025, 1, 1)), []),
    ("in_construction_with_finish", facts("started", D(2025, 1, 1), D(2026, 6, 1)), []),
    ("resume_outside_year", facts("started", D(2024, 5, 1)), [plan(2026, "cont", D(2025, 3, 1))]),
    ("resume_in_future", facts("started", D(2024, 5, 1)), [plan(2026, "cont", D(2026, 12, 1))]),
    ("resume_not_continuing", facts("started", D(2026, 5, 1)), [plan(2026, "new", D(2026, 5, 1))]),
    ("resume_without_start", facts("not_started"), [plan(2026, "cont", D(2026, 3, 1))]),
    ("resume_before_start", facts("started", D(2026, 4, 1)), [plan(2026, "complete", D(2026, 3, 1))]),
    ("new_start_started_earlier", facts("started", D(2025, 9, 1)), [plan(2026, "new")]),
    ("continuing_not_started_before", facts("started", D(2026, 2, 1)), [plan(2026, "cont")]),
    ("prelim_started_earlier", facts("started", D(2025, 9, 1)), [plan(2026, "prelim")]),
    ("finished_without_resume", facts("completed", D(2024, 5, 1), D(2026, 6, 1)), [plan(2026, "complete")]),
]


@pytest.mark.parametrize(("code", "project", "plans"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_contradiction_is_found_with_a_chinese_message(code, project, plans):
    found = contradictions(project, plans, today=TODAY)
    assert code in {c.code for c in found}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in c.message) for c in found)


@pytest.mark.parametrize(
    ("project", "plans"),
    [
        (facts("not_started"), [plan(2026, "new"), plan(2027, "new")]),
        (facts("started", D(2026, 4, 1)), [plan(2026, "new")]),
        (facts("started", D(2024, 4, 1)), [plan(2026, "cont")]),  # 续建 not resumed yet: not a contradiction
        (facts("started", D(2024, 4, 1)), [plan(2026, "cont", D(2026, 2, 20))]),
        (facts("completed", D(2024, 4, 1), D(2026, 6, 1)), [plan(2026, "complete", D(2026, 2, 20))]),
        (facts("suspended"), [plan(2026, "prelim")]),
        (facts("not_started"), [plan(2026, "cont")]),  # the role may be set before the date is entered
        (facts("in_op", D(2020, 1, 1), D(2022, 1, 1)), [plan(2021, "complete", D(2021, 3, 1))]),
    ],
)
def test_consistent_facts_have_no_contradiction(project, plans):
    assert contradictions(project, plans, today=TODAY) == []


# --- the services ---------------------------------------------------------------------------------


@pytest.fixture
def actor():
    return UserFactory()


def _row(project: Project) -> tuple:
    project.refresh_from_db()
    return (project.build_status, project.actual_start, project.actual_finish)


@pytest.mark.parametrize(
    ("initial", "data"),
    [
        ({"build_status": "started", "actual_start": D(2026, 3, 1)}, {"build_status": "not_started"}),
        ({}, {"build_status": "started"}),
        ({}, {"build_status": "started", "actual_start": D(2026, 12, 25)}),
        ({}, {"actual_finish": D(2026, 5, 1), "build_status": "suspended"}),
        ({}, {"build_status": "completed", "actual_start": D(2026, 3, 1)}),
        ({}, {"actual_start": D(2026, 3, 1), "actual_finish": D(2026, 6, 1)}),  # 在建 with a 竣工日期
    ],
)
def test_project_update_refuses_a_contradiction_and_changes_nothing(actor, initial, data):
    project = ProjectFactory(**initial)
    before = _row(project)
    with pytest.raises(ValidationError) as info:
        project_update(actor=actor, project=project, data=data)
    assert info.value.message_dict
    assert _row(project) == before


def test_project_create_refuses_a_contradiction_and_creates_nothing(actor):
    data = {
        "name": "新建项目",
        "category": ProjectCategoryFactory(),
        "investment_mode": "approval",
        "region": RegionFactory(),
        "start_year": 2026,
        "end_year": 2027,
        "total_investment": Decimal("600"),
        "build_status": "started",
    }
    with pytest.raises(ValidationError) as info:
        project_create(actor=actor, data=data)
    assert "没有实际开工日期" in str(info.value.message_dict["actual_start"])
    assert not Project.objects.filter(name="新建项目").exists()


def test_a_start_date_given_to_a_not_started_project_starts_it(actor):
    project = ProjectFactory()
    project_update(actor=actor, project=project, data={"actual_start": D(2026, 3, 1)})
    assert _row(project) == (BuildStatus.STARTED, D(2026, 3, 1), None)


def test_clearing_the_start_date_of_a_started_project_is_refused(actor):
    project = ProjectFactory(build_status="started", actual_start=D(2026, 3, 1))
    with pytest.raises(ValidationError):
        project_update(actor=actor, project=project, data={"actual_start": None})
    assert _row(project) == (BuildStatus.STARTED, D(2026, 3, 1), None)


def test_a_new_start_plan_of_a_project_started_last_year_is_refused(actor):
    project = ProjectFactory(build_status="started", actual_start=D(2025, 9, 1))
    with pytest.raises(ValidationError) as info:
        annual_plan_create(actor=actor, project=project, year=2026, data={"annual_role": "new", "annual_plan": Decimal("100")})
    assert "应为续建项目" in str(info.value.message_dict["annual_role"])
    assert not AnnualPlan.objects.filter(project=project).exists()


def test_a_start_date_last_year_is_refused_while_this_year_plan_says_new_start(actor):
    project = ProjectFactory()
    AnnualPlanFactory(project=project, year=2026, annual_role=AnnualRole.NEW_START)
    with pytest.raises(ValidationError) as info:
        project_update(actor=actor, project=project, data={"actual_start": D(2025, 9, 1)})
    assert "应为续建项目" in str(info.value.message_dict["actual_start"])
    assert _row(project) == (BuildStatus.NOT_STARTED, None, None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"resume_date": D(2025, 3, 1)}, "resume_date"),
        ({"resume_date": D(2026, 12, 3)}, "resume_date"),
        ({"annual_role": "new", "resume_date": D(2026, 3, 1)}, "resume_date"),
    ],
)
def test_annual_plan_update_refuses_a_contradiction_and_changes_nothing(actor, data, field):
    project = ProjectFactory(build_status="started", actual_start=D(2024, 5, 1))
    current = AnnualPlanFactory(project=project, year=2026, annual_role=AnnualRole.CONTINUING)
    with pytest.raises(ValidationError) as info:
        annual_plan_update(actor=actor, plan=current, data=data)
    assert field in info.value.message_dict
    current.refresh_from_db()
    assert (current.annual_role, current.resume_date) == (AnnualRole.CONTINUING, None)


def test_start_last_year_and_continuing_this_year_pass_when_written_together(actor):
    project = ProjectFactory()
    AnnualPlanFactory(project=project, year=2026, annual_role=AnnualRole.NEW_START)
    with startfacts.checked_together():
        project_update(actor=actor, project=project, data={"actual_start": D(2025, 9, 1)})
        annual_plan_update(
            actor=actor, plan=project.annual_plans.get(year=2026), data={"annual_role": "cont", "resume_date": D(2026, 2, 20)}
        )
    assert _row(project) == (BuildStatus.STARTED, D(2025, 9, 1), None)


def test_the_same_change_in_two_steps_is_possible_one_write_at_a_time(actor):
    # Through the API a project and its plan are two requests: some order must always work.
    project = ProjectFactory()
    current = AnnualPlanFactory(project=project, year=2026, annual_role=AnnualRole.NEW_START)
    annual_plan_update(actor=actor, plan=current, data={"annual_role": "cont"})
    project_update(actor=actor, project=project, data={"actual_start": D(2025, 9, 1)})
    annual_plan_update(actor=actor, plan=AnnualPlan.objects.get(pk=current.pk), data={"resume_date": D(2026, 2, 20)})
    assert contradictory_projects() == []


# --- legacy rows ----------------------------------------------------------------------------------


@pytest.fixture
def legacy():
    """未开工 with a start date, and a 2026 plan 新开工 though started in 2025: written straight into the table."""
    project = ProjectFactory(name="遗留矛盾项目", primary_code="2024-433126-48-01-000077")
    AnnualPlanFactory(project=project, year=2026, annual_role=AnnualRole.NEW_START)
    Project.objects.filter(pk=project.pk).update(actual_start=D(2025, 9, 1))
    return project


def test_unrelated_edits_of_a_contradictory_project_still_pass(actor, legacy):
    project_update(actor=actor, project=legacy, data={"remarks": "补充说明", "total_investment": Decimal("12000")})
    annual_plan_update(actor=actor, plan=legacy.annual_plans.get(), data={"annual_plan": Decimal("900")})
    legacy.refresh_from_db()
    assert legacy.remarks == "补充说明"
    assert legacy.annual_plans.get().annual_plan == Decimal("900")
    assert legacy.actual_start == D(2025, 9, 1)  # not silently rewritten


def test_a_write_to_the_start_facts_of_a_contradictory_project_is_judged_by_the_full_rule(actor, legacy):
    with pytest.raises(ValidationError) as info:
        project_update(actor=actor, project=legacy, data={"build_status": "started"})  # the plan still says 新开工
    assert "应为续建项目" in " ".join(info.value.messages)
    project_update(actor=actor, project=legacy, data={"actual_start": None})  # the date was the mistake: consistent
    assert contradictory_projects() == []


# --- the listing: selector, command, page ---------------------------------------------------------


def test_the_selector_lists_each_contradictory_project_with_every_contradiction(legacy):
    ProjectFactory(name="一致项目")
    found = contradictory_projects()
    assert [f.project.name for f in found] == ["遗留矛盾项目"]
    assert {c.code for c in found[0].contradictions} == {"not_started_with_start", "new_start_started_earlier"}
    assert {c.field for c in found[0].contradictions} == {"build_status", "annual_plans.2026.annual_role"}


def test_the_selector_needs_the_same_queries_for_1_and_20_projects(django_assert_num_queries):
    def add(n):
        for _ in range(n):
            p = ProjectFactory(build_status="started")  # no date: contradictory
            AnnualPlanFactory(project=p)

    add(1)
    with django_assert_num_queries(2):
        assert len(contradictory_projects()) == 1
    add(19)
    with django_assert_num_queries(2):
        assert len(contradictory_projects()) == 20


def test_the_check_command_lists_contradictory_rows_and_exits_non_zero(legacy, capsys):
    with pytest.raises(SystemExit) as info:
        call_command("check_start_facts")
    assert info.value.code == 1
    out = capsys.readouterr()
    assert "2024-433126-48-01-000077" in out.out
    assert "遗留矛盾项目" in out.out
    assert "未开工" in out.out
    assert "应为续建项目" in out.out
    assert "1 个" in out.err


def test_the_check_command_is_quiet_and_zero_when_all_agree(capsys):
    ProjectFactory(build_status="started", actual_start=D(2026, 3, 1))
    call_command("check_start_facts")
    assert "没有矛盾" in capsys.readouterr().out
    Project.objects.update(actual_start=None)
    with pytest.raises(SystemExit):
        call_command("check_start_facts", quiet=True)
    assert "测试项目" not in capsys.readouterr().out


def test_the_office_page_lists_the_contradictory_projects_with_links(client, legacy, office_user):
    client.force_login(office_user)
    response = client.get(reverse("web:project-start-facts"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "开工信息矛盾" in body
    assert "遗留矛盾项目" in body
    assert reverse("web:project-detail", args=[legacy.pk]) in body
    assert reverse("admin:projects_project_change", args=[legacy.pk]) in body
    assert reverse("web:project-start-facts") in client.get(reverse("web:project-list")).content.decode()


def test_only_the_office_sees_the_page(client, legacy, reference):
    from apps.organization.models import Department

    dept = UserFactory(role="department", department=Department.objects.first())
    client.force_login(dept)
    response = client.get(reverse("web:project-start-facts"))
    assert response.status_code == 403
    assert "遗留矛盾项目" not in response.content.decode()
