from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.progress.models import ProgressReport, ReportStatus
from apps.progress.services import (
    progress_report_approve,
    progress_report_create,
    progress_report_return,
    progress_report_submit,
    progress_report_update,
)
from apps.projects.models import ProjectResponsibility, ResponsibilityRole
from tests.factories import DepartmentFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def actor():
    return UserFactory(role="department", department=DepartmentFactory())


def own_project(actor):
    """A project the actor's department leads (the policy lets it report only on its own)."""
    project = ProjectFactory()
    ProjectResponsibility.objects.create(project=project, role=ResponsibilityRole.LEAD_DEPT, department=actor.department)
    return project


@pytest.fixture
def reviewer():
    return UserFactory(role="office")


@pytest.fixture
def draft(actor):
    project = own_project(actor)
    return progress_report_create(
        actor=actor,
        project=project,
        year=2026,
        month=10,
        data={"period_completed": Decimal("350.50"), "image_progress_text": "路基完成60%"},
    )


def test_a_report_starts_as_a_draft(draft, actor):
    assert draft.status == ReportStatus.DRAFT
    assert draft.created_by == actor


def test_submit_then_approve(draft, actor, reviewer):
    report = progress_report_submit(actor=actor, report=draft)
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_by == actor
    report = progress_report_approve(actor=reviewer, report=report)
    assert report.status == ReportStatus.APPROVED
    assert report.reviewed_by == reviewer
    report.project.refresh_from_db()
    assert report.project.latest_image_progress == "路基完成60%"


def test_return_then_edit_and_resubmit(draft, actor, reviewer):
    progress_report_submit(actor=actor, report=draft)
    report = progress_report_return(actor=reviewer, report=draft, reason="完成投资与形象进度不符")
    assert (report.status, report.return_count, report.return_reason) == (ReportStatus.RETURNED, 1, "完成投资与形象进度不符")
    report = progress_report_update(actor=actor, report=report, data={"period_completed": Decimal("300")})
    assert progress_report_submit(actor=actor, report=report).status == ReportStatus.SUBMITTED


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], "approve"),  # a draft cannot be approved
        ([], "return"),  # nor returned
        (["submit"], "submit"),  # a submitted report cannot be submitted again
        (["submit", "approve"], "submit"),  # approved is final
        (["submit", "approve"], "approve"),
        (["submit", "approve"], "return"),
        (["submit", "return"], "approve"),  # a returned report must be resubmitted first
        (["submit", "return"], "return"),
    ],
)
def test_forbidden_transitions_are_refused_and_change_nothing(draft, actor, reviewer, setup, action):
    services = {
        "submit": lambda r: progress_report_submit(actor=actor, report=r),
        "approve": lambda r: progress_report_approve(actor=reviewer, report=r),
        "return": lambda r: progress_report_return(actor=reviewer, report=r, reason="退回"),
    }
    for step in setup:
        services[step](draft)
    before = ProgressReport.objects.get(pk=draft.pk)
    with pytest.raises(ValidationError) as exc:
        services[action](before)
    assert "不能执行" in exc.value.messages[0]
    after = ProgressReport.objects.get(pk=draft.pk)
    assert (after.status, after.return_count, after.updated_at) == (before.status, before.return_count, before.updated_at)


@pytest.mark.parametrize("steps", [["submit"], ["submit", "approve"]])
def test_submitted_and_approved_reports_are_read_only(draft, actor, reviewer, steps):
    progress_report_submit(actor=actor, report=draft)
    if "approve" in steps:
        progress_report_approve(actor=reviewer, report=draft)
    with pytest.raises(ValidationError, match="不能修改"):
        progress_report_update(actor=actor, report=draft, data={"period_completed": Decimal("1")})
    assert ProgressReport.objects.get(pk=draft.pk).period_completed == Decimal("350.50")


def test_return_needs_a_reason(draft, actor, reviewer):
    progress_report_submit(actor=actor, report=draft)
    with pytest.raises(ValidationError) as exc:
        progress_report_return(actor=reviewer, report=draft, reason="  ")
    assert exc.value.message_dict == {"return_reason": ["退回时必须填写退回意见。"]}
    assert ProgressReport.objects.get(pk=draft.pk).status == ReportStatus.SUBMITTED


def test_a_second_report_for_the_same_period_is_refused(draft, actor):
    with pytest.raises(ValidationError, match="已有月报"):
        progress_report_create(actor=actor, project=draft.project, year=2026, month=10, data={})
    assert ProgressReport.objects.filter(project=draft.project).count() == 1


def test_the_database_itself_holds_one_report_per_period(draft):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(project=draft.project, year=2026, month=10)


def test_a_report_for_a_future_period_is_refused(actor):
    project = own_project(actor)
    with pytest.raises(ValidationError, match="未来报告期"):
        progress_report_create(actor=actor, project=project, year=2026, month=12, data={})
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"period_completed": Decimal("-1")}, "period_completed"),
        ({"image_progress_pct": Decimal("120")}, "image_progress_pct"),
    ],
)
def test_bad_figures_are_refused_with_a_chinese_message(actor, data, field):
    project = own_project(actor)
    with pytest.raises(ValidationError) as exc:
        progress_report_create(actor=actor, project=project, year=2026, month=9, data=data)
    assert field in exc.value.message_dict or "__all__" in exc.value.message_dict
    assert not ProgressReport.objects.exists()


def test_unknown_fields_are_an_error_not_silently_ignored(actor):
    with pytest.raises(ValidationError, match="不允许修改的字段"):
        progress_report_create(actor=actor, project=own_project(actor), year=2026, month=9, data={"status": "approved"})


def test_an_edit_over_a_newer_save_is_refused_and_changes_nothing(draft, actor):
    seen = draft.version
    progress_report_update(actor=actor, report=draft, data={"next_plan": "别人先改了"})

    with pytest.raises(ValidationError, match=f"已被{actor}.*修改（当前第{seen + 1}版，你打开时是第{seen}版）"):
        progress_report_update(actor=actor, report=draft, data={"period_completed": Decimal("1")}, seen=seen)

    draft.refresh_from_db()
    assert (draft.period_completed, draft.next_plan) == (Decimal("350.50"), "别人先改了")


def test_an_edit_of_the_current_version_saves_and_submits_in_one_call(draft, actor):
    report = progress_report_update(actor=actor, report=draft, data={"period_completed": Decimal("1")}, seen=draft.version, submit=True)
    assert (report.period_completed, report.status) == (Decimal("1"), ReportStatus.SUBMITTED)
