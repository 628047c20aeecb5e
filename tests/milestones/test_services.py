import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from apps.milestones.models import Milestone, MilestoneStatus
from apps.milestones.services import milestone_complete, milestone_create, milestone_generate_from_template, milestone_update
from apps.workcalendar.services import calendar_load_from_package
from seeds.reference import load_reference
from tests.factories import ProjectFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def actor():
    return UserFactory()


@pytest.mark.parametrize(
    ("mode", "has", "lacks"),
    [
        ("approval", {"项目建议书批复", "可行性研究报告批复", "初步设计及概算批复"}, {"项目核准", "项目备案"}),
        ("verify", {"项目核准"}, {"项目建议书批复", "可行性研究报告批复", "项目备案"}),
        ("filing", {"项目备案"}, {"项目建议书批复", "项目核准", "初步设计及概算批复"}),
    ],
)
def test_milestones_are_generated_from_the_template_of_the_investment_mode(actor, mode, has, lacks):
    load_reference()
    project = ProjectFactory(investment_mode=mode, planned_start=dt.date(2026, 6, 1), planned_finish=dt.date(2027, 12, 31))
    created = milestone_generate_from_template(actor=actor, project=project)
    names = {m.name for m in created}
    assert has <= names
    assert not (lacks & names)
    assert "建筑工程施工许可证" in names
    start = next(m for m in created if m.name == "实际开工")
    assert start.planned_date == dt.date(2026, 6, 1)
    fuma = next(m for m in created if m.template_item.code == "fuma")
    assert fuma.planned_date == dt.date(2026, 6, 1) - dt.timedelta(days=300)
    acceptance = next(m for m in created if m.template_item.code == "joint_acceptance")
    assert acceptance.planned_date == dt.date(2027, 12, 11)  # 20 days before the planned finish


def test_generation_twice_adds_nothing(actor):
    load_reference()
    project = ProjectFactory(planned_start=dt.date(2026, 6, 1))
    first = milestone_generate_from_template(actor=actor, project=project)
    assert milestone_generate_from_template(actor=actor, project=project) == []
    assert project.milestones.count() == len(first)


def test_a_working_day_deadline_counts_from_its_predecessor(actor):
    load_reference()
    project = ProjectFactory(planned_start=dt.date(2026, 6, 1))
    milestone_generate_from_template(actor=actor, project=project)
    drawing = project.milestones.get(template_item__code="drawing_review")
    permit = project.milestones.get(template_item__code="construction_permit")
    assert permit.after == drawing
    assert permit.after_working_days == 20
    from apps.workcalendar.services import working_days_between

    assert working_days_between(start=drawing.planned_date, end=permit.planned_date) == 20


def test_completing_a_predecessor_moves_its_followers(actor):
    calendar_load_from_package()
    project = ProjectFactory()
    a = milestone_create(
        actor=actor, project=project, data={"name": "施工图审查", "stage": "construction_permit", "planned_date": dt.date(2025, 9, 15)}
    )
    b = milestone_create(
        actor=actor, project=project, data={"name": "施工许可", "stage": "construction_permit", "after": a, "after_working_days": 3}
    )
    # 3 working days after Mon 15 Sep 2025 = Thu 18 Sep.
    assert b.planned_date == dt.date(2025, 9, 18)
    milestone_complete(actor=actor, milestone=a, actual_date=dt.date(2025, 9, 30), doc_number="施审〔2025〕8号")
    b.refresh_from_db()
    # 3 working days after Tue 30 Sep 2025 across National Day: 9, 10, 11 (make-up Saturday) October.
    assert b.planned_date == dt.date(2025, 10, 11)


def test_a_completion_date_in_the_future_is_refused(actor):
    m = milestone_create(
        actor=actor, project=ProjectFactory(), data={"name": "节点", "stage": "construction", "planned_date": dt.date(2026, 12, 1)}
    )
    with pytest.raises(ValidationError, match="不能晚于今天"):
        milestone_complete(actor=actor, milestone=m, actual_date=dt.date(2026, 12, 1))
    m.refresh_from_db()
    assert m.status == MilestoneStatus.NOT_STARTED


def test_done_needs_an_actual_date(actor):
    m = milestone_create(actor=actor, project=ProjectFactory(), data={"name": "节点", "stage": "construction"})
    with pytest.raises(ValidationError, match="实际完成日期"):
        milestone_update(actor=actor, milestone=m, data={"status": "done"})


def test_a_predecessor_from_another_project_is_refused(actor):
    other = milestone_create(actor=actor, project=ProjectFactory(), data={"name": "别的项目", "stage": "construction"})
    with pytest.raises(ValidationError, match="同一项目"):
        milestone_create(
            actor=actor, project=ProjectFactory(), data={"name": "节点", "stage": "construction", "after": other, "after_working_days": 1}
        )
    assert Milestone.objects.count() == 1


def test_a_cycle_of_predecessors_is_refused(actor):
    calendar_load_from_package()
    project = ProjectFactory()
    a = milestone_create(actor=actor, project=project, data={"name": "甲", "stage": "construction", "planned_date": dt.date(2026, 3, 2)})
    b = milestone_create(actor=actor, project=project, data={"name": "乙", "stage": "construction", "after": a, "after_working_days": 1})
    with pytest.raises(ValidationError, match="循环"):
        milestone_update(actor=actor, milestone=a, data={"after": b, "after_working_days": 1})
    a.refresh_from_db()
    assert a.after_id is None


def test_no_template_for_the_mode_is_a_clear_error(actor):
    with pytest.raises(ValidationError, match="没有适用于"):
        milestone_generate_from_template(actor=actor, project=ProjectFactory())


def test_a_deadline_can_count_working_days_from_a_date(actor):
    calendar_load_from_package()
    m = milestone_create(
        actor=actor,
        project=ProjectFactory(),
        data={"name": "施工许可", "stage": "construction_permit", "after_date": dt.date(2025, 9, 30), "after_working_days": 3},
    )
    assert m.planned_date == dt.date(2025, 10, 11)  # 9, 10 Oct and the make-up Saturday 11 Oct


def test_a_predecessor_and_a_start_date_together_are_refused(actor):
    project = ProjectFactory()
    a = milestone_create(actor=actor, project=project, data={"name": "甲", "stage": "construction", "planned_date": dt.date(2026, 3, 2)})
    with pytest.raises(ValidationError, match="只能设置其中一个"):
        milestone_create(
            actor=actor,
            project=project,
            data={"name": "乙", "stage": "construction", "after": a, "after_date": dt.date(2026, 3, 1), "after_working_days": 2},
        )
