"""办结 asks for a 文号 where the template says so; the office undoes a completion with a reason kept
in the history; an edit is no quiet way round either."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.policy import PolicyDenied
from apps.milestones.models import ApprovalTemplate, ApprovalTemplateItem, Milestone, MilestoneStatus
from apps.milestones.services import milestone_complete, milestone_reopen, milestone_update
from apps.organization.models import Department
from seeds.reference import DOC_NUMBER_CODES, load_reference
from tests.factories import ApprovalTemplateFactory, ApprovalTemplateItemFactory, MilestoneFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def office():
    return UserFactory()


def _approval(requires: bool) -> Milestone:
    template = ApprovalTemplate.objects.first() or ApprovalTemplateFactory()
    item = ApprovalTemplateItemFactory(template=template, requires_doc_number=requires)
    return MilestoneFactory(template_item=item, name="环境影响评价批复")


def test_a_document_milestone_is_not_completed_without_its_number(office):
    m = _approval(True)
    with pytest.raises(ValidationError) as err:
        milestone_complete(actor=office, milestone=m, actual_date=DAY, doc_number="  ")
    assert err.value.message_dict == {"doc_number": ["该要件办结须填写批复文号或证照编号。"]}
    m.refresh_from_db()
    assert (m.status, m.actual_date) == (MilestoneStatus.NOT_STARTED, None)


def test_a_number_entered_before_counts_and_a_node_needs_none(office):
    m = _approval(True)
    m.doc_number = "古环审〔2026〕3号"
    m.save()
    assert milestone_complete(actor=office, milestone=m, actual_date=DAY).doc_number == "古环审〔2026〕3号"
    node = MilestoneFactory()  # a construction node: no template item
    assert milestone_complete(actor=office, milestone=node, actual_date=DAY).status == MilestoneStatus.DONE
    assert milestone_complete(actor=office, milestone=_approval(False), actual_date=DAY).status == MilestoneStatus.DONE


def test_the_seeds_flag_the_documents_that_carry_a_number_and_keep_the_office_s_edit():
    load_reference()
    flagged = set(ApprovalTemplateItem.objects.filter(requires_doc_number=True).values_list("code", flat=True))
    assert flagged == set(DOC_NUMBER_CODES)
    assert {"eia", "verification", "filing", "construction_permit"} <= flagged
    assert not {"tender", "ground_breaking", "stability"} & flagged
    ApprovalTemplateItem.objects.filter(code="eia").update(requires_doc_number=False)
    load_reference()  # the next restart seeds again
    assert not ApprovalTemplateItem.objects.filter(code="eia", requires_doc_number=True).exists()


def test_the_office_undoes_a_completion_and_the_history_keeps_who_when_why(office):
    m = MilestoneFactory(status=MilestoneStatus.IN_PROGRESS, doc_number="")
    milestone_complete(actor=office, milestone=m, actual_date=DAY, doc_number="错号〔2026〕1号")
    reopened = milestone_reopen(actor=office, milestone=m, reason="批复文件是另一个项目的")
    m.refresh_from_db()
    assert (m.status, m.actual_date, m.doc_number) == (MilestoneStatus.IN_PROGRESS, None, "")
    assert reopened.pk == m.pk
    last, completion = m.history.order_by("-history_date", "-history_id")[:2]
    assert (last.history_user, last.history_change_reason) == (office, "撤销办结：批复文件是另一个项目的")
    assert (completion.status, completion.doc_number, completion.history_user) == ("done", "错号〔2026〕1号", office)


def test_a_follower_moves_back_when_its_predecessor_is_undone(office):
    from apps.workcalendar.services import calendar_load_from_package

    calendar_load_from_package()
    first = MilestoneFactory(planned_date=dt.date(2026, 12, 1))
    follower = MilestoneFactory(project=first.project, after=first, after_working_days=1, planned_date=dt.date(2026, 12, 2))
    milestone_complete(actor=office, milestone=first, actual_date=DAY)
    follower.refresh_from_db()
    assert follower.planned_date == dt.date(2026, 11, 23)  # the Monday after Friday 20 November
    milestone_reopen(actor=office, milestone=first, reason="误办结")
    follower.refresh_from_db()
    assert follower.planned_date == dt.date(2026, 12, 2)


@pytest.mark.parametrize("reason", ["", "   ", "长" * 201])
def test_an_undo_needs_a_reason(office, reason):
    m = MilestoneFactory(status=MilestoneStatus.DONE, actual_date=DAY)
    with pytest.raises(ValidationError) as err:
        milestone_reopen(actor=office, milestone=m, reason=reason)
    assert "reason" in err.value.message_dict
    m.refresh_from_db()
    assert m.status == MilestoneStatus.DONE


def test_an_open_milestone_is_not_undone(office):
    with pytest.raises(ValidationError, match="尚未办结"):
        milestone_reopen(actor=office, milestone=MilestoneFactory(), reason="试试")


def test_only_the_office_undoes_even_the_department_responsible(office):
    dept = Department.objects.create(name="住房和城乡建设局", short_name="住建局")
    user = UserFactory(role="department", department=dept)
    m = MilestoneFactory(status=MilestoneStatus.DONE, actual_date=DAY, responsible_dept=dept)
    with pytest.raises(PolicyDenied, match="只有项目办可以撤销办结"):
        milestone_reopen(actor=user, milestone=m, reason="本单位想撤销")
    m.refresh_from_db()
    assert m.status == MilestoneStatus.DONE


def test_an_edit_does_not_undo_a_completion(office):
    m = MilestoneFactory(status=MilestoneStatus.DONE, actual_date=DAY)
    with pytest.raises(ValidationError) as err:
        milestone_update(actor=office, milestone=m, data={"status": MilestoneStatus.IN_PROGRESS})
    assert "撤销办结" in err.value.message_dict["status"][0]
    m.refresh_from_db()
    assert m.status == MilestoneStatus.DONE
