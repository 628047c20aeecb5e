"""Permission matrix: each role × each write endpoint × own / other department's project."""

from __future__ import annotations

import pytest

from tests.api.world import build_world, items_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

OFFICE = {"office", "rw_token"}
OWN_DEPT = OFFICE | {"department"}
LEADER_OWN = OFFICE | {"leader"}

# name: (method, path(world, project, items), payload(world, project, items), roles allowed on own project, roles allowed on the other)
OPERATIONS = {
    "project.create": (
        "post",
        lambda w, p, i: "/api/v1/projects/",
        lambda w, p, i: {
            "name": "新项目",
            "category": p.category.code,
            "investment_mode": "filing",
            "region": p.region_id,
            "start_year": 2026,
            "end_year": 2027,
            "total_investment": "800.00",
        },
        OFFICE,
        OFFICE,
    ),
    "project.update": ("patch", lambda w, p, i: f"/api/v1/projects/{p.pk}/", lambda w, p, i: {"remarks": "已调度"}, OWN_DEPT, OFFICE),
    "project.archive": ("post", lambda w, p, i: f"/api/v1/projects/{p.pk}/archive/", lambda w, p, i: {}, OFFICE, OFFICE),
    "project.comment": (
        "post",
        lambda w, p, i: f"/api/v1/projects/{p.pk}/comments/",
        lambda w, p, i: {"kind": "instruction", "text": "加快征拆"},
        LEADER_OWN,
        OFFICE,
    ),
    "annual_plan.create": (
        "post",
        lambda w, p, i: "/api/v1/annual-plans/",
        lambda w, p, i: {"project": p.pk, "year": 2027, "annual_role": "cont", "annual_plan": "500.00"},
        OFFICE,
        OFFICE,
    ),
    "annual_plan.update": (
        "patch",
        lambda w, p, i: f"/api/v1/annual-plans/{p.annual_plans.get().pk}/",
        lambda w, p, i: {"annual_plan": "1500.00", "reason": "按县政府调度会调整"},
        OFFICE,
        OFFICE,
    ),
    "responsibility.create_liaison": (
        "post",
        lambda w, p, i: f"/api/v1/projects/{p.pk}/responsibilities/",
        lambda w, p, i: {"role": "liaison", "department": i["milestone"].responsible_dept_id, "person_name": "联络员甲"},
        OWN_DEPT,
        OFFICE,
    ),
    "responsibility.create_leader": (
        "post",
        lambda w, p, i: f"/api/v1/projects/{p.pk}/responsibilities/",
        lambda w, p, i: {"role": "leader", "leader": w.leader_b.pk},
        OFFICE,
        OFFICE,
    ),
    "responsibility.update_lead_dept": (
        "patch",
        lambda w, p, i: f"/api/v1/projects/{p.pk}/responsibilities/{p.responsibilities.get(role='lead_dept').pk}/",
        lambda w, p, i: {"department": w.dept_b.pk},
        OFFICE,
        OFFICE,
    ),
    "responsibility.delete_leader": (
        "delete",
        lambda w, p, i: f"/api/v1/projects/{p.pk}/responsibilities/{p.responsibilities.get(role='leader').pk}/",
        lambda w, p, i: None,
        OFFICE,
        OFFICE,
    ),
    "milestone.create": (
        "post",
        lambda w, p, i: "/api/v1/milestones/",
        lambda w, p, i: {"project": p.pk, "name": "主体封顶", "stage": "construction", "planned_date": "2026-12-20"},
        OWN_DEPT,
        OFFICE,
    ),
    "milestone.update": (
        "patch",
        lambda w, p, i: f"/api/v1/milestones/{i['milestone'].pk}/",
        lambda w, p, i: {"status": "doing"},
        OWN_DEPT,
        OFFICE,
    ),
    "milestone.complete": (
        "post",
        lambda w, p, i: f"/api/v1/milestones/{i['milestone'].pk}/complete/",
        lambda w, p, i: {"actual_date": "2026-11-20", "doc_number": "文〔2026〕1号"},
        OWN_DEPT,
        OFFICE,
    ),
    "report.create": (
        "post",
        lambda w, p, i: "/api/v1/progress-reports/",
        lambda w, p, i: {"project": p.pk, "year": 2026, "month": 10, "period_completed": "100.00"},
        OWN_DEPT,
        OFFICE,
    ),
    "report.update": (
        "patch",
        lambda w, p, i: f"/api/v1/progress-reports/{i['draft'].pk}/",
        lambda w, p, i: {"period_completed": "50.00"},
        OWN_DEPT,
        OFFICE,
    ),
    "report.submit": ("post", lambda w, p, i: f"/api/v1/progress-reports/{i['draft'].pk}/submit/", lambda w, p, i: {}, OWN_DEPT, OFFICE),
    "report.approve": (
        "post",
        lambda w, p, i: f"/api/v1/progress-reports/{i['submitted'].pk}/approve/",
        lambda w, p, i: {},
        OFFICE,
        OFFICE,
    ),
    "report.return": (
        "post",
        lambda w, p, i: f"/api/v1/progress-reports/{i['submitted'].pk}/return/",
        lambda w, p, i: {"reason": "数据不符"},
        OFFICE,
        OFFICE,
    ),
    "problem.create": (
        "post",
        lambda w, p, i: "/api/v1/problems/",
        lambda w, p, i: {
            "project": p.pk,
            "category": "land",
            "description": "新问题",
            "raised_on": "2026-11-01",
            "responsible_dept": i["milestone"].responsible_dept_id,
            "deadline": "2026-12-01",
        },
        OWN_DEPT,
        OFFICE,
    ),
    "problem.update": (
        "patch",
        lambda w, p, i: f"/api/v1/problems/{i['problem'].pk}/",
        lambda w, p, i: {"status": "handling"},
        OWN_DEPT,
        OFFICE,
    ),
    "problem.resolve": (
        "post",
        lambda w, p, i: f"/api/v1/problems/{i['problem'].pk}/resolve/",
        lambda w, p, i: {"resolution": "已协调解决"},
        OWN_DEPT,
        OFFICE,
    ),
    "problem.close": ("post", lambda w, p, i: f"/api/v1/problems/{i['resolved_problem'].pk}/close/", lambda w, p, i: {}, OFFICE, OFFICE),
    "land.create": (
        "post",
        lambda w, p, i: "/api/v1/land-acquisitions/",
        lambda w, p, i: {"project": p.pk, "parcel_name": "二号地块", "required_area_mu": "10.00"},
        OWN_DEPT,
        OFFICE,
    ),
    "land.update": (
        "patch",
        lambda w, p, i: f"/api/v1/land-acquisitions/{i['land'].pk}/",
        lambda w, p, i: {"acquired_area_mu": "5.00"},
        OWN_DEPT,
        OFFICE,
    ),
    "notice.create": (
        "post",
        lambda w, p, i: "/api/v1/supervision-notices/",
        lambda w, p, i: {
            "notice_type": "supervise",
            "number": f"督〔2026〕{p.pk}9号",
            "issued_on": "2026-11-20",
            "target_dept": i["notice"].target_dept_id,
            "content": "限期整改",
            "projects": [p.pk],
        },
        OFFICE,
        OFFICE,
    ),
    "notice.update": (
        "patch",
        lambda w, p, i: f"/api/v1/supervision-notices/{i['notice'].pk}/",
        lambda w, p, i: {"reply_text": "已整改"},
        OFFICE,
        OFFICE,
    ),
    "department.create": ("post", lambda w, p, i: "/api/v1/departments/", lambda w, p, i: {"name": f"新单位{p.pk}"}, OFFICE, OFFICE),
    "department.update": (
        "patch",
        lambda w, p, i: f"/api/v1/departments/{w.dept_a.pk}/",
        lambda w, p, i: {"contact_phone": "0743-1"},
        OFFICE,
        OFFICE,
    ),
    "leader.update": (
        "patch",
        lambda w, p, i: f"/api/v1/leaders/{w.leader_a.pk}/",
        lambda w, p, i: {"portfolio": "重点项目"},
        OFFICE,
        OFFICE,
    ),
    "region.update": ("patch", lambda w, p, i: f"/api/v1/regions/{p.region_id}/", lambda w, p, i: {"sort_order": 3}, OFFICE, OFFICE),
    "calendar.create": (
        "post",
        lambda w, p, i: "/api/v1/calendar/days/",
        lambda w, p, i: {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        OFFICE,
        OFFICE,
    ),
}
ROLES = ("office", "rw_token", "department", "leader", "viewer", "read_token")
# Writes that must send the ETag they read (ApiViewSet.if_match_required).
NEEDS_IF_MATCH = {"annual_plan.update"}


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_permission_matrix(operation, role, which):
    world = build_world()
    project = world.own if which == "own" else world.other
    dept = world.dept_a if which == "own" else world.dept_b
    items = items_for(project, dept)
    method, path, payload, allowed_own, allowed_other = OPERATIONS[operation]
    allowed = allowed_own if which == "own" else allowed_other
    client, url = world.client(role), path(world, project, items)
    headers = {"HTTP_IF_MATCH": client.get(url)["ETag"]} if operation in NEEDS_IF_MATCH else {}
    response = getattr(client, method)(url, payload(world, project, items), format="json", **headers)
    if role in allowed:
        assert response.status_code in (200, 201, 204), (response.status_code, response.json())
    else:
        assert response.status_code == 403, (response.status_code, response.content[:300])
        body = response.json()
        assert set(body) >= {"code", "message", "errors"}
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # a Chinese message


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_portfolio(role):
    world = build_world()
    client = world.client(role)
    for path in (
        "/api/v1/projects/",
        f"/api/v1/projects/{world.other.pk}/",
        "/api/v1/milestones/",
        "/api/v1/overdue/",
        "/api/v1/stats/summary/",
    ):
        assert client.get(path).status_code == 200, path


def test_anonymous_gets_401_in_chinese():
    world = build_world()
    response = world.client("anonymous").get("/api/v1/projects/")
    assert response.status_code in (401, 403)
    assert response.json()["message"]
