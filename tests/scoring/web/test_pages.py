"""/scoring/: the ranking for every role, each score's evidence, the office's link to the admin, and
an export whose figures are the board's."""

import datetime as dt
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.urls import reverse

from apps.scoring.models import AssessmentDeduction
from apps.scoring.selectors import score_board
from tests.factories import DepartmentFactory, LeaderFactory, UserFactory
from tests.scoring.conftest import BAND, DEDUCT, RANK, RATIO, ROLE, TODAY, department_with, led_project, scheme_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

ROLES = {
    "office": lambda: UserFactory(role="office", is_staff=True),
    "admin": lambda: UserFactory(role="office", is_staff=True, is_superuser=True),
    "department": lambda: UserFactory(role="department", department=DepartmentFactory()),
    "leader": lambda: UserFactory(role="leader", leader=LeaderFactory()),
    "viewer": lambda: UserFactory(role="viewer"),
}


@pytest.fixture
def board_scheme():
    scheme = scheme_with(RATIO, BAND, RANK, ROLE, DEDUCT)
    for done in ("80", "106", "106", "140"):
        dept = department_with("100", done)
    late = led_project(dept, role="new", planned_start=dt.date(2026, 4, 1))
    AssessmentDeduction.objects.create(scheme=scheme, department=dept, date=dt.date(2026, 2, 1), points=D(3), reason="被市督查通报")
    return scheme, dept, late


@pytest.mark.parametrize("role", list(ROLES))
def test_every_role_sees_the_ranking_with_evidence(signed_in, board_scheme, role):
    scheme, dept, late = board_scheme
    response = signed_in(ROLES[role]()).get(reverse("web:scoring") + "?kind=department&year=2026&period=quarter&number=3")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2026年第3季度" in html
    assert dept.name in html
    assert "被市督查通报" in html  # the deduction's reason in the evidence
    assert late.name in html  # the late project named
    assert reverse("web:project-detail", args=[late.pk]) in html
    assert '<details class="evidence">' in html
    admin_link = reverse("admin:scoring_assessmentscheme_change", args=[scheme.pk])
    assert (admin_link in html) == (role in ("office", "admin"))


def test_a_year_without_a_scheme_says_so_and_offers_the_office_to_add_one(signed_in):
    html = signed_in(ROLES["office"]()).get(reverse("web:scoring") + "?kind=region&year=2026").content.decode()
    assert "还没有乡镇街道考核方案" in html
    assert reverse("admin:scoring_assessmentscheme_add") in html
    html = signed_in(ROLES["viewer"]()).get(reverse("web:scoring") + "?kind=region&year=2026").content.decode()
    assert "请联系项目办" in html


def test_nonsense_in_the_query_falls_back_to_the_latest_period(signed_in, board_scheme):
    response = signed_in(ROLES["viewer"]()).get(reverse("web:scoring") + "?kind=x&year=abc&period=week&number=99")
    assert response.status_code == 200
    assert "2026年10月" in response.content.decode()  # frozen on 27 November: October is the latest reported month


def test_sign_in_is_required(client):
    assert client.get(reverse("web:scoring")).status_code == 302
    assert client.get(reverse("web:scoring-export")).status_code == 302


@pytest.mark.parametrize(("period", "number"), [("month", 10), ("quarter", 2), ("year", 12)])
def test_export_round_trips_to_the_board(signed_in, board_scheme, period, number):
    scheme, _, _ = board_scheme
    response = signed_in(ROLES["viewer"]()).get(
        reverse("web:scoring-export") + f"?kind=department&year=2026&period={period}&number={number}"
    )
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = wb["考核排名"]
    header = [c.value for c in ws[2]]
    assert header[:3] == ["名次", "部门", "项目数"]
    assert header[-1] == "总分"
    exported = [(row[1], row[0], D(str(row[-1]))) for row in ws.iter_rows(min_row=3, values_only=True)]
    board = score_board(scheme, period_kind=period, year=2026, number=number, today=TODAY)
    assert exported == [(r.target_name, r.rank, r.total) for r in board]
    for r, row in zip(board, ws.iter_rows(min_row=3, values_only=True), strict=True):
        assert [D(str(v)) for v in row[3:-1]] == [i.score for i in r.items]
    evidence = [row for row in wb["计分依据"].iter_rows(min_row=3, values_only=True)]
    assert len(evidence) == sum(len(r.items) for r in board)
    assert any("被市督查通报" in (row[5] or "") for row in evidence)


def test_a_scheme_item_broken_in_the_database_is_a_message_not_a_server_error(signed_in, board_scheme):
    from apps.scoring.models import AssessmentItem

    scheme, _, _ = board_scheme
    AssessmentItem.objects.filter(scheme=scheme).update(params={"nonsense": True})  # past the model's validation
    client = signed_in(ROLES["viewer"]())
    query = "?kind=department&year=2026&period=month&number=10"
    assert client.get(reverse("web:scoring") + query).status_code == 200
    export = client.get(reverse("web:scoring-export") + query)
    assert export.status_code == 302
    assert export.url == reverse("web:scoring") + query
