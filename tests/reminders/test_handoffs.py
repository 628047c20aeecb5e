"""Every hand-off tells the next person once, through the reminder ledger: a returned or approved
report its filers, a 批示 the responsible departments, a problem its department, a 督办函 its
recipients; never the actor; the bell counts them (issue 19)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.problems.services import notice_issue, problem_create, problem_update
from apps.progress.services import progress_report_approve, progress_report_create, progress_report_return, progress_report_submit
from apps.projects.models import CommentKind, ResponsibilityRole
from apps.projects.services import project_comment_add
from apps.reminders.channels.message import render_message
from apps.reminders.models import Channel, ChannelPreference, HandoffKind, Notification, ReminderDelivery, ReminderRule, Subject
from apps.reminders.services import leader_digests_send
from apps.reminders.services.delivery import deliveries_send_in_app
from apps.reminders.services.handoffs import notify_handoff, notify_report_returned
from tests.factories import DepartmentFactory, ProjectResponsibilityFactory, UserFactory

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    """Beside the world: a colleague in the lead department, a 配合单位 with a user, and a bystander."""
    colleague = UserFactory(username="zjj2", role=Role.DEPARTMENT, department=world.dept)
    coop = DepartmentFactory(name="自然资源局", short_name="自然资源局")
    coop_user = UserFactory(username="zrzy", role=Role.DEPARTMENT, department=coop)
    ProjectResponsibilityFactory(project=world.project, role=ResponsibilityRole.COOP_DEPT, leader=None, department=coop)
    bystander = UserFactory(username="other", role=Role.DEPARTMENT, department=DepartmentFactory(name="教育局"))
    # SMS off, e-mail off: in-app only, so a row is a notification (the channels have tests of their own).
    for user in (world.dept_user, colleague, coop_user, bystander, world.leader_user, world.office_user):
        ChannelPreference.objects.update_or_create(user=user, defaults={"in_app": True, "email": False, "sms": False})
    return {"colleague": colleague, "coop_user": coop_user, "bystander": bystander}


def told(kind: str) -> dict[int, int]:
    """User id → how many in-app hand-offs of `kind` they got."""
    rows = ReminderDelivery.objects.filter(subject=Subject.HANDOFF, step_key=f"handoff:{kind}", channel=Channel.IN_APP)
    result: dict[int, int] = {}
    for user_id in rows.values_list("user_id", flat=True):
        result[user_id] = result.get(user_id, 0) + 1
    return result


def submitted_report(world):
    report = progress_report_create(
        actor=world.dept_user,
        project=world.project,
        year=2026,
        month=10,
        data={"period_completed": Decimal("120"), "image_progress_text": "主体完工"},
    )
    return progress_report_submit(actor=world.dept_user, report=report)


def bell(user) -> int:
    client = APIClient()
    client.force_authenticate(user)
    return client.get("/api/v1/notifications/unread-count/").json()["unread"]


def test_a_returned_report_tells_its_filers_once_not_the_reviewer(world, people, django_capture_on_commit_callbacks, published):
    report = submitted_report(world)
    with django_capture_on_commit_callbacks(execute=True):
        report = progress_report_return(actor=world.office_user, report=report, reason="形象进度与完成投资不符")
    assert told(HandoffKind.REPORT_RETURNED) == {world.dept_user.pk: 1, people["colleague"].pk: 1}
    rows = ReminderDelivery.objects.filter(step_key="handoff:report_returned")
    assert sorted(published) == sorted(rows.values_list("id", flat=True))  # enqueued after commit
    # A retried request or task for the same return writes nothing new.
    assert notify_report_returned(report=report, actor=world.office_user) == []
    assert rows.count() == 2


def test_a_second_return_is_an_event_of_its_own(world, people):
    report = submitted_report(world)
    report = progress_report_return(actor=world.office_user, report=report, reason="第一次")
    report = progress_report_submit(actor=world.dept_user, report=report)
    progress_report_return(actor=world.office_user, report=report, reason="第二次")
    assert told(HandoffKind.REPORT_RETURNED) == {world.dept_user.pk: 2, people["colleague"].pk: 2}


def test_an_approved_report_tells_its_filers(world, people):
    progress_report_approve(actor=world.office_user, report=submitted_report(world))
    assert told(HandoffKind.REPORT_APPROVED) == {world.dept_user.pk: 1, people["colleague"].pk: 1}


def test_a_return_reaches_the_filers_bell_with_a_link_to_the_report(world, people, django_capture_on_commit_callbacks, published):
    report = submitted_report(world)
    before = bell(world.dept_user)
    with django_capture_on_commit_callbacks(execute=True):
        progress_report_return(actor=world.office_user, report=report, reason="请补充形象进度照片")
    deliveries_send_in_app(delivery_ids=published)
    deliveries_send_in_app(delivery_ids=published)  # the task retried: still once
    assert bell(world.dept_user) == before + 1
    assert bell(world.office_user) == 0
    note = Notification.objects.get(user=world.dept_user)
    assert note.title == "【月报被退回】古罗大道｜2026年10月月报被退回，请修改后重新提交"
    assert note.link == f"/reports/{report.pk}/"
    assert "请补充形象进度照片" in note.body
    assert note.project_id == world.project.pk


def test_the_header_bell_of_a_page_counts_a_handoff(world, people, client, django_capture_on_commit_callbacks, published):
    with django_capture_on_commit_callbacks(execute=True):
        project_comment_add(actor=world.leader_user, project=world.project, kind=CommentKind.INSTRUCTION, text="加快征地进度")
    deliveries_send_in_app(delivery_ids=published)
    client.force_login(people["coop_user"])
    page = client.get("/my/")
    assert page.status_code == 200
    assert 'data-unread="1"' in page.content.decode()


def test_an_instruction_tells_the_responsible_departments_and_the_contacts_not_the_leader(world, people):
    comment = project_comment_add(actor=world.leader_user, project=world.project, kind=CommentKind.INSTRUCTION, text="月底前完成征地")
    assert told(HandoffKind.INSTRUCTION) == {world.dept_user.pk: 1, people["colleague"].pk: 1, people["coop_user"].pk: 1}
    row = ReminderDelivery.objects.filter(step_key="handoff:instruction").first()
    assert row.context["link"] == f"/projects/{world.project.pk}/#comments"
    assert row.object_id == comment.pk


def test_a_plain_comment_tells_nobody(world, people):
    project_comment_add(actor=world.leader_user, project=world.project, kind=CommentKind.COMMENT, text="知悉")
    assert not ReminderDelivery.objects.filter(subject=Subject.HANDOFF).exists()


def test_a_problem_raised_on_a_department_tells_that_department_but_not_the_actor(world, people):
    problem_create(
        actor=world.dept_user,
        data={
            "project": world.project,
            "category": "land",
            "description": "3户拆迁户未签约",
            "raised_on": dt.date(2026, 11, 2),
            "responsible_dept": world.dept,
            "deadline": dt.date(2026, 11, 30),
        },
    )
    assert told(HandoffKind.PROBLEM_ASSIGNED) == {people["colleague"].pk: 1}


def test_a_supervision_notice_tells_its_recipients(world, people):
    notice = notice_issue(
        actor=world.office_user,
        data={
            "notice_type": "supervise",
            "number": "督〔2026〕9号",
            "issued_on": dt.date(2026, 11, 20),
            "target_dept": people["coop_user"].department,
            "content": "限期完成土地报批",
            "reply_deadline": dt.date(2026, 11, 30),
        },
        projects=[world.project],
    )
    assert told(HandoffKind.NOTICE_ISSUED) == {people["coop_user"].pk: 1}
    row = ReminderDelivery.objects.get(step_key="handoff:notice_issued")
    assert row.object_id == notice.pk
    message = render_message(row)
    assert message.title == "【督办函】督〔2026〕9号：限期完成土地报批，请于2026年11月30日前书面回复"
    assert "限期完成土地报批" in message.text
    assert message.link.endswith(f"/projects/{world.project.pk}/#notices")


def test_calling_the_service_twice_for_one_event_writes_one_row_per_recipient(world, people):
    kwargs = {
        "kind": HandoffKind.INSTRUCTION,
        "object_id": 77,
        "on": dt.date(2026, 11, 3),
        "recipients": [world.dept_user.pk, people["coop_user"].pk, world.leader_user.pk],
        "actor": world.leader_user,
        "title": "测试",
        "body": "内容",
        "link": "/my/",
        "project": world.project,
    }
    first = notify_handoff(**kwargs)
    assert len(first) == 2  # the actor is left out
    assert notify_handoff(**kwargs) == []
    assert ReminderDelivery.objects.filter(subject=Subject.HANDOFF).count() == 2


def test_email_and_sms_follow_the_recipients_channel_preferences(world, people):
    ChannelPreference.objects.filter(user=world.dept_user).update(email=True, sms=True)
    world.dept_user.phone = "13800000000"
    world.dept_user.save()
    progress_report_approve(actor=world.office_user, report=submitted_report(world))
    channels = set(ReminderDelivery.objects.filter(subject=Subject.HANDOFF, user=world.dept_user).values_list("channel", flat=True))
    assert channels == {Channel.IN_APP, Channel.EMAIL, Channel.SMS}


def test_the_office_switching_the_rule_off_stops_handoff_messages(world, people):
    ReminderRule.objects.filter(subject=Subject.HANDOFF).update(enabled=False)
    progress_report_approve(actor=world.office_user, report=submitted_report(world))
    assert not ReminderDelivery.objects.filter(subject=Subject.HANDOFF).exists()


def _return_on(world, day: dt.date):
    with time_machine.travel(at(day, 15), tick=False):
        report = progress_report_create(actor=world.dept_user, project=world.project, year=day.year, month=day.month - 1, data={})
        report = progress_report_submit(actor=world.dept_user, report=report)
        return progress_report_return(actor=world.office_user, report=report, reason="请补充形象进度")


def test_the_leaders_digest_lists_the_weeks_handoffs_on_their_projects_once(world, people):
    _return_on(world, dt.date(2025, 10, 16))  # Thursday: told to two filers, one event
    with time_machine.travel(at(dt.date(2025, 10, 20), 10), tick=False):
        leader_digests_send()
    row = ReminderDelivery.objects.get(subject=Subject.DIGEST, user=world.leader_user, channel=Channel.IN_APP)
    assert row.context["handoff_count"] == 1
    [group] = row.context["handoff_groups"]
    assert group["project"] == "古罗大道"
    assert group["items"][0]["kind"] == "月报被退回"
    message = render_message(row)
    assert message.title.endswith("工作交接1件")
    assert "三、近7天工作交接（1件" in message.text
    assert "2025年9月月报被退回" in message.text


def test_a_leader_with_only_a_handoff_still_gets_a_digest_and_old_ones_are_left_out(world, people):
    world.milestone.delete()  # nothing overdue or due soon
    _return_on(world, dt.date(2025, 10, 9))  # more than a week before the digest
    with time_machine.travel(at(dt.date(2025, 10, 20), 10), tick=False):
        assert leader_digests_send().created == 0
    _return_on(world, dt.date(2025, 11, 13))
    with time_machine.travel(at(dt.date(2025, 11, 17), 10), tick=False):
        leader_digests_send()
    row = ReminderDelivery.objects.get(subject=Subject.DIGEST, user=world.leader_user, channel=Channel.IN_APP)
    assert (row.context["overdue_count"], row.context["due_soon_count"], row.context["handoff_count"]) == (0, 0, 1)


def _queries_to_tell(world, count: int, object_id: int) -> int:
    users = [UserFactory(role=Role.DEPARTMENT, department=world.dept).pk for _ in range(count)]
    with CaptureQueriesContext(connection) as queries:
        created = notify_handoff(
            kind=HandoffKind.PROBLEM_ASSIGNED,
            object_id=object_id,
            on=dt.date(2026, 11, 3),
            recipients=users,
            actor=None,
            title="测试",
            body="内容",
            link="/my/",
        )
    assert len({ReminderDelivery.objects.get(pk=pk).user_id for pk in created}) == count
    return len(queries)


def test_telling_twenty_people_costs_the_same_queries_as_telling_one(world):
    assert _queries_to_tell(world, 1, object_id=1) == _queries_to_tell(world, 20, object_id=2)


def test_an_inactive_user_is_not_told(world, people):
    people["colleague"].is_active = False
    people["colleague"].save()
    progress_report_approve(actor=world.office_user, report=submitted_report(world))
    assert told(HandoffKind.REPORT_APPROVED) == {world.dept_user.pk: 1}


def test_a_problem_handed_to_another_department_tells_the_new_one_and_back_again_tells_the_first(world, people):
    problem = problem_create(
        actor=world.office_user,
        data={
            "project": world.project,
            "category": "land",
            "description": "供电线路迁改",
            "raised_on": dt.date(2026, 11, 2),
            "responsible_dept": world.dept,
            "deadline": dt.date(2026, 11, 30),
        },
    )
    coop = people["coop_user"].department
    problem = problem_update(actor=world.office_user, problem=problem, data={"responsible_dept": coop})
    problem = problem_update(
        actor=world.office_user, problem=problem, data={"responsible_dept": coop, "description": "供电线路迁改（补充）"}
    )
    assert told(HandoffKind.PROBLEM_ASSIGNED) == {world.dept_user.pk: 1, people["colleague"].pk: 1, people["coop_user"].pk: 1}
    problem_update(actor=world.office_user, problem=problem, data={"responsible_dept": world.dept})
    assert told(HandoffKind.PROBLEM_ASSIGNED) == {world.dept_user.pk: 2, people["colleague"].pk: 2, people["coop_user"].pk: 1}


def test_an_instruction_names_the_leader_by_post_and_name(world, people):
    world.leader_user.last_name, world.leader_user.first_name = "王", "强"
    world.leader_user.save()
    project_comment_add(actor=world.leader_user, project=world.project, kind=CommentKind.INSTRUCTION, text="月底前完成征地")
    row = ReminderDelivery.objects.filter(step_key="handoff:instruction").first()
    assert render_message(row).title == "【领导批示】古罗大道｜常务副区长王强作出批示：月底前完成征地"
    assert row.context["actor"] == "常务副区长王强"
