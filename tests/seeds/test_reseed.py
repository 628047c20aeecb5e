"""Seeding never overwrites: edits made through the API survive `seed --demo` run again (as every
restart of `bin/run` does), and the history gains no row without a user."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.lights.models import RuleCode, WarningRule
from apps.milestones.models import Milestone, MilestoneStatus
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import Project
from tests.conftest import load_demo
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moving_today")]


def _client(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def _history_rows() -> int:
    return sum(model.history.count() for model in (Project, Milestone, ProgressReport))


def test_every_edit_made_through_the_api_survives_the_demo_seed_run_again():
    # given the demo (as the seed wrote it: tests/conftest.py `load_demo`), and a department and the
    # office editing it through the API
    load_demo()
    zjj, xmb = _client("zjj"), _client("xmb")
    milestone = (
        Milestone.objects.filter(
            status=MilestoneStatus.IN_PROGRESS, responsible_dept__short_name="住建局", planned_date__lt=dt.date.today()
        )
        .order_by("id")
        .first()
    )
    done = zjj.post(
        f"/api/v1/milestones/{milestone.pk}/complete/", {"actual_date": "2026-11-26", "doc_number": "住建〔2026〕88号"}, format="json"
    )
    assert done.status_code == 200, done.content
    report = ProgressReport.objects.filter(status=ReportStatus.SUBMITTED).order_by("id").first()
    assert xmb.post(f"/api/v1/progress-reports/{report.pk}/approve/", {}, format="json").status_code == 200
    project = Project.objects.order_by("id").first()
    etag = xmb.get(f"/api/v1/projects/{project.pk}/")["ETag"]
    patched = xmb.patch(
        f"/api/v1/projects/{project.pk}/",
        {"remarks": "项目办改过的备注", "total_investment": "123456.78"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert patched.status_code == 200, patched.content
    WarningRule.objects.filter(code=RuleCode.MILESTONE_DUE).update(due_soon_working_days=5)
    User.objects.filter(username="zjj").update(first_name="小张", email="zjj@example.gov.cn")
    history_before = _history_rows()

    # when the demo seed runs again (a restart of bin/run)
    call_command("seed", demo=True, verbosity=0)

    # then every edit is intact
    milestone.refresh_from_db()
    assert (milestone.status, milestone.actual_date, milestone.doc_number) == (
        MilestoneStatus.DONE,
        dt.date(2026, 11, 26),
        "住建〔2026〕88号",
    )
    report.refresh_from_db()
    assert (report.status, report.reviewed_by.username) == (ReportStatus.APPROVED, "xmb")
    project.refresh_from_db()
    assert (project.remarks, project.total_investment) == ("项目办改过的备注", Decimal("123456.78"))
    assert WarningRule.objects.get(code=RuleCode.MILESTONE_DUE).due_soon_working_days == 5
    assert User.objects.filter(username="zjj", first_name="小张", email="zjj@example.gov.cn").exists()
    assert _history_rows() == history_before


@pytest.mark.django_db(transaction=True)  # flush truncates tables, as it does outside a test transaction
def test_the_demo_can_be_reset_on_purpose():
    load_demo()  # as the seed wrote it
    Project.objects.filter(pk=Project.objects.order_by("id").first().pk).update(remarks="改过")
    call_command("seed", demo=True, reset=True, interactive=False, verbosity=0)
    assert not Project.objects.filter(remarks="改过").exists()
    assert Project.objects.count() >= 30


def test_the_reset_refuses_under_production_settings_and_changes_nothing(settings):
    from django.core.management import CommandError

    # given a database with data, under the production settings' flag
    call_command("seed", verbosity=0)
    user = UserFactory(username="xmb")
    settings.IS_PRODUCTION = True
    # when the demo reset is asked for, without a question
    with pytest.raises(CommandError) as refused:
        call_command("seed", demo=True, reset=True, interactive=False, verbosity=0)
    # then it refuses in Chinese, saying what it would have destroyed, and nothing changed
    assert "生产环境" in str(refused.value)
    assert "不允许 --reset" in str(refused.value)
    assert "数据未改动" in str(refused.value)
    assert list(User.objects.values_list("pk", flat=True)) == [user.pk]
    assert not Project.objects.exists()


def test_renamed_deleted_and_trimmed_reference_rows_stay_as_the_office_left_them():
    from django.contrib.auth.models import Group, Permission

    from apps.organization.models import Department, Leader
    from apps.reminders.models import ReminderRule
    from apps.workcalendar.models import CalendarDay

    # given the reference data, and the office renaming, deleting and trimming some of it
    call_command("seed", verbosity=0)
    Department.objects.filter(name="住房和城乡建设局").update(name="住房城乡建设局")
    Leader.objects.filter(position="常务副区长").update(position="常务副县长")
    ReminderRule.objects.filter(code="planned-start").delete()
    CalendarDay.objects.filter(date=dt.date(2026, 10, 7)).delete()
    group = Group.objects.get(name="责任单位用户")
    group.permissions.remove(Permission.objects.get(codename="change_project"))
    counts = (Department.objects.count(), Leader.objects.count(), ReminderRule.objects.count(), CalendarDay.objects.count())

    # when seed runs again (a restart)
    call_command("seed", verbosity=0)

    # then nothing comes back and nothing is duplicated
    assert (Department.objects.count(), Leader.objects.count(), ReminderRule.objects.count(), CalendarDay.objects.count()) == counts
    assert not Department.objects.filter(name="住房和城乡建设局").exists()
    assert not Leader.objects.filter(position="常务副区长").exists()
    assert not ReminderRule.objects.filter(code="planned-start").exists()
    assert not CalendarDay.objects.filter(date=dt.date(2026, 10, 7)).exists()
    assert not group.permissions.filter(codename="change_project").exists()


def test_the_webhook_from_the_environment_is_created_once_and_then_left_to_the_office(settings):
    from apps.reminders.models import WebhookEndpoint
    from apps.reminders.seeds import load_reminder_rules

    settings.REMINDERS_WEBHOOK_URL = "http://127.0.0.1:9/hook"
    load_reminder_rules()
    WebhookEndpoint.objects.update(enabled=False, url="http://127.0.0.1:9/other")
    load_reminder_rules()
    assert list(WebhookEndpoint.objects.values_list("enabled", "url")) == [(False, "http://127.0.0.1:9/other")]
