"""The due-item registry is the only place that says what is due: the overdue list, every leader's
list, the leader digest and the reminder sweep's candidates agree item for item on one portfolio
and one date."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.core import due
from apps.lights.overdue import DueItemPage, due_items
from apps.lights.selectors import light_context
from apps.organization.models import Leader
from apps.reminders.models import ReminderRule, Subject
from apps.reminders.schedule import item_timing
from apps.reminders.selectors import iter_pages
from apps.reminders.services.common import load_calendar
from apps.reminders.services.digest import leader_digests_send
from apps.reminders.services.sweep import rule_candidates
from tests.conftest import load_demo

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOADED = dt.datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
# A Thursday: November's report (due 12-05, a Saturday) is due soon, October's is overdue-free.
TODAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def portfolio(db):
    with time_machine.travel(LOADED, tick=False):
        load_demo()


def _key(item) -> tuple:
    return (item.type, item.id, item.due_date)


def test_overdue_list_leader_lists_digest_and_sweep_agree_item_for_item(portfolio):
    # given the demo portfolio and a date
    ctx = light_context(today=TODAY)
    everything = due_items(ctx=ctx)
    kinds = {i.type for i in everything}
    assert kinds == set(due.kinds()), kinds  # the demo has items of every kind on this date
    assert any(i.days_overdue for i in everything)
    assert any(i.days_left for i in everything)
    by_key = {_key(i): i for i in everything}
    assert len(by_key) == len(everything)

    # then every leader's list is the overdue list's items that belong to the leader
    leaders = list(Leader.objects.values_list("pk", flat=True))
    for leader in leaders:
        mine = due_items(ctx=ctx, leader=leader)
        assert [_key(i) for i in mine] == [_key(i) for i in everything if leader in i.leader_ids]
        for item in mine:
            assert item == by_key[_key(item)]

    # and the digest of each leader (every leader given an account) lists the same items, due dates and working days
    from apps.accounts.models import Role, User

    for leader in leaders:
        if not User.objects.filter(leader_id=leader).exists():
            User.objects.create(username=f"leader-{leader}", role=Role.LEADER, leader_id=leader)
    with time_machine.travel(NOW, tick=False):
        digest = leader_digests_send(now=NOW, dry_run=True, force=True)
    seen_leaders = set()
    for planned in digest.planned:
        if planned.channel != "in_app":
            continue
        leader = planned.object_id
        seen_leaders.add(leader)
        got = sorted(
            (entry["link"], entry["due_date"], entry.get("overdue_days", entry.get("remaining_days")))
            for groups in (planned.context["overdue_groups"], planned.context["due_soon_groups"])
            for group in groups
            for entry in group["items"]
        )
        want = sorted(
            (i.link, i.due_date.isoformat(), i.working_days_overdue or i.working_days_left) for i in everything if leader in i.leader_ids
        )
        assert got == want
    assert seen_leaders == {i for i in leaders if any(i in item.leader_ids for item in everything)}
    assert len(seen_leaders) > 1

    # and the sweep reads exactly these items, with the same due dates and working days
    calendar = load_calendar(today=TODAY)
    swept = {}
    for rule in ReminderRule.objects.exclude(subject=Subject.DIGEST).prefetch_related("steps"):
        steps = list(rule.steps.all())
        sources, index = rule_candidates(rule, steps, today=TODAY, calendar=calendar)
        for source in sources:
            for page in iter_pages(source, 100):
                for row in page:
                    timing = item_timing(steps, due=row["due"], today=TODAY, index=index)
                    swept[(rule.subject, row["id"], row["due"])] = timing
    assert set(swept) == set(by_key)
    for key, timing in swept.items():
        item = by_key[key]
        assert (timing.overdue, max(0, timing.remaining)) == (item.working_days_overdue, item.working_days_left), key


def test_due_soon_items_carry_days_left_and_never_a_negative_overdue(portfolio):
    items = due_items(ctx=light_context(today=TODAY))
    soon = [i for i in items if i.due_date >= TODAY]
    late = [i for i in items if i.due_date < TODAY]
    assert soon
    assert late
    for i in soon:
        assert (i.days_overdue, i.working_days_overdue) == (0, 0)
        assert i.days_left == (i.due_date - TODAY).days
    for i in late:
        assert (i.days_left, i.working_days_left) == (0, 0)
        assert i.days_overdue == (TODAY - i.due_date).days > 0
        assert i.working_days_overdue >= 0


def test_a_settled_item_is_no_longer_due_and_its_reminder_is_moot(portfolio):
    from apps.milestones.models import Milestone, MilestoneStatus
    from apps.reminders.models import ReminderDelivery
    from apps.reminders.services.delivery import item_is_settled

    ctx = light_context(today=TODAY)
    item = next(i for i in due_items(ctx=ctx) if i.type == "milestone")
    reminder = ReminderDelivery(subject=Subject.MILESTONE, object_id=item.id, due_date=item.due_date)
    assert not item_is_settled(reminder)
    Milestone.objects.filter(pk=item.id).update(status=MilestoneStatus.DONE, actual_date=TODAY)
    assert item_is_settled(reminder)
    assert _key(item) not in {_key(i) for i in due_items(ctx=ctx)}


def test_a_withdrawn_project_has_nothing_due_of_any_kind_and_only_the_office_withdraws(portfolio):
    from django.core.exceptions import PermissionDenied

    from apps.accounts.models import User
    from apps.projects.models import PoolStage, Project
    from apps.projects.services import project_update

    ctx = light_context(today=TODAY)
    project_id = next(i.project_id for i in due_items(ctx=ctx) if i.type == "start")
    project = Project.objects.get(pk=project_id)
    kinds = {i.type for i in due_items(ctx=ctx) if i.project_id == project_id}
    assert "start" in kinds
    from apps.projects.models import ProjectResponsibility, ResponsibilityRole

    lead = ProjectResponsibility.objects.filter(project=project, role=ResponsibilityRole.LEAD_DEPT).first().department
    department = User.objects.create(username="lead-dept-user", role="department", department=lead)
    with pytest.raises(PermissionDenied, match="只有项目办可以调整库阶段"):
        project_update(actor=department, project=project, data={"pool_stage": PoolStage.WITHDRAWN})
    project_update(actor=User.objects.get(username="xmb"), project=project, data={"pool_stage": PoolStage.WITHDRAWN})
    assert not [i for i in due_items(ctx=ctx) if i.project_id == project_id]


def test_the_project_list_overdue_filter_counts_every_kind(portfolio):
    from apps.lights.lists import project_list
    from apps.projects.filters import ProjectFilter

    ctx = light_context(today=TODAY)
    late = {i.project_id for i in due_items(ctx=ctx) if i.days_overdue > 0 and i.project_id}
    qs = project_list(user=None, today=TODAY)
    flagged = set(ProjectFilter({"overdue": "true"}, queryset=qs).qs.values_list("pk", flat=True))
    assert flagged == late


def test_an_unfiled_report_stays_overdue_when_the_month_turns(portfolio):
    def october(day):
        return {i.id for i in due_items(ctx=light_context(today=day), item_type="report") if i.title == "2026年10月月报未报送"}

    before = october(dt.date(2026, 11, 30))
    assert before
    assert october(dt.date(2026, 12, 1)) == before
    assert october(dt.date(2026, 12, 31)) == before


def test_a_kind_switched_off_in_its_warning_rule_is_due_for_nobody(portfolio):
    from apps.lights.models import RuleCode, WarningRule

    WarningRule.objects.filter(code=RuleCode.START_DUE).update(enabled=False)
    assert not [i for i in due_items(ctx=light_context(today=TODAY)) if i.type == "start"]
    rule = ReminderRule.objects.get(subject=Subject.START)
    sources, _index = rule_candidates(rule, list(rule.steps.all()), today=TODAY, calendar=load_calendar(today=TODAY))
    assert sources == []


def test_the_paged_overdue_list_is_the_full_list_cut_into_pages(portfolio, django_assert_max_num_queries):
    # given the demo portfolio, whose items of every kind span red and yellow
    ctx = light_context(today=TODAY)
    leader = Leader.objects.order_by("pk").values_list("pk", flat=True).first()
    for narrowing in ({}, {"light": "red"}, {"light": "yellow"}, {"light": "green"}, {"leader": leader}, {"item_type": "report"}):
        everything = due_items(ctx=ctx, **narrowing)
        page = DueItemPage(ctx=ctx, **narrowing)
        # then it counts the same items in the database
        assert page.count() == len(everything), narrowing
        # and any window of it is the same items, in the same order, with the same figures
        for start, stop in ((0, 20), (7, 13), (len(everything) - 5, len(everything) + 5)):
            with django_assert_max_num_queries(7):  # keys, rows, departments, leaders, 包保领导, calendar (2)
                assert page[max(start, 0) : stop] == everything[max(start, 0) : stop], (narrowing, start)
