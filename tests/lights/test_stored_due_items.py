"""Stored due items (apps.lights.services) against the registry's live answer and `item_light`."""

import datetime as dt
import logging

import pytest
from django.db import transaction

from apps.core.due import DueKindCode, kinds
from apps.lights.models import DueItem, RuleCode, WarningRule
from apps.lights.selectors import item_light, light_context
from apps.lights.services import FAR_FUTURE, NEVER, Drift, due_items_check, due_items_refresh
from apps.lights.tasks import refresh_due_items_task
from apps.milestones.models import Milestone, MilestoneStatus
from apps.workcalendar.models import CalendarDay, DayKind
from tests.lights.conftest import DEMO_DAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_on_its_day):
    return demo_on_its_day


def stored_lights(today: dt.date) -> dict[tuple, str]:
    """Every stored item lit on `today`, by key, read from its two days alone."""
    lit = {}
    for item in DueItem.objects.filter(yellow_from__lte=today):
        lit[(item.kind, item.object_id, item.due)] = "red" if today >= item.red_from else "yellow"
    return lit


def live_lights(today: dt.date) -> dict[tuple, str]:
    """What the lists and the lights compute at request time: the items due by each kind's limit,
    each with `item_light`."""
    ctx = light_context(today=today)
    lit = {}
    for code, kind in kinds().items():
        if not ctx.windows[code].enabled:
            continue
        for source in kind.sources(today=today, until=ctx.limits[code], due_day=ctx.report_due_day, index=ctx.index):
            for row in source:
                light = item_light(code, row["due"], ctx)
                assert light != "green", (code, row)  # every item the lists show is lit
                lit[(code, row["id"], row["due"])] = light.value
    return lit


# Month ends, a report deadline moved by a weekend, the National Day week, and a January/February
# with no calendar for 2027 (Monday to Friday).
DAYS = [
    dt.date(2026, 9, 29),
    dt.date(2026, 10, 1),
    dt.date(2026, 10, 8),
    dt.date(2026, 10, 12),
    dt.date(2026, 11, 2),
    dt.date(2026, 11, 6),
    dt.date(2026, 11, 10),
    dt.date(2026, 11, 11),
    DEMO_DAY,
    dt.date(2026, 11, 30),
    dt.date(2026, 12, 1),
    dt.date(2026, 12, 7),
    dt.date(2026, 12, 11),
    dt.date(2026, 12, 31),
    dt.date(2027, 1, 1),
    dt.date(2027, 1, 6),
    dt.date(2027, 2, 12),
    dt.date(2027, 4, 1),
]


def test_every_stored_item_lights_as_the_live_computation_on_every_day(demo):
    seen_colours, seen_kinds = set(), set()
    for day in DAYS:
        with at(day):
            due_items_refresh(today=day)
            stored, live = stored_lights(day), live_lights(day)
            assert stored == live, day
            seen_colours.update(stored.values())
            seen_kinds.update(kind for kind, *_ in stored)
    assert seen_colours == {"red", "yellow"}
    assert seen_kinds == set(kinds())


def test_the_rows_are_the_registry_s_open_items_with_their_people(demo):
    with at(DEMO_DAY):
        # The demo's seed stored them: nothing to add.
        assert due_items_refresh(today=DEMO_DAY) == Drift()
        rows = {(i.kind, i.object_id, i.due): i for i in DueItem.objects.all()}
        assert rows
        for code, kind in kinds().items():
            for source in kind.sources(today=DEMO_DAY, until=FAR_FUTURE, due_day=5):
                for row in source:
                    item = rows.pop((code, row["id"], row["due"]))
                    assert (item.project_id, item.department_id, item.leader_id, item.own_leader_id) == (
                        row["project_ref"],
                        row["dept_ref"],
                        row["leader_ref"],
                        row["own_leader_ref"],
                    )
        assert rows == {}
        # A second pass over unchanged data changes nothing.
        assert due_items_refresh(today=DEMO_DAY) == Drift()


def test_a_settled_item_leaves_and_a_moved_one_is_corrected_for_its_project_only(demo):
    with at(DEMO_DAY):
        due_items_refresh(today=DEMO_DAY)
        open_ms = Milestone.objects.filter(pk__in=DueItem.objects.filter(kind=DueKindCode.MILESTONE).values("object_id"))
        done, moved = open_ms[0], open_ms.exclude(project=open_ms[0].project)[0]
        Milestone.objects.filter(pk=done.pk).update(status=MilestoneStatus.DONE, actual_date=DEMO_DAY)
        Milestone.objects.filter(pk=moved.pk).update(planned_date=DEMO_DAY + dt.timedelta(days=400))
        assert due_items_refresh(today=DEMO_DAY, project_ids=[done.project_id]) == Drift(removed=1)
        assert not DueItem.objects.filter(kind=DueKindCode.MILESTONE, object_id=done.pk).exists()
        # The other project's row is untouched until its own refresh.
        assert DueItem.objects.filter(kind=DueKindCode.MILESTONE, object_id=moved.pk, due=moved.planned_date).exists()
        assert due_items_refresh(today=DEMO_DAY, project_ids=[moved.project_id]) == Drift(added=1, removed=1)
        item = DueItem.objects.get(kind=DueKindCode.MILESTONE, object_id=moved.pk)
        assert item.due == DEMO_DAY + dt.timedelta(days=400)
        assert item.yellow_from > DEMO_DAY


def test_a_switched_off_rule_stores_items_that_never_light(demo):
    with at(DEMO_DAY):
        WarningRule.objects.filter(code=RuleCode.MILESTONE_DUE).update(enabled=False)
        due_items_refresh(today=DEMO_DAY)
        milestones = DueItem.objects.filter(kind=DueKindCode.MILESTONE)
        assert milestones.exists()
        assert not milestones.exclude(yellow_from=NEVER, red_from=NEVER).exists()
        assert stored_lights(DEMO_DAY) == live_lights(DEMO_DAY)


def test_the_nightly_check_finds_no_drift_and_opens_the_new_month_s_reports(demo, caplog):
    with at(dt.date(2026, 11, 30)):
        due_items_refresh()
    with at(dt.date(2026, 12, 1)), caplog.at_level(logging.WARNING, logger="apps.lights.services"):
        before = set(DueItem.objects.filter(kind=DueKindCode.REPORT).values_list("due", flat=True))
        assert due_items_check() == Drift()
        after = set(DueItem.objects.filter(kind=DueKindCode.REPORT).values_list("due", flat=True))
        assert after - before  # December's report period opened with the month
        assert "不一致" not in caplog.text
        assert stored_lights(dt.date(2026, 12, 1)) == live_lights(dt.date(2026, 12, 1))


def test_the_nightly_check_repairs_and_reports_drift(demo, caplog):
    with at(DEMO_DAY):
        due_items_refresh()
        victim = DueItem.objects.filter(kind=DueKindCode.MILESTONE).first()
        DueItem.objects.filter(pk=victim.pk).update(red_from=victim.red_from + dt.timedelta(days=30))
        DueItem.objects.filter(kind=DueKindCode.PROBLEM).first().delete()
    with at(DEMO_DAY + dt.timedelta(days=1)), caplog.at_level(logging.WARNING, logger="apps.lights.services"):
        assert due_items_check() == Drift(added=1, changed=1)
        assert "到期事项与实时计算结果不一致，已修正：新增1条，删除0条，更正1条。" in caplog.text
        assert stored_lights(DEMO_DAY + dt.timedelta(days=1)) == live_lights(DEMO_DAY + dt.timedelta(days=1))


@pytest.mark.django_db(transaction=True)
def test_a_rule_or_calendar_edit_recomputes_the_light_days_once_it_commits(demo, settings, monkeypatch):
    settings.DUE_ITEMS_REFRESH_ON_EDIT = True
    # The task runs in-process when published (Celery's own local `apply`), counted.
    runs = []

    def run_here(*args, **kwargs):
        runs.append(kwargs)
        return refresh_due_items_task.apply()

    monkeypatch.setattr(refresh_due_items_task, "apply_async", run_here)
    with at(DEMO_DAY):
        due_items_refresh()
        rule = WarningRule.objects.get(code=RuleCode.MILESTONE_DUE)
        with transaction.atomic():
            rule.due_soon_working_days = 15
            rule.save()
            rule.save()  # twice in one transaction: published once
            # Not before the edit commits.
            assert stored_lights(DEMO_DAY) != live_lights(DEMO_DAY)
        assert len(runs) == 1
        assert stored_lights(DEMO_DAY) == live_lights(DEMO_DAY)
        # A working Monday made a holiday moves the yellow day of items due after it.
        holiday = dt.date(2026, 12, 14)
        before = dict(DueItem.objects.filter(due__gt=holiday).values_list("pk", "yellow_from"))
        CalendarDay.objects.update_or_create(date=holiday, defaults={"kind": DayKind.HOLIDAY, "name": "测试假日"})
        after = dict(DueItem.objects.filter(due__gt=holiday).values_list("pk", "yellow_from"))
        assert len(runs) == 2
        assert before != after
        assert stored_lights(DEMO_DAY) == live_lights(DEMO_DAY)
