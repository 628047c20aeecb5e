"""驾驶舱: figures against the plan, lights, overdue items by department and leader, charts' data;
the same number of queries for 2 projects as for 12."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Role
from tests.web.conftest import add_portfolio

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today", "reference")]


def _chart(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="dashboard-data" type="application/json">') + len('<script id="dashboard-data" type="application/json">')
    return json.loads(html[start : html.index("</script>", start)])


def test_dashboard_shows_the_portfolio_against_plan(signed_in, office):
    add_portfolio(3)
    response = signed_in(office).get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "驾驶舱 · 2026年10月" in html  # the latest report period, as the statistics default to
    assert "年度计划投资" in html
    assert "序时进度" in html
    # 3 × 100 万元 completed of 3 × 1 200 万元 planned: 8.3 %, against 序时进度 10/12 = 83.3 %.
    assert "8.3%" in html
    assert "83.3%" in html
    chart = _chart(response)
    # 3 plans × 100 万元 planned in October, 3 approved October reports × 100 万元.
    assert chart["plan"][9] == 300.0
    assert chart["completed"][9] == 300.0
    assert chart["completed_cumulative"][11] == 300.0
    # Each project: its milestone planned on 1 November, and the unfiled reports of January to
    # September (October's is approved) — 10 red items, all under its own lead department.
    assert sorted(chart["department_red"]) == [10, 10, 10]
    assert "echarts.min.js" in html
    assert "cdn" not in html.lower()


def test_dashboard_ignores_a_bad_period(signed_in, office):
    response = signed_in(office).get("/dashboard/?year=abc&month=13")
    assert response.status_code == 200
    assert "2026年10月" in response.content.decode()


def test_dashboard_needs_a_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


@pytest.mark.parametrize("role", [Role.PORTFOLIO_OFFICE, Role.VIEWER])
def test_slash_is_the_dashboard_for_office_and_viewer(signed_in, role):
    from tests.factories import UserFactory

    response = signed_in(UserFactory(role=role)).get("/")
    assert response.status_code == 302
    assert response.url == "/dashboard/"


def test_slash_is_the_list_for_leaders_and_departments(signed_in, leader_user, dept_user):
    assert signed_in(leader_user).get("/").url == "/my/"
    assert signed_in(dept_user).get("/").url == "/my/"


def test_dashboard_query_count_does_not_grow_with_the_portfolio(signed_in, office):
    client = signed_in(office)
    add_portfolio(2)
    client.get("/dashboard/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/dashboard/").status_code == 200
    add_portfolio(10)
    client.get("/dashboard/")  # the new projects' statistics rows stored (apps.stats.live), as for `few`
    with CaptureQueriesContext(connection) as many:
        assert client.get("/dashboard/").status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_dashboard_shows_the_year_on_year_growth(signed_in, office):
    from decimal import Decimal

    from apps.progress.models import HistoricalCompletion
    from apps.projects.models import Project

    add_portfolio(2)
    response = signed_in(office).get("/dashboard/?year=2026&month=10")
    assert "完成投资同比" in response.content.decode()
    for project in Project.objects.all():  # 2 × 100 万元 completed in 2026, 2 × 80 万元 in the same months of 2025
        HistoricalCompletion.objects.create(project=project, year=2025, month=10, completed=Decimal("80"))
    html = signed_in(office).get("/dashboard/?year=2026&month=10").content.decode()
    assert "上年同期 0.02 亿元" in html
    assert "25.0%" in html


def test_dashboard_lists_the_units_with_most_items_and_counts_every_one(signed_in, office, monkeypatch):
    from apps.stats.web import dashboard

    monkeypatch.setattr(dashboard, "TABLE_ROWS", 2)
    add_portfolio(3)  # three lead departments, 10 red items each
    response = signed_in(office).get("/dashboard/")
    html = response.content.decode()
    assert len(_chart(response)["department_red"]) == 2
    assert "共 3 个单位有逾期或临期事项，此处列出最多的 2 个" in html
    assert html.count('data-label="责任单位"') == 2
    assert "全部单位排名" in html
