"""/api/v1/scoring/: everyone signed in reads schemes and the board; only the office writes."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.scoring.models import AssessmentDeduction, AssessmentScheme
from apps.scoring.selectors import score_board
from tests.factories import DepartmentFactory, LeaderFactory, UserFactory
from tests.scoring.conftest import BAND, DEDUCT, RANK, RATIO, ROLE, TODAY, department_with, scheme_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def role_user(role: str):
    extra = {"department": {"department": DepartmentFactory()}, "leader": {"leader": LeaderFactory()}}.get(role, {})
    return UserFactory(role=role, **extra)


@pytest.mark.parametrize("role", ["office", "department", "leader", "viewer"])
def test_every_role_reads_schemes_with_items_and_the_board(role):
    scheme = scheme_with(RATIO, DEDUCT)
    department_with("100", "106")
    client = api(role_user(role))

    schemes = client.get("/api/v1/scoring/schemes/")
    assert schemes.status_code == 200
    assert [i["name"] for i in schemes.json()["results"][0]["items"]] == ["完成率", "扣分"]

    board = client.get(f"/api/v1/scoring/board/?scheme={scheme.pk}&period=month&year=2026&number=10")
    assert board.status_code == 200, board.json()
    row = board.json()["rows"][0]
    assert row["rank"] == 1
    assert row["total"] == "63.00"
    ratio = row["items"][0]
    assert ratio["score"] == "63.00"
    assert ratio["evidence"]["年初至今完成投资（万元）"] == "106"
    assert ratio["evidence"]["年度计划投资（万元）"] == "100"
    assert board.json()["label"] == "2026年10月"


@pytest.mark.parametrize("role", ["department", "leader", "viewer"])
def test_writes_are_403_for_everyone_but_the_office(role):
    scheme = scheme_with(RATIO)
    client = api(role_user(role))
    created = client.post("/api/v1/scoring/schemes/", {"year": 2030, "target_kind": "region", "name": "x"}, format="json")
    changed = client.patch(f"/api/v1/scoring/schemes/{scheme.pk}/", {"name": "改名"}, format="json")
    copied = client.post(f"/api/v1/scoring/schemes/{scheme.pk}/copy/", {"year": 2031}, format="json")
    assert (created.status_code, changed.status_code, copied.status_code) == (403, 403, 403)
    assert AssessmentScheme.objects.count() == 1


def test_the_office_creates_changes_and_copies_a_scheme(office):
    client = api(office)
    created = client.post("/api/v1/scoring/schemes/", {"year": 2030, "target_kind": "region", "name": "2030年乡镇考核"}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert client.patch(f"/api/v1/scoring/schemes/{pk}/", {"note": "说明"}, format="json").json()["note"] == "说明"
    again = client.post("/api/v1/scoring/schemes/", {"year": 2030, "target_kind": "region", "name": "重复"}, format="json")
    assert again.status_code == 400
    assert "该年度已有同类考核对象的考核方案" in str(again.json())
    copied = client.post(f"/api/v1/scoring/schemes/{pk}/copy/", {"year": 2031}, format="json")
    assert copied.status_code == 201
    assert copied.json()["name"] == "2031年乡镇考核"


def test_board_refuses_a_bad_period_and_an_unknown_scheme(office):
    scheme = scheme_with(RATIO)
    client = api(office)
    assert client.get(f"/api/v1/scoring/board/?scheme={scheme.pk}&period=quarter&number=5").status_code == 400
    assert client.get(f"/api/v1/scoring/board/?scheme={scheme.pk}&period=week").status_code == 400
    unknown = client.get("/api/v1/scoring/board/?scheme=999999")
    assert unknown.status_code == 400
    assert "考核方案（ID 999999）不存在" in unknown.json()["errors"]["scheme"][0]


def test_board_matches_the_selector(office):
    scheme = scheme_with(RATIO, BAND, RANK, ROLE, DEDUCT)
    for done in ("80", "106", "106", "140"):
        dept = department_with("100", done)
    AssessmentDeduction.objects.create(scheme=scheme, department=dept, date=dt.date(2026, 2, 1), points=D(3), reason="通报")
    rows = api(office).get(f"/api/v1/scoring/board/?scheme={scheme.pk}&period=year").json()["rows"]
    expected = score_board(scheme, period_kind="year", today=TODAY)
    assert [(r["target_id"], r["rank"], D(r["total"])) for r in rows] == [(r.target_id, r.rank, r.total) for r in expected]


def _board_queries(n: int, scheme, client) -> int:
    for i in range(n):
        department_with("100", str(100 + i))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/api/v1/scoring/board/?scheme={scheme.pk}&period=quarter&number=4").status_code == 200
    return len(ctx.captured_queries)


def test_board_and_list_query_counts_do_not_grow(office):
    scheme = scheme_with(RATIO, RANK, ROLE, DEDUCT)
    client = api(office)
    assert _board_queries(2, scheme, client) == _board_queries(8, scheme, client)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/scoring/schemes/")
    for year in range(2030, 2040):
        scheme_with(RATIO, DEDUCT, year=year)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/scoring/schemes/")
    assert len(one.captured_queries) == len(many.captured_queries)
