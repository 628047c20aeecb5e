"""The overdue list and a leader's list read the stored due items when they were brought to the day
asked for (apps.lights.overdue), and answer exactly as the registry's live computation: the same
items, in the same order, with the same lights, days and links, for every narrowing (issue 21)."""

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.due import kinds
from apps.lights.models import DueItem, DueItemsDay
from apps.lights.overdue import DueItemPage, due_items, stored_answers
from apps.lights.selectors import LightContext, light_context, project_ranks
from apps.lights.services import due_items_refresh
from apps.organization.models import Region
from apps.projects.models import Project, ProjectResponsibility, ResponsibilityRole
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


def stored_days() -> Iterator[LightContext]:
    """Each of DAYS, the clock on it and the rows brought to it: its light context, which reads them."""
    for day in DAYS:
        with at(day):
            due_items_refresh(today=day)
            ctx = light_context(today=day)
            assert stored_answers(ctx)
            yield ctx


def test_the_lists_from_the_stored_rows_are_the_live_lists_on_every_day(demo):
    shown = 0
    for ctx in stored_days():
        day = ctx.today
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
            lit = (sum(i.light == "red" for i in stored), sum(i.light == "yellow" for i in stored))
            assert page.light_counts() == by_hand.light_counts() == lit, (day, narrowing)
            red = page._stored_counts()[1]  # and the page where red turns yellow (two reads)
            for window in (slice(0, 20), slice(20, 40), slice(max(0, len(stored) - 5), len(stored)), slice(max(0, red - 3), red + 3)):
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
        total, red = DueItemPage(ctx=light_context(today=DEMO_DAY))._stored_counts()
    assert 2 <= red < total
    # Red items, then yellow ones: a page within either is one ordered read, a page across the
    # turn from red to yellow two — whatever the page's size.
    within = statements(slice(0, 2))
    assert statements(slice(0, min(50, red))) == within
    assert statements(slice(red - 1, red + 1)) == statements(slice(max(red - 48, 0), red + 2)) == within + 1


def live_context(day: dt.date):
    # As when the rows were not brought to the day: every source, live.
    return dataclasses.replace(light_context(today=day), stored_as_of=None)


def test_project_lights_from_the_stored_rows_are_the_live_lights_on_every_day(demo):
    lit = 0
    for ctx in stored_days():
        day = ctx.today
        stored, live = project_ranks(ctx), project_ranks(live_context(day))
        assert stored == live, day
        lit += len(stored.red) + len(stored.yellow)
        # And for some projects only (a page, a dossier, one region's export).
        some = sorted(stored.red)[:3] + sorted(stored.yellow)[:3] + [Project.objects.order_by("-id").values_list("id", flat=True)[0]]
        assert project_ranks(ctx, some) == project_ranks(live_context(day), some), day
        region = Project.objects.filter(region__isnull=False).order_by("id").values_list("region_id", flat=True)[0]
        mine = Project.objects.filter(region_id=region).values("pk")
        assert project_ranks(ctx, mine) == project_ranks(live_context(day), mine), day
    assert lit > 100


def test_stored_project_lights_cost_the_same_statements_whatever_the_portfolio(demo):
    with at(DEMO_DAY):
        due_items_refresh(today=DEMO_DAY)
        ctx = light_context(today=DEMO_DAY)
        with CaptureQueriesContext(connection) as queries:
            project_ranks(ctx)
        # The lit rows with 入库纳统, and the plans (investment, monthly target); whether the rows
        # answer came with the rules.
        assert len(queries) == 3, [q["sql"][:80] for q in queries]
        assert "lights_dueitem" in queries[0]["sql"]
        assert "projects_project" in queries[0]["sql"]
