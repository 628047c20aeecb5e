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


# --- every 404/405/500 under /api/ is JSON in the one shape -----------------------------------------


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert _chinese(body["message"]), body
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/projects/0.5/"),  # a detail id that is no integer (schemathesis: 18 HTML 404s on main)
        ("get", "/api/v1/leaders/0.5/overdue/"),
        ("post", "/api/v1/projects/0.5/archive/"),
        ("post", "/api/v1/projects/-1/comments/"),  # a valid body (an invalid one is a 400 first)
        ("get", "/api/v1/projects/1e3/"),
        ("get", "/api/v1/projects/abc/"),
        ("get", "/api/v1/nothing/"),
        ("get", "/api/v1/projects/1//"),  # trailing-slash variants
        ("get", "/api/v1/projects//"),
        ("get", "/api/"),
        ("get", "/api/v2/projects/"),
    ],
)
def test_an_unknown_api_address_is_a_json_404(world, method, path):
    body = {"kind": "comment", "text": "请加快进度"} if method == "post" else None
    assert_json_error(getattr(world.client("office"), method)(path, body, format="json"), 404)


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_api_address_without_its_trailing_slash_is_a_json_404_naming_the_right_one(world, method):
    # not Django's 301, which would turn a POST into a GET
    response = getattr(world.client("office"), method)("/api/v1/projects")
    body = assert_json_error(response, 404)
    assert "/api/v1/projects/" in body["message"]
    assert Project.objects.count() == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/v1/projects/{pk}/"),
        ("put", "/api/v1/projects/"),
        ("post", "/api/schema/"),  # the schema's own renderer is YAML; its errors are JSON
        ("post", "/api/docs/"),
        ("post", "/api/redoc/"),
        ("post", "/api/redoc/redoc.standalone.js"),
    ],
)
def test_a_method_the_api_does_not_take_is_a_json_405_with_allow(world, method, path):
    response = getattr(world.client("office"), method)(path.format(pk=world.own.pk))
    assert_json_error(response, 405)
    assert "GET" in response["Allow"]


def test_the_docs_and_the_schema_still_answer_get(world):
    client = world.client("office")
    assert client.get("/api/schema/").status_code == 200
    assert client.head("/api/redoc/redoc.standalone.js").status_code == 200


def test_an_unexpected_exception_in_a_view_is_a_json_500_and_its_traceback_is_logged(world, monkeypatch, caplog):
    from apps.projects.api import views

    def broken(**kwargs):
        raise RuntimeError("selector exploded")

    # given a selector that fails in a way no view handles
    monkeypatch.setattr(views, "project_list", broken)
    client = world.client("office")
    client.raise_request_exception = False
    # when a client asks for the list
    with caplog.at_level("ERROR", logger="django.request"):
        response = client.get("/api/v1/projects/")
    # then it gets the one error shape in Chinese, nothing of the exception
    body = assert_json_error(response, 500)
    assert body["code"] == "server_error"
    assert "exploded" not in response.content.decode()
    # and the traceback is in the log for the administrator
    record = next(r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR")
    assert record.exc_info
    assert record.exc_info[0] is RuntimeError
    assert "/api/v1/projects/" in record.getMessage()


def test_a_session_write_without_its_csrf_token_is_refused_in_chinese(world):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["office"])
    response = client.patch(f"/api/v1/projects/{world.own.pk}/", {"remarks": "跨站修改"}, format="json")
    body = assert_json_error(response, 403)
    assert "CSRF" in body["message"]
    assert Project.objects.get(pk=world.own.pk).remarks != "跨站修改"
