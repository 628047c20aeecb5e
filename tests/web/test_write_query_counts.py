"""One write of each editable model through the pages: at most 15 statements, sign-in included
(issue 20). Each form is opened first, as a user does, and posted back with what it showed (the
hidden version too) and one field changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.lights.services import light_table_rebuild
from apps.milestones.models import MilestoneStatus
from apps.projects.models import AnnualPlan
from tests.api.world import build_world, items_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

WRITE_BUDGET = 15


def posted(form) -> dict:
    """What the browser sends back for a form as it was shown."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or (isinstance(value, bool) and not value):
            continue
        data[name] = value.isoformat() if isinstance(value, dt.date) else value
    return data


@pytest.fixture
def world():
    world = build_world()
    world.items = items_for(world.own, world.dept_a)
    light_table_rebuild()  # as `manage.py seed` leaves it: the stored due items' light days
    return world


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cases(world) -> dict:
    plan = AnnualPlan.objects.get(project=world.own, year=2026)
    return {
        # page: (who, url, field changed, value, extra fields posted)
        "project": ("office", f"/projects/{world.own.pk}/edit/", "remarks", "调度会后更新", {}),
        "land": ("department", f"/land/{world.items['land'].pk}/", "acquired_area_mu", "60", {}),
        "report": ("department", f"/reports/{world.items['draft'].pk}/", "next_plan", "完成主体", {"action": "save"}),
        "plan": ("office", f"/plans/{plan.pk}/adjust/", "annual_goal", "主体完工", {"reason": "调度会调整"}),
        "problem": (
            "department",
            f"/projects/{world.own.pk}/problems/new/",
            "description",
            "资金缺口待协调",
            {"category": "land", "deadline": "2026-12-31"},
        ),
        "milestone": (
            "department",
            f"/milestones/{world.items['milestone'].pk}/complete/",
            "doc_number",
            "住建审〔2026〕1号",
            {"actual_date": "2026-11-20", "confirm": "on"},
        ),
        "comment": ("leader", f"/projects/{world.own.pk}/comments/new/", "text", "请加快进度", {"kind": "instruction"}),
    }


@pytest.mark.parametrize("page", ["project", "land", "report", "plan", "problem", "milestone", "comment"])
def test_one_write_through_a_page_takes_at_most_15_statements(world, page):
    who, url, field, value, extra = _cases(world)[page]
    client = client_for(world.users[who])
    shown = client.get(url)
    assert shown.status_code == 200, shown.content.decode()[:500]
    data = {**posted(shown.context["form"]), **extra, field: value}

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert len(queries) <= WRITE_BUDGET, "\n".join(q["sql"][:160] for q in queries.captured_queries)
    if page == "milestone":
        world.items["milestone"].refresh_from_db()
        assert world.items["milestone"].status == MilestoneStatus.DONE
