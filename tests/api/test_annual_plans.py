"""/api/v1/annual-plans/: a plan is created once; changing it is 调整计划 with If-Match and a reason,
and leaves a history row (apps/projects/plans.py)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from apps.projects.models import AnnualPlan
from tests.api.world import build_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def world():
    world = build_world()
    AnnualPlan.objects.filter(project=world.own).update(annual_plan=Decimal("12000"))
    return world


@pytest.fixture
def office(world):
    return world.client("office")


def _plan(world) -> AnnualPlan:
    return AnnualPlan.objects.get(project=world.own, year=2026)


def test_posting_a_plan_for_a_year_that_has_one_is_refused_and_changes_nothing(world, office):
    # The finding: this POST turned 12 000 万元 into 1.00 万元, silently, with no trail.
    response = office.post(
        "/api/v1/annual-plans/",
        {"project": world.own.pk, "year": 2026, "annual_role": "new", "annual_plan": "1.00"},
        format="json",
    )
    assert response.status_code == 400, response.content[:300]
    assert "已有年度计划" in response.json()["errors"]["year"][0]
    plan = _plan(world)
    assert (plan.annual_plan, plan.annual_role, plan.revision) == (Decimal("12000"), "cont", 1)


def test_an_adjustment_without_if_match_is_428_in_chinese(world, office):
    url = f"/api/v1/annual-plans/{_plan(world).pk}/"
    for headers in ({}, {"HTTP_IF_MATCH": "*"}):
        response = office.patch(url, {"annual_plan": "1.00", "reason": "试"}, format="json", **headers)
        assert response.status_code == 428
        assert CHINESE.search(response.json()["message"])
    assert _plan(world).annual_plan == Decimal("12000")


def test_a_stale_if_match_is_refused_in_chinese_and_changes_nothing(world, office):
    url = f"/api/v1/annual-plans/{_plan(world).pk}/"
    etag = office.get(url)["ETag"]
    first = office.patch(url, {"annual_plan": "11000.00", "reason": "调度会调减"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first.json()["revision"] == 2
    stale = office.patch(url, {"annual_plan": "1.00", "reason": "旧版本"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    body = stale.json()
    assert body["message"] == "数据已被他人修改，请刷新后重试。"
    assert body["current"]["annual_plan"] == "11000.00"
    assert body["etag"] != etag
    assert _plan(world).annual_plan == Decimal("11000")


def test_an_adjustment_needs_a_reason(world, office):
    url = f"/api/v1/annual-plans/{_plan(world).pk}/"
    response = office.patch(url, {"annual_plan": "1.00"}, format="json", HTTP_IF_MATCH=office.get(url)["ETag"])
    assert response.status_code == 400
    assert "调整原因" in response.json()["errors"]["reason"][0]
    assert _plan(world).annual_plan == Decimal("12000")


def test_an_adjustment_is_kept_in_history_with_who_and_why(world, office):
    url = f"/api/v1/annual-plans/{_plan(world).pk}/"
    response = office.patch(
        url,
        {"annual_plan": "10000.00", "reason": "征拆滞后，调减", "monthly_targets": [{"month": 6, "plan_investment": "900.00"}]},
        format="json",
        HTTP_IF_MATCH=office.get(url)["ETag"],
    )
    assert response.status_code == 200, response.content[:300]
    assert response.json()["monthly_targets"] == [{"month": 6, "plan_investment": "900.00", "node_target": ""}]
    latest = _plan(world).history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason, latest.annual_plan) == (
        world.users["office"],
        "征拆滞后，调减",
        Decimal("10000"),
    )


def test_a_plan_for_a_new_year_is_created_with_its_history(world, office):
    response = office.post(
        "/api/v1/annual-plans/", {"project": world.own.pk, "year": 2027, "annual_role": "cont", "annual_plan": "800.00"}, format="json"
    )
    assert response.status_code == 201
    plan = AnnualPlan.objects.get(pk=response.json()["id"])
    assert plan.history.get().history_user == world.users["office"]
