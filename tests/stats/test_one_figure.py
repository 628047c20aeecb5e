"""Every reader gives the same figure: the statistics (Python and API, whole and grouped, a
department's), the 驾驶舱, the 通报, scoring, the unit ranking, the project list's lights and the
overdue list — over a ledger that holds each case an office met: a withdrawn project, the November
report due on Saturday 2026-12-05 (moved to Monday 12-07), a December start with monthly targets, a
milestone done late, and the 开工 facts contradicting each other (legacy rows written before the
services refused it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from apps.bulletins.content import bulletin_content
from apps.lights.selectors import light_context
from apps.milestones.models import MilestoneStatus
from apps.progress.models import ReportStatus
from apps.projects.models import BuildStatus, PoolStage, Project
from apps.scoring.models import AssessmentItem, AssessmentScheme, Method, TargetKind
from apps.scoring.selectors import score_board
from apps.stats.selectors import portfolio_figures, portfolio_groups
from apps.stats.units import unit_board
from tests.factories import (
    AnnualPlanFactory,
    DepartmentFactory,
    LeaderFactory,
    MilestoneFactory,
    MonthlyTargetFactory,
    ProgressReportFactory,
    ProjectFactory,
    ProjectResponsibilityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 8)  # Tuesday: November's report was due on Saturday 12-05, moved to Monday 12-07
YEAR, MONTH = 2026, 11


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _project(name, lead, *, role, plan, total="10000", coop=None, reports=(), **fields):
    fields.setdefault("in_stats_db", True)  # entered in the 统计局's database: no 纳统 light in the way
    project = ProjectFactory(name=name, total_investment=D(total), **fields)
    ProjectResponsibilityFactory(project=project, role="lead_dept", leader=None, department=lead)
    ProjectResponsibilityFactory(project=project, role="leader", leader=LeaderFactory())
    if coop is not None:
        ProjectResponsibilityFactory(project=project, role="coop_dept", leader=None, department=coop)
    plan_row = AnnualPlanFactory(project=project, year=YEAR, annual_role=role, annual_plan=D(plan))
    for month, amount in reports:
        deadline = dt.date(YEAR + (month == 12), month % 12 + 1, 3)  # filed before every deadline
        ProgressReportFactory(
            project=project,
            year=YEAR,
            month=month,
            period_completed=D(amount),
            status=ReportStatus.APPROVED,
            submitted_at=_at(deadline),
        )
    return project, plan_row


@pytest.fixture
def ledger(reference):
    lead, other = DepartmentFactory(name="甲局"), DepartmentFactory(name="乙局")
    every_month = [(m, "100") for m in range(1, 11)]  # January to October; November's report not filed
    cases = {}
    # On schedule, resumed in February; its November report is due on the moved deadline.
    cases["on_track"], _ = _project(
        "进度正常项目",
        lead,
        coop=other,
        role="cont",
        plan="1200",
        actual_start=dt.date(2025, 3, 1),
        build_status=BuildStatus.STARTED,
        reports=every_month,
    )
    cases["on_track"].annual_plans.update(resume_date=dt.date(YEAR, 2, 10))
    # A node due on 12-04, still open: due soon at the end of November, overdue by the day the
    # November 通报 is generated.
    MilestoneFactory(
        project=cases["on_track"], name="十二月初到期节点", planned_date=dt.date(YEAR, 12, 4), status=MilestoneStatus.IN_PROGRESS
    )
    # Withdrawn (退库): counts nowhere, although it has a plan, started and is 500万元 and more.
    cases["withdrawn"], _ = _project(
        "退库项目",
        lead,
        role="cont",
        plan="5000",
        total="20000",
        actual_start=dt.date(2025, 1, 1),
        build_status=BuildStatus.STARTED,
        pool_stage=PoolStage.WITHDRAWN,
    )
    # Planned to start in December, with monthly targets only in December: its 序时进度 is 0 until then.
    cases["december"], plan = _project(
        "十二月开工项目",
        other,
        role="new",
        plan="600",
        planned_start=dt.date(YEAR, 12, 15),
        build_status=BuildStatus.NOT_STARTED,
    )
    plan.planned_start_month = 12
    plan.save()
    MonthlyTargetFactory(plan=plan, month=12, plan_investment=D("600"))
    # A milestone done nine days late (逾期办结).
    cases["late_milestone"], _ = _project(
        "要件逾期办结项目",
        lead,
        role="cont",
        plan="1200",
        actual_start=dt.date(2025, 5, 1),
        build_status=BuildStatus.STARTED,
        reports=[*every_month, (11, "100")],
    )
    cases["late_milestone"].annual_plans.update(resume_date=dt.date(YEAR, 3, 1))
    MilestoneFactory(
        project=cases["late_milestone"],
        planned_date=dt.date(YEAR, 6, 1),
        actual_date=dt.date(YEAR, 6, 10),
        status=MilestoneStatus.DONE,
    )
    # 开工 facts that contradict each other, as legacy rows hold them: 未开工 with an actual start date…
    cases["status_behind"], _ = _project(
        "状态未开工但有开工日期项目",
        other,
        role="new",
        plan="800",
        planned_start=dt.date(YEAR, 2, 1),
        reports=[(m, "80") for m in range(3, 12)],
    )
    Project.objects.filter(pk=cases["status_behind"].pk).update(actual_start=dt.date(YEAR, 3, 1), build_status=BuildStatus.NOT_STARTED)
    # …and a 续建 project with no 复工日期 that never stopped.
    cases["no_resume_date"], _ = _project(
        "续建未填复工日期项目",
        other,
        role="cont",
        plan="1000",
        actual_start=dt.date(2025, 6, 1),
        build_status=BuildStatus.STARTED,
        reports=[(m, "90") for m in range(1, 12)],
    )
    return {"lead": lead, "other": other, **cases}


def _api():
    client = APIClient()
    client.force_authenticate(UserFactory(role="viewer"))
    return client


FIGURES = (
    "project_count",
    "annual_plan",
    "ytd_completed",
    "under_construction",
    "under_construction_plan",
    "new_start_planned",
    "new_start_started",
    "continuing",
    "continuing_resumed",
    "over_5m_count",
    "milestones_due",
    "milestones_on_time",
    "milestones_done_late",
)


def _same(f, printed: dict) -> None:
    for key in FIGURES:
        assert str(getattr(f, key)) == str(printed[key]), key
    assert {k: printed["lights"][k] for k in ("red", "yellow", "green")} == f.lights


def test_the_figures_by_hand(ledger):
    f = portfolio_figures(year=YEAR, month=MONTH, today=TODAY)
    # Five live projects; the withdrawn one is in no figure.
    assert f.project_count == 5
    assert f.annual_plan == D("4800.00")  # 1200 + 600 + 1200 + 800 + 1000
    # 在建: the five less the December start; their plans carry 4200 of the 4800.
    assert (f.under_construction, f.under_construction_plan) == (4, D("4200.00"))
    # 新开工: the December start (not yet) and the one started in March (by its date, whatever its status says).
    assert (f.new_start_planned, f.new_start_started) == (2, 1)
    # 续建: resumed in February, in March, and the one with no 复工日期 that never stopped.
    assert (f.continuing, f.continuing_resumed) == (3, 3)
    assert (f.milestones_due, f.milestones_on_time, f.milestones_done_late) == (1, 0, 1)
    assert f.over_5m_count == 4  # the started or resumed projects of 10 000 万元


def test_every_reader_gives_the_same_figures(ledger):
    f = portfolio_figures(year=YEAR, month=MONTH, today=TODAY)
    with time_machine.travel(_at(TODAY), tick=False):
        api = _api().get("/api/v1/stats/summary/", {"year": YEAR, "month": MONTH}).json()["total"]
        grouped = _api().get("/api/v1/stats/summary/", {"year": YEAR, "month": MONTH, "group_by": "department"}).json()["groups"]
        lead_only = _api().get("/api/v1/stats/summary/", {"year": YEAR, "month": MONTH, "department": ledger["other"].pk}).json()["total"]
        bulletin = bulletin_content(year=YEAR, month=MONTH, today=TODAY)
    _same(f, api)
    _same(f, bulletin["summary"]["figures"])

    # The groups add up to the whole; a department's own figure is its group's (lead projects only:
    # 乙局 is 配合 on the on-schedule project, which stays 甲局's).
    assert sum(g["project_count"] for g in grouped) == f.project_count
    by_name = {g["label"]: g for g in grouped}
    assert lead_only["project_count"] == by_name["乙局"]["project_count"] == 3
    for key in FIGURES:
        assert str(lead_only[key]) == str(by_name["乙局"][key]), key
    groups = {label: g for _, label, g in portfolio_groups(group_by="department", year=YEAR, month=MONTH, today=TODAY)}
    assert groups["乙局"].project_count == 3

    # The unit ranking and scoring count the same projects for each department.
    board = unit_board(ctx=light_context(today=TODAY))
    assert {u.name: u.project_count for u in board.departments} == {"甲局": 2, "乙局": 3}
    scheme = AssessmentScheme.objects.create(year=YEAR, target_kind=TargetKind.DEPARTMENT, name="测试方案")
    AssessmentItem.objects.create(
        scheme=scheme,
        name="投资完成率",
        method=Method.RATIO,
        order=1,
        base_score=D("10"),
        params={"measure": "completion_rate", "mode": "step", "step_pct": 2, "step_points": 1},
    )
    scores = {row.target_name: row for row in score_board(scheme, period_kind="month", year=YEAR, number=MONTH, today=TODAY)}
    assert {name: row.project_count for name, row in scores.items()} == {"甲局": 2, "乙局": 3}

    # The 通报's red and yellow list is the summary's red and yellow projects, the withdrawn one never.
    lights_table = next(t for t in bulletin["tables"] if t["key"] == "lights")
    assert len(lights_table["rows"]) == f.lights["red"] + f.lights["yellow"]
    assert "退库项目" not in {row["name"] for row in lights_table["rows"]}


def test_the_lights_and_the_overdue_list_agree_with_the_figures(ledger):
    with time_machine.travel(_at(TODAY), tick=False):
        client = _api()
        running = client.get("/api/v1/stats/summary/", {"year": YEAR, "month": 12}).json()["total"]["lights"]
        listed = {lgt: client.get("/api/v1/projects/", {"light": lgt}).json()["count"] for lgt in ("red", "yellow")}
        items = client.get("/api/v1/overdue/").json()["results"]
    # The project list shows today's lights of the live projects (the withdrawn one is green there).
    assert listed == {"red": running["red"], "yellow": running["yellow"]}
    assert all(i["project_name"] != "退库项目" for i in items)
    # November's report is due on Monday 12-07 (12-05 was a Saturday): one day late, yellow, not red.
    reports = [i for i in items if i["type"] == "report" and i["project_name"] == "进度正常项目"]
    assert [(i["due_date"], i["light"]) for i in reports] == [("2026-12-07", "yellow")]
    # Started by its date: no 计划开工 item, although its status still says 未开工.
    assert not [i for i in items if i["type"] == "start" and i["project_name"] == "状态未开工但有开工日期项目"]


def test_the_november_bulletin_shows_the_lights_of_november_s_end_whatever_day_it_is_generated(ledger):
    with time_machine.travel(_at(TODAY), tick=False):
        bulletin = bulletin_content(year=YEAR, month=MONTH, today=TODAY)
        later = bulletin_content(year=YEAR, month=MONTH, today=dt.date(YEAR, 12, 20))
        today_items = _api().get("/api/v1/overdue/", {"type": "milestone"}).json()["results"]
    overdue = next(t for t in bulletin["tables"] if t["key"] == "overdue_milestones")
    lights = {row["name"]: row for row in next(t for t in bulletin["tables"] if t["key"] == "lights")["rows"]}
    # On 12-08 the node is red in today's list; at the end of November it was only due soon.
    assert [(i["title"], i["light"]) for i in today_items if i["title"] == "十二月初到期节点"] == [("十二月初到期节点", "red")]
    assert "十二月初到期节点" not in {row["title"] for row in overdue["rows"]}
    assert lights["进度正常项目"]["light"] == "yellow"
    assert lights["进度正常项目"]["reason"] == "要件/节点临期"
    # Generated on another day, the same month reads the same lights.
    assert later["summary"]["figures"]["lights"] == bulletin["summary"]["figures"]["lights"]
    assert later["tables"][3:] == bulletin["tables"][3:]


def test_a_december_start_is_not_behind_its_monthly_targets_in_november(ledger):
    rows = {r.name: r for r in _rows()}
    december = rows["十二月开工项目"]
    assert december.time_progress == 0
    assert "investment" not in december.light_parts
    assert december.light == "green"
    # A plan without monthly targets keeps month/12.
    assert rows["进度正常项目"].time_progress == D(11) / 12


def _rows():
    from apps.stats.selectors import active_projects, project_period_figures

    return project_period_figures(year=YEAR, month=MONTH, today=TODAY, projects=active_projects()).values()


def test_an_extreme_gap_still_prints_within_the_documented_schema(reference):
    """A plan of 0.01 万元 against the most a report can hold: the gap is printed, not refused (schemathesis found it)."""
    import re

    from apps.stats.api.serializers import FiguresSerializer

    project = ProjectFactory(total_investment=D("10000"))
    AnnualPlanFactory(project=project, year=YEAR, annual_role="cont", annual_plan=D("0.01"))
    ProgressReportFactory(project=project, year=YEAR, month=1, period_completed=D("999999999999.99"), status=ReportStatus.APPROVED)
    with time_machine.travel(_at(TODAY), tick=False):
        response = _api().get("/api/v1/stats/summary/", {"year": YEAR, "month": MONTH})
    assert response.status_code == 200
    total = response.json()["total"]
    fields = FiguresSerializer().fields
    for key in ("gap_points", "completion_rate"):
        whole = fields[key].max_digits - fields[key].decimal_places  # the OpenAPI pattern's integer digits
        assert re.fullmatch(rf"-?\d{{1,{whole}}}(?:\.\d{{1,4}})?", total[key]), (key, total[key])
