"""Department and region rankings: the on-time rate and the rank, checked against counts by hand."""

import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.lights.overdue import due_items
from apps.lights.selectors import light_context
from apps.projects.models import ProjectResponsibility
from apps.stats.units import DEPARTMENT, REGION, UnitFigures, rank_units, unit_board
from tests.factories import DepartmentFactory, MilestoneFactory, ProblemFactory, ProjectFactory, RegionFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 27)


def _at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def _project(region, lead, *others):
    project = ProjectFactory(region=region)
    ProjectResponsibility.objects.create(project=project, role="lead_dept", department=lead)
    for dept in others:
        ProjectResponsibility.objects.create(project=project, role="coop_dept", department=dept)
    return project


@pytest.fixture
def ledger(frozen_today):
    """Two towns of one county; departments A (4 obligations, 2 on time), B (3, 2), C (a project, no item), D (nothing)."""
    county = RegionFactory(name="古丈县", kind="county")
    t1, t2 = RegionFactory(name="一镇", parent=county), RegionFactory(name="二镇", parent=county)
    a, b, c, d = (DepartmentFactory(name=n) for n in ("甲局", "乙局", "丙局", "丁局"))
    p1 = _project(t1, a, c)
    p2 = _project(t2, b, a)
    ms = MilestoneFactory
    ms(project=p1, responsible_dept=a, planned_date=dt.date(2026, 3, 1), status="done", actual_date=dt.date(2026, 2, 28))  # on time
    ms(
        project=p1, responsible_dept=None, planned_date=dt.date(2026, 5, 1), status="done", actual_date=dt.date(2026, 5, 3)
    )  # late, A as 牵头
    ms(project=p1, responsible_dept=a, planned_date=dt.date(2026, 10, 1), status="doing")  # late and overdue (red)
    ms(project=p1, responsible_dept=a, planned_date=dt.date(2026, 6, 1), status="na")  # no obligation
    ms(project=p1, responsible_dept=a, planned_date=dt.date(2025, 12, 31), status="done", actual_date=dt.date(2026, 1, 5))  # last year
    ms(project=p1, responsible_dept=a, planned_date=TODAY, status="doing")  # due today: not yet late (yellow)
    ms(project=p2, responsible_dept=b, planned_date=dt.date(2026, 4, 1), status="done", actual_date=dt.date(2026, 4, 1))  # on the day
    pb = ProblemFactory
    # 销号 at 23:30 local on the deadline: on time.
    pb(project=p2, responsible_dept=b, deadline=dt.date(2026, 9, 1), status="closed", closed_at=_at(2026, 9, 1, 23, 30))
    # 销号 at 00:30 local the day after (still 1 September in UTC): late.
    pb(project=p2, responsible_dept=b, deadline=dt.date(2026, 9, 1), status="closed", closed_at=_at(2026, 9, 2, 0, 30))
    with time_machine.travel(_at(2026, 7, 30, 9, 0), tick=False):  # reported 办结 before its deadline, not yet 销号
        pb(project=p2, responsible_dept=a, deadline=dt.date(2026, 8, 1), status="resolved", resolution="已解决")
    pb(project=p1, responsible_dept=a, deadline=dt.date(2026, 10, 15), status="handling")  # late and overdue (red)
    return {"a": a, "b": b, "c": c, "d": d, "t1": t1, "t2": t2, "county": county}


def _by_name(units):
    return {u.name: u for u in units}


def test_department_figures_and_rank_by_hand(ledger):
    board = unit_board(ctx=light_context(today=TODAY))
    units = _by_name(board.departments)

    assert "丁局" not in units  # no project, no item
    # 丙局 is only 配合 on a project and has no item: a department's projects in a figure are those it leads.
    assert "丙局" not in units
    a, b = units["甲局"], units["乙局"]
    # A: milestones on time 1 of 3 (the 不涉及, last year's and today's are not counted) + problems 1 of 2.
    assert (a.due_count, a.on_time_count, a.project_count) == (5, 2, 1)  # leads p1; only 配合 on p2
    assert (a.overdue, a.due_soon) == (2, 1)
    assert a.on_time == Fraction(2, 5)
    # B: the milestone done on its day, the problem closed at 23:30 on its deadline; the one closed at 00:30 is late.
    assert (b.due_count, b.on_time_count, b.project_count, b.overdue, b.due_soon) == (3, 2, 1, 0, 0)
    assert [(u.name, u.rank) for u in board.departments] == [("乙局", 1), ("甲局", 2)]


def test_region_figures_and_rank_by_hand(ledger):
    board = unit_board(ctx=light_context(today=TODAY))
    units = _by_name(board.regions)

    assert set(units) == {"一镇", "二镇"}  # the county itself is not ranked
    t1, t2 = units["一镇"], units["二镇"]
    assert (t1.due_count, t1.on_time_count, t1.overdue, t1.due_soon, t1.project_count) == (4, 1, 2, 1, 1)
    assert (t2.due_count, t2.on_time_count, t2.overdue, t2.due_soon, t2.project_count) == (4, 3, 0, 0, 1)
    assert [(u.name, u.rank) for u in board.regions] == [("二镇", 1), ("一镇", 2)]


def test_a_units_items_are_the_registrys_items_for_that_unit(ledger):
    ctx = light_context(today=TODAY)
    board = unit_board(ctx=ctx)
    for key, kind, arg in (("a", DEPARTMENT, "department"), ("b", DEPARTMENT, "department"), ("t1", REGION, "region")):
        pk = ledger[key].pk
        assert [(i.type, i.id) for i in board.items_of(kind, pk)] == [(i.type, i.id) for i in due_items(ctx=ctx, **{arg: pk})]
    assert [i.light for i in board.items_of(DEPARTMENT, ledger["a"].pk)] == ["red", "red", "yellow"]  # worst first


def _unit(name, on_time, due, overdue, order=0, projects=1):
    return UnitFigures(
        kind=DEPARTMENT,
        id=order + 1,
        name=name,
        order=(order,),
        project_count=projects,
        overdue=overdue,
        due_count=due,
        on_time_count=on_time,
    )


def test_ties_share_a_rank_and_the_next_rank_skips():
    units = [
        _unit("一", 1, 2, overdue=1, order=1),
        _unit("二", 2, 4, overdue=1, order=2),  # the same rate and overdue count as 一
        _unit("三", 1, 2, overdue=3, order=3),  # the same rate, more overdue
        _unit("四", 0, 0, overdue=0, order=4),  # no rate
        _unit("五", 0, 0, overdue=0, order=5),
        _unit("六", 3, 4, overdue=5, order=6),  # best rate wins over overdue counts
        _unit("七", 0, 0, overdue=0, order=7, projects=0),  # nothing at all: not listed
        _unit("八", 0, 0, overdue=2, order=0),  # no rate but overdue items: after the rated units, behind 四 and 五
    ]
    ranked = rank_units(units)
    assert [(u.name, u.rank) for u in ranked] == [("六", 1), ("一", 2), ("二", 2), ("三", 4), ("四", 5), ("五", 5), ("八", 7)]


def test_the_rate_is_exact_when_ranking():
    # 1/3 and 33.3 % look the same when rounded; 333/1000 is lower and must rank below.
    ranked = rank_units([_unit("低", 333, 1000, overdue=0, order=1), _unit("高", 1, 3, overdue=0, order=2)])
    assert [(u.name, u.rank) for u in ranked] == [("高", 1), ("低", 2)]


def _grow(n: int, county) -> None:
    for i in range(n):
        dept = DepartmentFactory()
        project = _project(RegionFactory(parent=county), dept)
        MilestoneFactory(project=project, responsible_dept=dept, planned_date=dt.date(2026, 3, i + 1), status="doing")
        ProblemFactory(project=project, responsible_dept=dept, deadline=dt.date(2026, 11, 30), status="handling")


def test_the_board_runs_the_same_number_of_queries_for_1_and_10_departments(frozen_today):
    county = RegionFactory(name="县", kind="county")
    _grow(1, county)
    ctx = light_context(today=TODAY)
    with CaptureQueriesContext(connection) as one:
        board = unit_board(ctx=ctx)
    assert len(board.departments) == 1
    _grow(9, county)
    with CaptureQueriesContext(connection) as ten:
        board = unit_board(ctx=ctx)
    assert (len(board.departments), len(board.regions)) == (10, 10)
    assert len(one.captured_queries) == len(ten.captured_queries)
