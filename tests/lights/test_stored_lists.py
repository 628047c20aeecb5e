"""The overdue list and a leader's list read the stored due items when they were brought to the day
asked for (apps.lights.overdue), and answer exactly as the registry's live computation: the same
items, in the same order, with the same lights, days and links, for every narrowing (issue 21)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.due import kinds
from apps.lights.models import DueItem, DueItemsDay
from apps.lights.overdue import DueItemPage, due_items, stored_answers
from apps.lights.selectors import light_context
from apps.lights.services import due_items_refresh
from apps.organization.models import Region
from apps.projects.models import ProjectResponsibility, ResponsibilityRole
from tests.lights.conftest import DEMO_DAY, at

pytestmark = pytest.mark.django_db

DAYS = [dt.date(2026, 10, 8), DEMO_DAY, dt.date(2026, 12, 1), dt.date(2026, 12, 7), dt.date(2027, 1, 6)]


@pytest.fixture
def demo(demo_on_its_day):
    return demo_on_its_day


def narrowings() -> list[dict]:
    leader = ProjectResponsibility.objects.filter(role=ResponsibilityRole.LEAD_LEADER).order_by("id").values_list("leader_id", flat=True)[0]
    department = DueItem.objects.exclude(department=None).order_by("id").values_list("department_id", flat=True)[0]
    county = Region.objects.filter(parent=None).order_by("id").values_list("id", flat=True)[0]
    township = Region.objects.exclude(parent=None).order_by("id").values_list("id", flat=True)[0]
    return [
        {},
        {"light": "red"},
        {"light": "yellow"},
        {"light": "green"},
        {"leader": leader},
        {"department": department},
        {"region": county},
        {"region": township},
        {"leader": leader, "light": "red"},
        *({"item_type": code} for code in kinds()),
    ]


def test_the_lists_from_the_stored_rows_are_the_live_lists_on_every_day(demo):
    shown = 0
    for day in DAYS:
        with at(day):
            due_items_refresh(today=day)
            ctx = light_context(today=day)
            assert stored_answers(ctx)
            for narrowing in narrowings():
                stored = due_items(ctx=ctx, **narrowing)
                live = due_items(ctx=ctx, until=dict(ctx.limits), **narrowing)  # `until` asks for the live path
                assert stored == live, (day, narrowing)
                shown += len(stored)
                page = DueItemPage(ctx=ctx, **narrowing)
                assert page.stored
                by_hand = DueItemPage(ctx=ctx, **narrowing)
                by_hand.stored = False
                assert page.count() == by_hand.count() == len(stored), (day, narrowing)
                for window in (slice(0, 20), slice(20, 40), slice(max(0, len(stored) - 5), len(stored))):
                    assert page[window] == by_hand[window], (day, narrowing, window)
    assert shown > 500


def test_rows_not_brought_to_the_day_are_not_read(demo):
    with at(DEMO_DAY):
        due_items_refresh(today=DEMO_DAY)
    day = DEMO_DAY + dt.timedelta(days=4)  # the nightly pass did not run: the rows are of 27 November
    with at(day):
        ctx = light_context(today=day)
        assert not stored_answers(ctx)
        assert DueItemsDay.objects.get().as_of == DEMO_DAY
        assert due_items(ctx=ctx) == due_items(ctx=ctx, until=dict(ctx.limits))
        # A day gone by is always computed live (items settled since count as open then).
        assert not stored_answers(light_context(today=DEMO_DAY, past=True))


def test_a_page_of_the_stored_list_costs_the_same_whatever_the_number_of_items(demo):
    def statements(window: slice) -> int:
        with at(DEMO_DAY):
            ctx = light_context(today=DEMO_DAY)
            with CaptureQueriesContext(connection) as queries:
                page = DueItemPage(ctx=ctx)
                page.count()
                page[window]
            return len(queries)

    with at(DEMO_DAY):
        due_items_refresh(today=DEMO_DAY)
    small = statements(slice(0, 2))
    assert statements(slice(0, 50)) == small
