"""score_board: each method over a portfolio built here, ties, periods, deductions, and a query
count that does not grow with the number of targets."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.organization.models import Department
from apps.scoring.models import AssessmentDeduction
from apps.scoring.selectors import period_of, score_board
from tests.factories import DepartmentFactory, ProjectFactory, RegionFactory
from tests.scoring.conftest import BAND, DEDUCT, RANK, RATIO, ROLE, SIZE, TODAY, department_with, led_project, scheme_with

pytestmark = pytest.mark.django_db


def row_of(board, dept):
    return next(r for r in board if r.target_id == dept.pk)


def test_ratio_item_scores_base_plus_capped_steps_with_its_evidence():
    # given plan 100 and 106 done (+3), 200 done (+50, capped at +15), 90 done (−5)
    over, far, under = department_with("100", "106"), department_with("100", "200"), department_with("100", "90")
    scheme = scheme_with(RATIO)

    board = score_board(scheme, period_kind="month", year=2026, number=10, today=TODAY)

    assert row_of(board, over).items[0].score == D("63.00")
    assert row_of(board, far).items[0].score == D("75.00")
    assert row_of(board, under).items[0].score == D("55.00")
    item = row_of(board, over).items[0]
    assert item.raw_value == D("106")
    assert item.evidence["年初至今完成投资（万元）"] == D("106.00")
    assert item.evidence["年度计划投资（万元）"] == D("100.00")
    assert row_of(board, far).items[0].evidence["封顶后加减分"] == 15


@pytest.mark.parametrize(("done", "score"), [("95", "19.50"), ("120", "24.00"), ("140", "27.00"), ("300", "30.00")])
def test_band_item_matches_the_domain_examples(done, score):
    dept = department_with("100", done)
    board = score_board(scheme_with(BAND), period_kind="month", year=2026, number=10, today=TODAY)
    assert row_of(board, dept).items[0].score == D(score)


def test_a_target_without_a_plan_gets_no_rate_points_and_says_why():
    dept = DepartmentFactory()
    led_project(dept, plan="0", done="0")
    board = score_board(scheme_with(RATIO), period_kind="month", year=2026, number=10, today=TODAY)
    item = row_of(board, dept).items[0]
    assert item.score == 0
    assert item.raw_value is None
    assert "不得分" in item.evidence["说明"]


def test_ties_share_a_rank_and_the_next_rank_skips():
    a, b, c, d = (department_with("100", done) for done in ("120", "120", "110", "100"))
    board = score_board(scheme_with(RANK, RATIO), period_kind="month", year=2026, number=10, today=TODAY)

    assert [r.target_id for r in board][:2] == [a.pk, b.pk]  # within a tie, the departments' own order
    assert {r.target_id: r.rank for r in board} == {a.pk: 1, b.pk: 1, c.pk: 3, d.pk: 4}
    rank_item = {r.target_id: r.items[0] for r in board}
    assert rank_item[a.pk].evidence["名次"] == rank_item[b.pk].evidence["名次"] == 1
    assert [rank_item[x.pk].score for x in (a, b, c, d)] == [5, 5, 3, 0]
    assert row_of(board, a).total == D("75.00")  # 5 + 60 + 10


def test_per_project_points_by_role_name_the_projects_counted():
    dept = DepartmentFactory()
    new = led_project(dept, role="new", actual_start=dt.date(2026, 3, 1))
    cont = led_project(dept, role="cont")
    led_project(dept, role="prelim")  # 前期 projects earn nothing
    board = score_board(scheme_with(ROLE), period_kind="month", year=2026, number=10, today=TODAY)

    item = row_of(board, dept).items[0]
    assert item.score == 7
    assert item.raw_value == 2
    assert {p["id"] for p in item.evidence["计入项目"]} == {new.pk, cont.pk}


def test_per_project_started_only_counts_started_and_resumed_projects():
    dept = DepartmentFactory()
    led_project(dept, role="new", actual_start=dt.date(2026, 3, 1))
    led_project(dept, role="new", actual_start=dt.date(2026, 11, 3))  # after the October period end
    led_project(dept, role="cont")  # no 复工 date
    spec = {**ROLE, "params": {**ROLE["params"], "started_only": True}}
    board = score_board(scheme_with(spec), period_kind="month", year=2026, number=10, today=TODAY)
    assert row_of(board, dept).items[0].score == 5


def test_per_project_points_by_annual_plan_size_band():
    dept = DepartmentFactory()
    for plan in ("100000", "60000", "10000", "500"):
        led_project(dept, plan=plan)
    board = score_board(scheme_with(SIZE), period_kind="year", year=2026, today=TODAY)
    assert row_of(board, dept).items[0].score == 20 + 10 + 6 + 3


def test_late_start_deducts_per_new_start_not_started_by_its_planned_date(office):
    dept = DepartmentFactory()
    late = led_project(dept, role="new", planned_start=dt.date(2026, 5, 1))
    led_project(dept, role="new", planned_start=dt.date(2026, 5, 1), actual_start=dt.date(2026, 5, 20))
    led_project(dept, role="new", planned_start=dt.date(2026, 12, 1))  # not due yet
    led_project(dept, role="cont", planned_start=dt.date(2025, 5, 1))  # 续建: not a new start
    scheme = scheme_with(DEDUCT)
    AssessmentDeduction.objects.create(scheme=scheme, department=dept, date=dt.date(2026, 6, 2), points=D("2"), reason="被市督查通报")
    AssessmentDeduction.objects.create(scheme=scheme, department=dept, date=dt.date(2026, 11, 2), points=D("5"), reason="十一月的扣分")

    board = score_board(scheme, period_kind="month", year=2026, number=10, today=TODAY)

    item = row_of(board, dept).items[0]
    assert item.score == D("-5.00")  # 3 for the late project + the June deduction (November's is after the period)
    assert [p["id"] for p in item.evidence["未按期开工项目"]] == [late.pk]
    assert [d["reason"] for d in item.evidence["手工扣分"]] == ["被市督查通报"]
    year_item = row_of(score_board(scheme, period_kind="year", year=2026, today=TODAY), dept).items[0]
    assert year_item.score == D("-10.00")


def test_deductions_are_capped(office):
    dept = DepartmentFactory()
    led_project(dept)
    scheme = scheme_with(DEDUCT)
    AssessmentDeduction.objects.create(scheme=scheme, department=dept, date=dt.date(2026, 2, 1), points=D("30"), reason="重大问题")
    board = score_board(scheme, period_kind="year", year=2026, today=TODAY)
    assert row_of(board, dept).items[0].score == -20


def test_a_quarter_scores_its_last_months_year_to_date():
    dept = DepartmentFactory()
    led_project(dept, plan="100", done="50", month=2)
    led_project(dept, plan="0", done="50", month=4)
    scheme = scheme_with(RATIO)
    q1 = row_of(score_board(scheme, period_kind="quarter", year=2026, number=1, today=TODAY), dept)
    q2 = row_of(score_board(scheme, period_kind="quarter", year=2026, number=2, today=TODAY), dept)
    assert q1.items[0].raw_value == 50
    assert q2.items[0].raw_value == 100
    assert period_of("quarter", 2026, 2).month == 6
    assert period_of("year", 2026, None).month == 12


def test_regions_count_projects_of_their_sub_areas():
    county = RegionFactory(code="433126", kind="county")
    town = RegionFactory(parent=county)
    area = RegionFactory(parent=town)
    ProjectFactory(region=area)
    ProjectFactory(region=town)
    scheme = scheme_with(SIZE, kind="region")
    board = score_board(scheme, period_kind="month", year=2026, number=10, today=TODAY)
    assert {r.target_id: r.project_count for r in board}[town.pk] == 2


def test_targets_without_projects_or_deductions_are_not_listed():
    listed = department_with("100", "100")
    quiet = DepartmentFactory()
    board = score_board(scheme_with(RATIO), period_kind="month", year=2026, number=10, today=TODAY)
    assert listed.pk in {r.target_id for r in board}
    assert quiet.pk not in {r.target_id for r in board}


def test_archived_projects_are_left_out():
    dept = DepartmentFactory()
    led_project(dept, plan="100", done="100")
    led_project(dept, plan="100", done="0", archived_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    board = score_board(scheme_with(RATIO), period_kind="month", year=2026, number=10, today=TODAY)
    assert row_of(board, dept).items[0].raw_value == 100


def _queries(n: int, scheme) -> int:
    for i in range(n):
        dept = DepartmentFactory()
        led_project(dept, plan="100", done=str(90 + i), role="new", planned_start=dt.date(2026, 3, 1))
        led_project(dept, plan="20000", done="5")
        AssessmentDeduction.objects.create(scheme=scheme, department=dept, date=dt.date(2026, 3, 1), points=D(1), reason="测试")
    with CaptureQueriesContext(connection) as ctx:
        board = score_board(scheme, period_kind="quarter", year=2026, number=3, today=TODAY)
    assert len(board) == Department.objects.count()
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_number_of_targets(django_db_blocker):
    scheme = scheme_with(RATIO, BAND, RANK, ROLE, SIZE, DEDUCT)
    two = _queries(2, scheme)
    ten = _queries(8, scheme)  # 10 departments in all
    assert two == ten
