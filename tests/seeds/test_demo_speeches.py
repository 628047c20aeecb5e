"""The demo agrees with itself and with the second speech: 续建 and 当年竣工 projects started before the
plan year, 当年竣工 ones finish in it, 新开工 ones start in it; 80 在建 projects and 30亿元 of annual plans
("确保80个在建重点项目年度完成投资30亿元左右，同比增长20%以上")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.lights.selectors import report_period
from apps.projects.models import AnnualPlan, AnnualRole
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_module, db):
    return None


def test_each_projects_dates_agree_with_its_role_in_the_plan_year(demo):
    year = report_period(timezone.localdate())[0]
    start_of_year = dt.date(year, 1, 1)
    plans = AnnualPlan.objects.filter(year=year).select_related("project")
    assert plans.count() > 80
    for plan in plans:
        p = plan.project
        if plan.annual_role in (AnnualRole.CONTINUING, AnnualRole.COMPLETING):
            assert p.planned_start < start_of_year, p.name
            assert p.actual_start is not None, p.name
            assert p.actual_start < start_of_year, p.name
            assert plan.resume_date is not None, p.name
            assert plan.resume_date.year == year, p.name
        if plan.annual_role == AnnualRole.COMPLETING:
            assert p.planned_finish.year == year, p.name
            assert plan.planned_finish_month == p.planned_finish.month, p.name
        if plan.annual_role == AnnualRole.CONTINUING:
            assert p.planned_finish.year > year, p.name
        if plan.annual_role == AnnualRole.NEW_START:
            assert p.planned_start.year == year, p.name
            assert p.actual_start is None or p.actual_start >= start_of_year, p.name


def test_the_summary_says_what_the_second_speech_says(demo):
    client = APIClient()
    client.force_authenticate(UserFactory(role="viewer"))
    body = client.get("/api/v1/stats/summary/").json()
    total = body["total"]
    assert total["under_construction"] == 80
    # "确保80个在建重点项目年度完成投资30亿元左右": the 80 在建 projects carry the 30亿; the plans of
    # projects not started yet come on top of it.
    assert (total["under_construction_plan"], total["under_construction_plan_yi"]) == ("300000.00", "30.0")
    assert Decimal(total["annual_plan"]) > Decimal("300000")
    assert Decimal("20") <= Decimal(total["yoy_growth"]) < Decimal("25")  # "同比增长20%以上", not a made-up leap
    assert body["speech"][2] == "在建重点项目80个，年度计划投资30.0亿元。"
