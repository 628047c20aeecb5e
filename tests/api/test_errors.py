"""Any malformed input gets a 4xx in the one error shape, with a Chinese message, and changes nothing."""

from __future__ import annotations

import pytest

from apps.progress.models import ProgressReport
from apps.projects.models import Project
from tests.api.world import build_world, items_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def world():
    return build_world()


def _project_payload(world, **overrides):
    return {
        "name": "测试",
        "category": world.own.category.code,
        "investment_mode": "filing",
        "region": world.own.region_id,
        "start_year": 2026,
        "end_year": 2027,
        "total_investment": "100.00",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"total_investment": "abc"}, "total_investment"),
        ({"total_investment": "-1"}, "total_investment"),
        ({"investment_mode": "bribe"}, "investment_mode"),
        ({"primary_code": "2024-433126-48"}, "primary_code"),
        ({"primary_code": "2024-993126-48-01-000001"}, "primary_code"),
        ({"start_year": "二〇二六"}, "start_year"),
        ({"planned_start": "2026-13-45"}, "planned_start"),
        ({"region": 999999}, "region"),
        ({"category": "nope"}, "category"),
        ({"name": ""}, "name"),
        ({"start_year": 2027, "end_year": 2026}, None),
    ],
)
def test_bad_project_input_is_a_400_with_chinese_field_messages(world, overrides, field):
    response = world.client("office").post("/api/v1/projects/", _project_payload(world, **overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert _chinese(body["message"])
    if field:
        assert field in body["errors"]
        assert all(_chinese(m) for m in body["errors"][field])
    assert Project.objects.count() == 2


def test_a_report_for_a_future_period_is_refused(world):
    response = world.client("office").post("/api/v1/progress-reports/", {"project": world.own.pk, "year": 2027, "month": 1}, format="json")
    assert response.status_code == 400
    assert "未来报告期" in str(response.json())
    assert not ProgressReport.objects.exists()


def test_a_second_report_for_the_same_period_is_refused(world):
    client = world.client("office")
    payload = {"project": world.own.pk, "year": 2026, "month": 10, "period_completed": "1.00"}
    assert client.post("/api/v1/progress-reports/", payload, format="json").status_code == 201
    second = client.post("/api/v1/progress-reports/", payload, format="json")
    assert second.status_code == 400
    assert "已有月报" in second.json()["message"]


def test_a_forbidden_transition_is_a_400(world):
    items = items_for(world.own, world.dept_a)
    response = world.client("office").post(f"/api/v1/progress-reports/{items['draft'].pk}/approve/")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "不能执行" in response.json()["message"]


def test_an_oversized_payload_is_a_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = world.client("office").post("/api/v1/projects/", _project_payload(world, remarks="很" * 2000), format="json")
    assert response.status_code == 413
    assert response.json()["message"] == "请求数据过大。"


@pytest.mark.parametrize("body", ["{not json", "[]", "null", '"text"'])
def test_malformed_json_is_a_400(world, body):
    response = world.client("office").generic("POST", "/api/v1/projects/", body, content_type="application/json")
    assert response.status_code == 400
    assert _chinese(response.json()["message"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/projects/?year=abc",
        "/api/v1/projects/?light=purple",
        "/api/v1/projects/?updated_since=yesterday",
        "/api/v1/projects/?ordering=password",
        "/api/v1/milestones/?due_from=2026-02-31",
        "/api/v1/projects/sync/?updated_since=2026-01-01",
        "/api/v1/stats/summary/?year=1",
        "/api/v1/calendar/add-working-days/?start=2026-01-01&days=99999999",
        "/api/v1/calendar/add-working-days/?start=9999-12-30&days=2000",
    ],
)
def test_bad_query_parameters_are_4xx_never_500(world, path):
    response = world.client("office").get(path)
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.status_code


def test_unknown_object_is_a_chinese_404(world):
    response = world.client("office").get("/api/v1/projects/999999/")
    assert response.status_code == 404
    assert response.json()["message"] == "未找到。"


def test_unsupported_method_is_a_405(world):
    response = world.client("office").delete(f"/api/v1/projects/{world.own.pk}/")
    assert response.status_code == 405
    assert _chinese(response.json()["message"])
