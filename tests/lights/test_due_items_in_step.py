"""The stored due items are written with each change, in the same transaction: a milestone's or a
problem's own item (apps.lights.services.due_items_write), and every item of a project when its
在库/开工 facts, its people, its plans or its reports change (due_items_write_projects). After every
kind of write through the services the rows equal the registry's live answer; a write that changes
nothing the kinds read costs no statement; a due date outside the light-day table is worked out by
hand (issue 21)."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.core.due import DueKindCode, kinds
from apps.lights.models import DueItem, DueLightDay, RuleCode
from apps.lights.selectors import all_thresholds
from apps.lights.services import NEVER, _light_index, due_items_deferred, light_days, light_table_rebuild, live_due_items
from apps.milestones.models import Milestone, MilestoneStatus
from apps.milestones.services import milestone_complete, milestone_create, milestone_reopen, milestone_update
from apps.organization.models import Department
from apps.problems.models import Problem
from apps.problems.services import problem_close, problem_create, problem_resolve, problem_update
from apps.progress.models import ProgressReport
from apps.progress.services import progress_report_create, progress_report_return, progress_report_submit
from apps.projects.models import Project, ProjectResponsibility, ResponsibilityRole
from apps.projects.responsibilities import responsibility_update
from apps.projects.services import project_archive, project_update
from apps.workcalendar.periods import Period
from tests.conftest import load_demo
from tests.lights.conftest import DEMO_DAY, at

pytestmark = pytest.mark.django_db

FIELDS = ("title", "project_id", "department_id", "leader_id", "own_leader_id", "yellow_from", "red_from")


@pytest.fixture
def demo():
    with at(DEMO_DAY):
        load_demo()
        yield User.objects.get(username="xmb")


def stored() -> dict:
    return {(i.kind, i.object_id, i.due): tuple(getattr(i, f) for f in FIELDS) for i in DueItem.objects.all()}


def live() -> dict:
    return {key: tuple(getattr(item, f) for f in FIELDS) for key, item in live_due_items(today=DEMO_DAY).items()}


def in_step() -> None:
    s, t = stored(), live()
    assert s.keys() == t.keys(), (s.keys() - t.keys(), t.keys() - s.keys())
    assert s == t


def open_milestone() -> Milestone:
    return Milestone.objects.get(pk=DueItem.objects.filter(kind=DueKindCode.MILESTONE).order_by("due", "object_id").values("object_id")[:1])


def test_every_milestone_write_keeps_the_rows_in_step(demo):
    office = demo
    in_step()
    project = Project.objects.filter(archived_at__isnull=True).order_by("id").first()
    # a new milestone with a date is a new item
    new = milestone_create(
        actor=office,
        project=project,
        data={"name": "施工图审查", "stage": "works_permit", "kind": "approval", "planned_date": DEMO_DAY + dt.timedelta(days=9)},
    )
    assert DueItem.objects.filter(kind=DueKindCode.MILESTONE, object_id=new.pk).exists()
    in_step()
    # moved, renamed, handed on: the row follows
    milestone_update(actor=office, milestone=new, data={"planned_date": DEMO_DAY + dt.timedelta(days=2), "name": "施工图审查（合格）"})
    assert DueItem.objects.get(kind=DueKindCode.MILESTONE, object_id=new.pk).title == "施工图审查（合格）"
    in_step()
    # done: the item leaves; undone: it is back
    milestone_complete(actor=office, milestone=new, actual_date=DEMO_DAY)
    assert not DueItem.objects.filter(kind=DueKindCode.MILESTONE, object_id=new.pk).exists()
    in_step()
    milestone_reopen(actor=office, milestone=new, reason="批复文件有误，重新办理")
    assert DueItem.objects.filter(kind=DueKindCode.MILESTONE, object_id=new.pk).exists()
    in_step()
    # an overdue one completed, and a row deleted
    milestone_complete(actor=office, milestone=open_milestone(), actual_date=DEMO_DAY)
    in_step()
    Milestone.objects.get(pk=new.pk).delete()
    assert not DueItem.objects.filter(kind=DueKindCode.MILESTONE, object_id=new.pk).exists()
    in_step()


def test_every_problem_write_keeps_the_rows_in_step(demo):
    office = demo
    project = Project.objects.filter(archived_at__isnull=True).order_by("id").first()
    problem = problem_create(
        actor=office,
        data={
            "project": project,
            "category": "funding",
            "responsible_dept": Department.objects.order_by("id").first(),
            "description": "征地补偿款未到位",
            "raised_on": DEMO_DAY - dt.timedelta(days=3),
            "deadline": DEMO_DAY + dt.timedelta(days=5),
        },
    )
    assert DueItem.objects.filter(kind=DueKindCode.PROBLEM, object_id=problem.pk).exists()
    in_step()
    problem_update(actor=office, problem=problem, data={"deadline": DEMO_DAY - dt.timedelta(days=1), "description": "征地补偿款到位滞后"})
    assert DueItem.objects.get(kind=DueKindCode.PROBLEM, object_id=problem.pk).title == "征地补偿款到位滞后"
    in_step()
    problem_update(actor=office, problem=problem, data={"deadline": DEMO_DAY})
    problem_resolve(actor=office, problem=problem, resolution="资金已拨付")
    assert not DueItem.objects.filter(kind=DueKindCode.PROBLEM, object_id=problem.pk).exists()
    in_step()
    problem_close(actor=office, problem=Problem.objects.get(pk=problem.pk))
    in_step()


def test_a_write_that_changes_nothing_the_kind_reads_costs_no_statement(demo):
    office = demo
    milestone = open_milestone()
    with CaptureQueriesContext(connection) as queries:
        milestone_update(actor=office, milestone=milestone, data={"remarks": "已约见审批科室"})
    assert not [q for q in queries.captured_queries if DueItem._meta.db_table in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        milestone_update(actor=office, milestone=milestone, data={"planned_date": milestone.planned_date + dt.timedelta(days=1)})
    # the item is rewritten in two statements: a DELETE and one INSERT … SELECT
    assert len([q for q in queries.captured_queries if DueItem._meta.db_table in q["sql"]]) == 2
    in_step()


def test_a_due_date_outside_the_table_is_worked_out_by_hand(demo):
    office = demo
    milestone = open_milestone()
    far = dt.date(DEMO_DAY.year + 30, 3, 2)
    assert not DueLightDay.objects.filter(due=far).exists()
    milestone_update(actor=office, milestone=milestone, data={"planned_date": far})
    item = DueItem.objects.get(kind=DueKindCode.MILESTONE, object_id=milestone.pk)
    assert (item.due, item.yellow_from, item.red_from) == (far, item.yellow_from, far + dt.timedelta(days=1))
    in_step()


def test_the_light_day_table_is_light_days_for_every_kind_and_date(demo):
    with at(DEMO_DAY):
        rows = light_table_rebuild(today=DEMO_DAY)
    assert rows == DueLightDay.objects.count() == len(kinds()) * ((dt.date(2029, 12, 31) - dt.date(2024, 1, 1)).days + 1)
    rules = all_thresholds()
    due_day = rules[RuleCode.REPORT_FILING].report_due_day
    sample = list(DueLightDay.objects.filter(due__range=(dt.date(2026, 9, 20), dt.date(2027, 2, 20))))
    index = _light_index((d.due for d in sample), DEMO_DAY, rules)
    for day in sample:
        assert (day.yellow_from, day.red_from) == light_days(day.kind, day.due, rules[kinds()[day.kind].rule_code], index, due_day), day


@pytest.mark.django_db(transaction=True)
def test_a_refused_write_leaves_the_rows_as_they_were(demo):
    office = demo
    milestone = open_milestone()
    before = stored()

    def move_then_fail() -> None:
        with transaction.atomic():
            milestone_update(actor=office, milestone=milestone, data={"planned_date": DEMO_DAY + dt.timedelta(days=60)})
            raise RuntimeError("调度失败")  # the caller fails after the write

    with pytest.raises(RuntimeError, match="调度失败"):
        move_then_fail()
    assert stored() == before
    assert Milestone.objects.get(pk=milestone.pk).status != MilestoneStatus.DONE


def project_with(code: str) -> Project:
    return Project.objects.get(pk=DueItem.objects.filter(kind=code).order_by("project_id").values("project_id")[:1])


def test_every_write_that_decides_a_project_s_items_keeps_the_rows_in_step(demo):
    office = demo
    in_step()
    # the planned start moves, then the project starts: its 计划开工 item moves, then settles
    project = project_with(DueKindCode.START)
    project_update(actor=office, project=project, data={"planned_start": DEMO_DAY - dt.timedelta(days=40)})
    assert DueItem.objects.get(kind=DueKindCode.START, object_id=project.pk).due == DEMO_DAY - dt.timedelta(days=40)
    in_step()
    project_update(actor=office, project=Project.objects.get(pk=project.pk), data={"actual_start": DEMO_DAY - dt.timedelta(days=1)})
    assert not DueItem.objects.filter(kind=DueKindCode.START, object_id=project.pk).exists()
    in_step()
    # a report filed settles its period's item; returned, the item is back
    owing = project_with(DueKindCode.REPORT)
    item = DueItem.objects.filter(kind=DueKindCode.REPORT, project=owing).order_by("due").first()
    period = Period.of(item.due).previous
    report = ProgressReport.objects.filter(project=owing, year=period.year, month=period.month).first()
    if report is None:
        report = progress_report_create(
            actor=office,
            project=owing,
            year=period.year,
            month=period.month,
            data={"image_progress_text": "主体施工", "period_completed": "120"},
        )
    progress_report_submit(actor=office, report=report)
    assert not DueItem.objects.filter(pk=item.pk).exists()
    in_step()
    progress_report_return(actor=office, report=ProgressReport.objects.get(pk=report.pk), reason="投资数据与台账不符")
    assert DueItem.objects.filter(kind=DueKindCode.REPORT, project=owing, due=item.due).exists()
    in_step()
    # the 牵头单位 changes hands: every item without a department of its own follows
    lead = ProjectResponsibility.objects.filter(project=owing, role=ResponsibilityRole.LEAD_DEPT).order_by("id").first()
    other = Department.objects.exclude(pk=lead.department_id).order_by("id").first()
    responsibility_update(actor=office, responsibility=lead, data={"department": other})
    assert DueItem.objects.filter(project=owing, kind=DueKindCode.REPORT, department=other).exists()
    in_step()
    # taken off the ledger: none of its items is due any more
    project_archive(actor=office, project=owing)
    assert not DueItem.objects.filter(project=owing).exists()
    in_step()


def test_a_remark_on_the_project_costs_no_statement_and_a_deleted_project_takes_its_items(demo):
    office = demo
    project = project_with(DueKindCode.MILESTONE)
    with CaptureQueriesContext(connection) as queries:
        project_update(actor=office, project=project, data={"remarks": "调度会后更新"})
    assert not [q for q in queries.captured_queries if DueItem._meta.db_table in q["sql"]]
    Project.objects.get(pk=project.pk).delete()
    assert not DueItem.objects.filter(project_id=project.pk).exists()
    in_step()


def test_a_bulk_load_writes_the_items_once_at_its_end(demo):
    office = demo
    project = project_with(DueKindCode.MILESTONE)
    with CaptureQueriesContext(connection) as queries, due_items_deferred():
        for n in range(3):
            milestone_create(
                actor=office,
                project=project,
                data={"name": f"节点{n}", "stage": "construction", "kind": "construction", "planned_date": DEMO_DAY + dt.timedelta(days=n)},
            )
        project_update(actor=office, project=Project.objects.get(pk=project.pk), data={"planned_start": DEMO_DAY})
        assert not [q for q in queries.captured_queries if DueItem._meta.db_table in q["sql"]]
    assert DueItem.objects.filter(kind=DueKindCode.MILESTONE, project=project, title__startswith="节点").count() == 3
    in_step()


def test_a_date_no_deadline_can_have_is_stored_without_a_calendar_of_its_years(demo):
    office = demo
    milestone = open_milestone()
    milestone_update(actor=office, milestone=milestone, data={"planned_date": dt.date(1, 1, 1)})
    item = DueItem.objects.get(kind=DueKindCode.MILESTONE, object_id=milestone.pk)
    assert (item.yellow_from, item.red_from) == (dt.date(1, 1, 2), dt.date(1, 1, 2))  # long past: red
    milestone_update(actor=office, milestone=Milestone.objects.get(pk=milestone.pk), data={"planned_date": dt.date(9999, 12, 31)})
    item = DueItem.objects.get(kind=DueKindCode.MILESTONE, object_id=milestone.pk)
    assert (item.yellow_from, item.red_from) == (NEVER, NEVER)
    in_step()
