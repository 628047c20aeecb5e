"""A summary for an earlier month gives that month's lights: what was open at its end counts as open
then, though it was settled since (a milestone done late, a problem resolved late, a report filed
late, a project started late); the latest report period keeps today's lights."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from apps.lights.lists import project_list
from apps.lights.selectors import annotate_project_lights, period_light_context
from apps.milestones.models import MilestoneStatus
from apps.problems.models import ProblemStatus
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import AnnualRole, BuildStatus, Project
from apps.stats.selectors import portfolio_figures
from tests.factories import (
    AnnualPlanFactory,
    MilestoneFactory,
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
TODAY = dt.date(2026, 11, 27)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _project(name: str, *, role: str = AnnualRole.CONTINUING, **fields):
    # In the statistics database (入库纳统), so that only the items below light it.
    project = ProjectFactory(name=name, actual_start=dt.date(2025, 3, 1), build_status=BuildStatus.STARTED, in_stats_db=True, **fields)
    AnnualPlanFactory(project=project, year=2026, annual_role=role, annual_plan=Decimal("1200"))
    for month in range(1, 11):  # every report due by today is filed; January alone completes the plan
        ProgressReportFactory(
            project=project, year=2026, month=month, status=ReportStatus.APPROVED, period_completed=Decimal("1200" if month == 1 else "0")
        )
    return project


@pytest.fixture
def late():
    done_late = _project("节点迟办项目")
    MilestoneFactory(project=done_late, planned_date=dt.date(2026, 9, 10), status=MilestoneStatus.DONE, actual_date=dt.date(2026, 10, 15))
    on_time = _project("节点按期项目")
    MilestoneFactory(project=on_time, planned_date=dt.date(2026, 9, 10), status=MilestoneStatus.DONE, actual_date=dt.date(2026, 9, 8))
    resolved_late = _project("问题迟办项目")
    ProblemFactory(
        project=resolved_late,
        raised_on=dt.date(2026, 8, 1),
        deadline=dt.date(2026, 9, 15),
        status=ProblemStatus.RESOLVED,
        resolved_at=dt.datetime(2026, 10, 5, 9, tzinfo=SHANGHAI),
    )
    filed_late = _project("月报迟报项目")
    ProgressReport.objects.filter(project=filed_late, month=8).update(submitted_at=dt.datetime(2026, 10, 20, 9, tzinfo=SHANGHAI))
    started_late = _project("迟开工项目", role=AnnualRole.NEW_START, planned_start=dt.date(2026, 9, 1))
    started_late.actual_start = dt.date(2026, 10, 10)
    started_late.save(update_fields=["actual_start"])
    return {
        "done_late": done_late,
        "on_time": on_time,
        "resolved_late": resolved_late,
        "filed_late": filed_late,
        "started_late": started_late,
    }


def test_an_earlier_month_has_the_lights_of_its_end(late):
    september = portfolio_figures(year=2026, month=9, today=TODAY)
    # the planned start of 1 September missed by its end is yellow (DOMAIN.md §10.2: red after 3 months)
    assert september.lights == {"green": 1, "yellow": 1, "red": 3}
    october = portfolio_figures(year=2026, month=10, today=TODAY)  # the latest report period: today's lights
    assert october.lights == {"green": 5, "yellow": 0, "red": 0}
    today_lights = {p.name: p.light for p in project_list(user=UserFactory(role="viewer"), today=TODAY)}
    assert set(today_lights.values()) == {"green"}


def test_each_late_item_was_red_at_the_end_of_its_month(late):
    names = {p.pk: key for key, p in late.items()}
    ctx = period_light_context(year=2026, month=9, today=TODAY)
    lights = {names[pk]: light for pk, light in annotate_project_lights(Project.objects.all(), ctx).values_list("pk", "light")}
    assert lights == {"done_late": "red", "on_time": "green", "resolved_late": "red", "filed_late": "red", "started_late": "yellow"}
    # On 1 September the September items were due soon (the milestones of 10 September within 7 working days,
    # the planned start due that day, not yet past), the problem not due for 10 working days, and the August report
    # due on Monday 7 September (the 5th is a Saturday: the deadline moves to the next working day), the fourth
    # working day: not yet due soon.
    ctx = period_light_context(year=2026, month=8, today=TODAY)
    lights = {names[pk]: light for pk, light in annotate_project_lights(Project.objects.all(), ctx).values_list("pk", "light")}
    assert lights == {
        "done_late": "yellow",
        "on_time": "yellow",
        "resolved_late": "green",
        "filed_late": "green",
        "started_late": "yellow",
    }


def test_the_summary_endpoint_gives_that_months_lights(late):
    client = APIClient()
    client.force_authenticate(UserFactory(role="viewer"))
    assert client.get("/api/v1/stats/summary/", {"year": 2026, "month": 9}).json()["total"]["lights"] == {"green": 1, "yellow": 1, "red": 3}
    assert client.get("/api/v1/stats/summary/", {"year": 2026, "month": 10}).json()["total"]["lights"] == {
        "green": 5,
        "yellow": 0,
        "red": 0,
    }
    grouped = client.get("/api/v1/stats/summary/", {"year": 2026, "month": 9, "group_by": "category"}).json()
    assert sum(g["lights"]["red"] for g in grouped["groups"]) == 3


def test_the_overdue_list_of_an_earlier_month_holds_what_was_open_then(late):
    from apps.lights.overdue import due_items

    items = due_items(ctx=period_light_context(year=2026, month=9, today=TODAY))
    september = {(i.type, i.project_name, i.light) for i in items if i.days_overdue}
    assert september == {
        ("milestone", "节点迟办项目", "red"),
        ("problem", "问题迟办项目", "red"),
        ("report", "月报迟报项目", "red"),
        ("start", "迟开工项目", "yellow"),  # a month past its planned start: overdue, yellow until 3 months
    }
    assert [i for i in due_items(ctx=period_light_context(year=2026, month=10, today=TODAY)) if i.light == "red"] == []
