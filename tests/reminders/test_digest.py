"""The 包保 leaders' weekly digest: once per leader per week, overdue first (oldest first), then due
soon, grouped by project; nothing when the list is empty; on the week's first working day."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from apps.projects.models import ResponsibilityRole
from apps.reminders.models import ReminderDelivery, Subject
from apps.reminders.services import delivery_send, leader_digests_send
from tests.factories import LeaderFactory, MilestoneFactory, ProblemFactory, ProjectFactory, ProjectResponsibilityFactory, UserFactory

from .conftest import at

pytestmark = pytest.mark.django_db

D = dt.date


def digest_on(day: dt.date, hour: int = 10):
    with time_machine.travel(at(day, hour), tick=False):
        return leader_digests_send()


@pytest.fixture
def portfolio(world):
    # a second project of the same leader: one older overdue milestone and one due soon
    other = ProjectFactory(name="罗依溪220千伏输变电站")
    ProjectResponsibilityFactory(project=other, role=ResponsibilityRole.LEAD_LEADER, leader=world.leader)
    MilestoneFactory(project=other, name="用地预审", planned_date=D(2025, 9, 30), responsible_dept=world.dept)
    MilestoneFactory(project=other, name="施工图审查", planned_date=D(2025, 10, 24), responsible_dept=world.dept)
    # a problem the leader coordinates on somebody else's project
    ProblemFactory(
        description="征地补偿款未到位",
        coordinating_leader=world.leader,
        responsible_dept=world.dept,
        raised_on=D(2025, 9, 1),
        deadline=D(2025, 10, 15),
    )
    # a closed item and a far-away item are left out
    MilestoneFactory(project=other, name="远期节点", planned_date=D(2026, 3, 1))
    return world


def test_each_leader_gets_one_digest_per_week_on_monday(portfolio):
    result = digest_on(D(2025, 10, 20))
    assert result.created == 2  # in-app and e-mail
    assert digest_on(D(2025, 10, 20), 11).created == 0
    assert digest_on(D(2025, 10, 21)).ran is False  # Tuesday: not the week's first working day
    rows = ReminderDelivery.objects.filter(subject=Subject.DIGEST)
    assert {(r.user.username, r.channel, r.due_date) for r in rows} == {
        ("cwfqz", "in_app", D(2025, 10, 20)),
        ("cwfqz", "email", D(2025, 10, 20)),
    }


def test_the_digest_lists_overdue_oldest_first_then_due_soon_grouped_by_project(portfolio):
    digest_on(D(2025, 10, 20))
    ctx = ReminderDelivery.objects.filter(subject=Subject.DIGEST).first().context
    assert [(g["project"], [i["title"] for i in g["items"]]) for g in ctx["overdue_groups"]] == [
        ("罗依溪220千伏输变电站", ["用地预审"]),
        ("古罗大道", ["施工许可"]),
        (ctx["overdue_groups"][2]["project"], ["征地补偿款未到位"]),
    ]
    # 09-30 → 10-20: the holiday does not count, the make-up Saturday 10-11 does
    assert ctx["overdue_groups"][0]["items"][0]["overdue_days"] == 9
    assert [(g["project"], [i["title"] for i in g["items"]]) for g in ctx["due_soon_groups"]] == [("罗依溪220千伏输变电站", ["施工图审查"])]
    assert (ctx["overdue_count"], ctx["due_soon_count"]) == (3, 1)


def test_the_digest_email_reads_as_a_chinese_report(portfolio):
    digest_on(D(2025, 10, 20))
    row = ReminderDelivery.objects.get(subject=Subject.DIGEST, channel="email")
    assert delivery_send(delivery_id=row.pk, now=at(D(2025, 10, 20))).status == "sent"
    message = mail.outbox[0]
    assert message.subject == "【包保项目周报】常务副区长：逾期3项，临期1项"
    assert message.body.index("一、逾期事项") < message.body.index("二、临期事项")
    assert "施工图审查" in message.alternatives[0][0]


def test_a_monday_holiday_moves_the_digest_to_the_first_working_day_of_the_week(portfolio):
    assert digest_on(D(2025, 10, 6)).ran is False  # National Day holiday
    assert digest_on(D(2025, 10, 9)).created == 2  # Thursday, first working day of that week


def test_nothing_is_sent_to_a_leader_with_nothing_overdue_or_due_soon(world):
    idle = LeaderFactory(position="分管农业副区长")
    UserFactory(username="nyfqz", role="leader", leader=idle, email="nyfqz@example.gov.cn")
    digest_on(D(2025, 10, 20))
    assert not ReminderDelivery.objects.filter(user__username="nyfqz").exists()


def test_a_completed_week_has_no_digest_when_everything_is_done(world):
    world.milestone.status = "done"
    world.milestone.actual_date = D(2025, 10, 13)
    world.milestone.save()
    assert digest_on(D(2025, 10, 20)).created == 0
