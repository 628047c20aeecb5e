"""Every endpoint and action, as the portfolio office and other systems use them."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from apps.milestones.models import Milestone
from apps.problems.models import Problem
from apps.progress.models import ProgressReport
from apps.projects.models import Project
from apps.workcalendar.services import calendar_load_from_package
from tests.api.world import build_world, items_for
from tests.conftest import load_demo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def world():
    calendar_load_from_package()
    return build_world()


@pytest.fixture
def office(world):
    return world.client("office")


def test_project_list_detail_and_filters(world, office):
    items_for(world.own, world.dept_a)  # an overdue milestone on the own project
    body = office.get("/api/v1/projects/").json()
    assert body["count"] == 2
    row = next(r for r in body["results"] if r["id"] == world.own.pk)
    assert (row["lead_leader"], row["lead_department"], row["light"]) == ("常务副区长", "住建局", "red")
    assert office.get("/api/v1/projects/", {"leader": world.leader_b.pk}).json()["count"] == 1
    assert office.get("/api/v1/projects/", {"department": world.dept_a.pk}).json()["results"][0]["id"] == world.own.pk
    # The other project is red too: an annual plan and nothing done by October.
    assert office.get("/api/v1/projects/", {"light": "red"}).json()["count"] == 2
    # Both have something overdue: the own project a milestone, both the October report (due 5 Nov).
    assert office.get("/api/v1/projects/", {"overdue": "true"}).json()["count"] == 2
    assert office.get("/api/v1/projects/", {"search": "外单位"}).json()["count"] == 1
    assert office.get("/api/v1/projects/", {"year": 2026, "total_investment_min": 5000}).json()["count"] == 2
    assert office.get("/api/v1/projects/", {"total_investment_max": 100}).json()["count"] == 0
    assert office.get("/api/v1/projects/", {"ordering": "-light_rank"}).json()["results"][0]["id"] == world.own.pk
    detail = office.get(f"/api/v1/projects/{world.own.pk}/")
    assert detail["ETag"]
    assert {r["role"] for r in detail.json()["responsibilities"]} == {"leader", "lead_dept"}


def test_project_create_with_a_legacy_code_warns(world, office):
    payload = {
        "name": "旧编码项目",
        "primary_code": "WH-2019-0087",
        "code_is_legacy": True,
        "category": world.own.category.code,
        "investment_mode": "filing",
        "region": world.own.region_id,
        "start_year": 2026,
        "end_year": 2027,
        "total_investment": "600.00",
    }
    response = office.post("/api/v1/projects/", payload, format="json")
    assert response.status_code == 201
    assert "旧编码" in response.json()["code_warning"]
    assert response["Warning"].startswith("199")


def test_stale_etag_gets_412_with_the_current_version(world, office):
    url = f"/api/v1/projects/{world.own.pk}/"
    etag = office.get(url)["ETag"]
    first = office.patch(url, {"remarks": "甲单位修改"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    stale = office.patch(url, {"remarks": "乙单位修改"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    body = stale.json()
    assert body["code"] == "precondition_failed"
    assert body["current"]["remarks"] == "甲单位修改"
    assert body["etag"] == first["ETag"]
    assert Project.objects.get(pk=world.own.pk).remarks == "甲单位修改"
    assert office.patch(url, {"remarks": "乙单位修改"}, format="json", HTTP_IF_MATCH=body["etag"]).status_code == 200


def test_history_records_the_api_user_as_author(world):
    client = world.client("rw_token")
    client.patch(f"/api/v1/projects/{world.own.pk}/", {"remarks": "接口修改"}, format="json")
    assert Project.objects.get(pk=world.own.pk).history.first().history_user == world.users["office"]


def test_sync_sees_a_create_an_update_and_an_archive(world, office):
    since = "2026-11-27T09:00:00+08:00"
    created = office.post(
        "/api/v1/projects/",
        {
            "name": "同步新建",
            "category": world.own.category.code,
            "investment_mode": "filing",
            "region": world.own.region_id,
            "start_year": 2026,
            "end_year": 2027,
            "total_investment": "900.00",
        },
        format="json",
    ).json()
    office.patch(f"/api/v1/projects/{world.own.pk}/", {"remarks": "同步修改"}, format="json")
    office.post(f"/api/v1/projects/{world.other.pk}/archive/")
    page = office.get("/api/v1/projects/sync/", {"updated_since": since}).json()
    results = {r["id"]: r for r in page["results"]}
    assert set(results) == {created["id"], world.own.pk, world.other.pk}
    assert results[world.other.pk].keys() == {"id", "deleted_at"}
    assert results[world.own.pk]["remarks"] == "同步修改"
    assert "next" in page
    assert "count" not in page
    # The archived project is gone from the people's list.
    assert world.other.pk not in {r["id"] for r in office.get("/api/v1/projects/").json()["results"]}


def test_sync_pages_with_a_cursor(world, office):
    for n in range(5):
        Milestone.objects.create(project=world.own, name=f"节点{n}", stage="construction")
    first = office.get("/api/v1/milestones/sync/", {"page_size": 2}).json()
    assert len(first["results"]) == 2
    second = office.get(first["next"]).json()
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})


def test_deletions_are_tombstones(world, office):
    milestone = Milestone.objects.create(project=world.own, name="删除的节点", stage="construction")
    pk = milestone.pk
    milestone.delete()
    rows = office.get("/api/v1/deletions/", {"resource": "milestones", "updated_since": "2026-01-01T00:00:00+08:00"}).json()["results"]
    assert [r["id"] for r in rows] == [pk]
    assert office.get("/api/v1/deletions/", {"resource": "nope"}).status_code == 400


def test_milestone_complete_with_an_attachment(world, office):
    from django.core.files.uploadedfile import SimpleUploadedFile

    items = items_for(world.own, world.dept_a)
    url = f"/api/v1/milestones/{items['milestone'].pk}/complete/"
    from tests.upload_samples import pdf

    upload = SimpleUploadedFile("批复.pdf", pdf(), content_type="application/pdf")
    response = office.post(url, {"actual_date": "2026-11-20", "doc_number": "古发改〔2026〕8号", "attachment": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["doc_number"], body["light"]) == ("done", "古发改〔2026〕8号", "green")
    assert body["attachment"]


def test_report_workflow_through_the_api(world):
    dept = world.client("department")
    office = world.client("office")
    report = dept.post(
        "/api/v1/progress-reports/", {"project": world.own.pk, "year": 2026, "month": 10, "period_completed": "120.50"}, format="json"
    ).json()
    assert report["status"] == "draft"
    assert dept.post(f"/api/v1/progress-reports/{report['id']}/submit/").json()["status"] == "submitted"
    returned = office.post(f"/api/v1/progress-reports/{report['id']}/return/", {"reason": "请补充形象进度"}, format="json").json()
    assert (returned["status"], returned["return_count"]) == ("returned", 1)
    assert dept.patch(f"/api/v1/progress-reports/{report['id']}/", {"image_progress_text": "路基完成70%"}, format="json").status_code == 200
    dept.post(f"/api/v1/progress-reports/{report['id']}/submit/")
    assert office.post(f"/api/v1/progress-reports/{report['id']}/approve/").json()["status"] == "approved"
    refused = office.post(f"/api/v1/progress-reports/{report['id']}/approve/")
    assert refused.status_code == 400
    assert "不能执行" in refused.json()["message"]
    assert dept.patch(f"/api/v1/progress-reports/{report['id']}/", {"period_completed": "1"}, format="json").status_code == 400


def test_problem_resolve_and_close(world, office):
    items = items_for(world.own, world.dept_a)
    pk = items["problem"].pk
    assert office.post(f"/api/v1/problems/{pk}/close/").status_code == 400  # not resolved yet
    assert office.post(f"/api/v1/problems/{pk}/resolve/", {"resolution": "已签约"}, format="json").json()["status"] == "resolved"
    assert office.post(f"/api/v1/problems/{pk}/close/").json()["status"] == "closed"
    assert office.patch(f"/api/v1/problems/{items['problem'].pk}/", {"status": "resolved"}, format="json").status_code == 400


def test_land_and_notices_and_plans(world, office):
    items = items_for(world.own, world.dept_a)
    land = office.get(f"/api/v1/land-acquisitions/{items['land'].pk}/").json()
    assert land["acquisition_rate"] == "0.0"
    assert office.get("/api/v1/land-acquisitions/", {"project": world.own.pk}).json()["count"] == 1
    assert office.get("/api/v1/supervision-notices/", {"department": world.dept_a.pk}).json()["count"] == 1
    plan = office.post(
        "/api/v1/annual-plans/",
        {
            "project": world.own.pk,
            "year": 2027,
            "annual_role": "new",
            "annual_plan": "2400.00",
            "monthly_targets": [{"month": 3, "plan_investment": "200.00"}],
        },
        format="json",
    ).json()
    assert plan["annual_plan"] == "2400.00"
    assert [t["month"] for t in plan["monthly_targets"]] == [3]


def test_reference_endpoints_and_calendar(world, office):
    assert office.get("/api/v1/departments/", {"search": "住建"}).json()["count"] == 1
    assert office.get("/api/v1/leaders/").json()["count"] == 2
    assert office.get("/api/v1/regions/").json()["count"] >= 2
    assert office.get("/api/v1/calendar/working-day/", {"date": "2025-10-11"}).json() == {
        "date": "2025-10-11",
        "is_working_day": True,
        "year_known": True,
        "warning": "",
    }
    assert office.get("/api/v1/calendar/working-day/", {"date": "2025-10-06"}).json()["is_working_day"] is False
    assert office.get("/api/v1/calendar/add-working-days/", {"start": "2025-09-30", "days": 1}).json()["result"] == "2025-10-09"
    assert office.get("/api/v1/calendar/days/", {"date__year": 2025, "kind": "workday"}).json()["count"] == 5
    assert office.get("/api/v1/calendar/add-working-days/", {"start": "2025-09-30", "days": "x"}).status_code == 400


def test_overdue_list_worst_first_with_working_days(world, office):
    items = items_for(world.own, world.dept_a)
    Milestone.objects.create(
        project=world.other, name="临期节点", stage="construction", planned_date=dt.date(2026, 12, 2), responsible_dept=world.dept_b
    )
    body = office.get("/api/v1/overdue/", {"page_size": 200}).json()
    rows = body["results"]
    assert rows[0]["light"] == "red"
    assert rows[-1]["light"] in ("yellow", "red")
    milestone = next(r for r in rows if r["type"] == "milestone" and r["id"] == items["milestone"].pk)
    # Due Thu 1 Oct 2026 (a holiday); today Fri 27 Nov 2026.
    assert milestone["days_overdue"] == 57
    # 8, 9, 10 (make-up Saturday) Oct, 15 more in October, 20 in November.
    assert milestone["working_days_overdue"] == 38
    assert (milestone["leader_position"], milestone["department_name"]) == ("常务副区长", "住建局")
    reports = [r for r in rows if r["type"] == "report"]
    assert {r["project_id"] for r in reports} == {world.own.pk, world.other.pk}  # nothing filed this year
    assert {r["title"] for r in reports} == {f"2026年{m}月月报未报送" for m in range(1, 11)}  # January–October, all overdue
    assert {r["due_date"] for r in reports if r["title"] == "2026年10月月报未报送"} == {"2026-11-05"}
    soon = next(r for r in rows if r["title"] == "临期节点")
    assert (soon["light"], soon["days_overdue"], soon["working_days_overdue"]) == ("yellow", 0, 0)
    assert (soon["days_left"], soon["working_days_left"]) == (5, 3)
    assert (milestone["days_left"], milestone["working_days_left"]) == (0, 0)
    assert all(r["light"] == "yellow" for r in office.get("/api/v1/overdue/", {"light": "yellow"}).json()["results"])
    assert {r["type"] for r in office.get("/api/v1/overdue/", {"type": "problem"}).json()["results"]} == {"problem"}
    mine = office.get(f"/api/v1/leaders/{world.leader_a.pk}/overdue/").json()["results"]
    assert mine
    assert all(r["leader_id"] == world.leader_a.pk for r in mine)
    assert office.get("/api/v1/overdue/", {"light": "purple"}).status_code == 400


def test_project_comments_by_the_leader(world):
    leader = world.client("leader")
    url = f"/api/v1/projects/{world.own.pk}/comments/"
    assert leader.post(url, {"kind": "instruction", "text": "本周内完成征拆签约"}, format="json").status_code == 201
    comments = leader.get(url).json()
    assert comments[0]["kind"] == "instruction"
    assert leader.post(url, {"text": ""}, format="json").status_code == 400


def test_stats_summary_agrees_with_the_rows_on_the_demo_portfolio():
    load_demo()
    from rest_framework.test import APIClient

    from apps.accounts.models import User

    client = APIClient()
    client.force_authenticate(User.objects.get(username="viewer"))
    body = client.get("/api/v1/stats/summary/", {"year": 2026, "month": 10, "decimals": 2}).json()
    assert body["rounding"] == {"mode": "half_up", "decimals": 2, "label": "四舍五入，保留2位小数"}
    total = body["total"]
    end = dt.date(2026, 10, 31)
    plans = list(
        Project.objects.filter(archived_at__isnull=True).values_list(
            "annual_plans__annual_role", "annual_plans__annual_plan", "actual_start", "annual_plans__resume_date", "total_investment"
        )
    )
    plan_total = sum(p[1] for p in plans if p[1] is not None)
    ytd = sum(r.period_completed for r in ProgressReport.objects.filter(year=2026, month__lte=10, status="approved"))
    started = [p for p in plans if p[0] == "new" and p[2] and p[2] <= end]
    resumed = [p for p in plans if p[0] in ("cont", "complete") and p[3] and p[3] <= end]
    going = started + resumed
    assert Decimal(total["annual_plan"]) == plan_total
    assert Decimal(total["ytd_completed"]) == ytd.quantize(Decimal("0.01"))
    assert Decimal(total["completion_rate"]) == (ytd / plan_total * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(total["annual_plan_yi"]) == (plan_total / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(total["time_progress"]) == Decimal("83.33")
    assert total["over_5m_count"] == sum(1 for p in going if p[4] >= 500)
    assert Decimal(total["over_5m_investment"]) == sum(p[4] for p in going if p[4] >= 500)
    assert total["over_100m_count"] == sum(1 for p in going if p[4] >= 10000)
    assert total["new_start_planned"] == sum(1 for p in plans if p[0] == "new")
    assert total["new_start_started"] == len(started)
    assert sum(total["lights"].values()) == Project.objects.count()
    grouped = client.get("/api/v1/stats/summary/", {"year": 2026, "month": 10, "group_by": "category"}).json()
    assert sum(g["project_count"] for g in grouped["groups"]) == total["project_count"]
    assert sum(Decimal(g["annual_plan"]) for g in grouped["groups"]) == plan_total
    for group_by in ("department", "region", "leader"):
        assert client.get("/api/v1/stats/summary/", {"group_by": group_by}).status_code == 200
    assert client.get("/api/v1/stats/summary/", {"month": 13}).status_code == 400


def test_problem_list_filters(world, office):
    items_for(world.own, world.dept_a)
    assert office.get("/api/v1/problems/", {"department": world.dept_a.pk, "status": "new"}).json()["count"] == 1
    assert office.get("/api/v1/problems/", {"overdue": "true"}).json()["count"] == 1
    assert office.get("/api/v1/problems/", {"search": "问题"}).json()["count"] >= 1
    assert Problem.objects.count() == 2


@pytest.mark.parametrize(
    "resource",
    [
        "projects",
        "annual-plans",
        "milestones",
        "progress-reports",
        "problems",
        "land-acquisitions",
        "supervision-notices",
        "departments",
        "leaders",
        "regions",
        "calendar/days",
    ],
)
def test_every_resource_lists_and_details_with_an_etag(world, office, resource):
    items_for(world.own, world.dept_a)
    listing = office.get(f"/api/v1/{resource}/")
    assert listing.status_code == 200
    first = listing.json()["results"][0]
    detail = office.get(f"/api/v1/{resource}/{first['id']}/")
    assert detail.status_code == 200
    assert detail["ETag"].startswith('"')
    assert detail.json()["id"] == first["id"]
    # A conditional write with the right ETag goes through; "*" always matches — except for an annual
    # plan, whose adjustment names the version it saw and its reason (apps/projects/plans.py).
    body = {"reason": "核对"} if resource == "annual-plans" else {}
    assert office.patch(f"/api/v1/{resource}/{first['id']}/", body, format="json", HTTP_IF_MATCH=detail["ETag"]).status_code == 200
    star = office.patch(f"/api/v1/{resource}/{first['id']}/", body, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == (428 if resource == "annual-plans" else 200)
