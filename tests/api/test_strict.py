"""A strict API: what it does not know is a 400 that names it, in Chinese; the schema documents the
typed query parameters and the errors of every operation; a project created through the API gets
its approval milestones."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from apps.milestones.models import ApprovalTemplate, Milestone, OffsetBase
from apps.organization.models import Region
from apps.progress.models import ProgressReport
from apps.projects.models import Project
from tests.api.world import build_world, items_for
from tests.factories import ApprovalTemplateFactory, ApprovalTemplateItemFactory

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def office(world):
    return world.client("office")


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def assert_refused_naming(response, *names: str) -> dict:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert CHINESE.search(body["message"])
    for name in names:
        assert name in body["message"]
        assert name in body["errors"]
    assert "Error" not in body["message"]
    return body


# --- ordering ---------------------------------------------------------------------------------


def test_an_unknown_ordering_value_is_refused_with_a_message_naming_it(world, office):
    response = office.get("/api/v1/projects/", {"ordering": "name,-budget"})
    assert response.status_code == 400
    body = response.json()
    assert "ordering" in body["errors"]
    assert "不支持的排序字段：-budget" in body["message"]
    assert "total_investment" in body["message"]  # and it says what is accepted


def test_known_ordering_values_in_both_directions_are_accepted(world, office):
    assert office.get("/api/v1/projects/", {"ordering": "-total_investment,name"}).status_code == 200
    assert office.get("/api/v1/milestones/", {"ordering": "-planned_date"}).status_code == 200
    assert office.get("/api/v1/projects/", {"ordering": ""}).status_code == 200


# --- query parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects/",
        "/api/v1/milestones/",
        "/api/v1/problems/",
        "/api/v1/progress-reports/",
        "/api/v1/overdue/",
        "/api/v1/stats/summary/",
        "/api/v1/projects/sync/",
        "/api/v1/deletions/?resource=projects",
        "/api/v1/calendar/working-day/?date=2026-10-01",
    ],
)
def test_an_unknown_query_parameter_is_refused_with_a_message_naming_it(world, office, url):
    response = office.get(url + ("&" if "?" in url else "?") + "deparment=1")
    assert_refused_naming(response, "deparment")


def test_an_unknown_query_parameter_on_a_detail_or_a_write_is_refused_too(world, office):
    assert_refused_naming(office.get(f"/api/v1/projects/{world.own.pk}/?verbose=1"), "verbose")
    assert_refused_naming(office.patch(f"/api/v1/projects/{world.own.pk}/?dry_run=1", {"remarks": "改"}, format="json"), "dry_run")
    assert Project.objects.get(pk=world.own.pk).remarks != "改"


def test_a_stranger_with_an_unknown_parameter_is_told_to_sign_in_first(world):
    assert world.client("anonymous").get("/api/v1/projects/?deparment=1").status_code == 401


def test_the_parameters_clients_in_the_repo_use_are_accepted(world, office):
    # filters, search, ordering, pages, format and the sync cursor's page size (README, bench/, tests)
    query = {"department": world.dept_a.pk, "search": "项目", "ordering": "-total_investment", "page": 1, "page_size": 50}
    assert office.get("/api/v1/projects/", query).status_code == 200
    assert office.get("/api/v1/projects/", {"format": "json"}).status_code == 200
    first = office.get("/api/v1/milestones/sync/", {"page_size": 1, "updated_since": "2020-01-01T00:00:00+08:00"})
    assert first.status_code == 200
    assert office.get("/api/v1/leaders/", {"is_active": "true"}).status_code == 200
    readme = [
        "/api/v1/projects/?category=infra&light=red&ordering=-total_investment",
        "/api/v1/projects/sync/?updated_since=2026-11-01T00:00:00%2B08:00",
        "/api/v1/overdue/?light=red",
        "/api/v1/stats/summary/?year=2026&month=10&group_by=category",
        "/api/v1/reminder-deliveries/?status=failed",
        "/api/v1/deletions/?resource=projects",
    ]
    assert {url: office.get(url).status_code for url in readme} == dict.fromkeys(readme, 200)


@pytest.mark.parametrize(
    "query",
    [
        {"page_size": "null"},
        {"page_size": "0"},
        {"page_size": "-5"},
        {"page_size": "20.5"},
        {"page": "abc"},
        {"page": "0"},
        {"project": "abc"},
        {"updated_since": "yesterday"},
        {"light": "purple"},
    ],
)
def test_a_mistyped_query_parameter_is_refused(world, office, query):
    name = next(iter(query))
    response = office.get("/api/v1/milestones/", query)
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert name in body["errors"]
    assert CHINESE.search(body["message"])


def test_a_sync_page_size_of_null_is_refused(world, office):
    response = office.get("/api/v1/projects/sync/", {"page_size": "null"})
    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]


def test_a_page_size_over_the_maximum_is_served_at_the_maximum(world, office):
    response = office.get("/api/v1/projects/", {"page_size": 100000})
    assert response.status_code == 200


def test_a_page_past_the_end_is_404_in_chinese(world, office):
    response = office.get("/api/v1/projects/", {"page": 99})
    assert response.status_code == 404
    assert response.json()["message"] == "页码超出范围。"


# --- body fields ------------------------------------------------------------------------------


def project_payload(world, **extra) -> dict:
    return {
        "name": "新登记项目",
        "category": world.own.category.code,
        "investment_mode": "approval",
        "region": world.own.region_id,
        "start_year": 2026,
        "end_year": 2027,
        "planned_start": "2026-12-01",
        "planned_finish": "2027-12-31",
        "total_investment": "800.00",
        **extra,
    }


def test_an_unknown_json_field_on_create_is_refused_and_nothing_is_created(world, office):
    before = Project.objects.count()
    response = office.post("/api/v1/projects/", project_payload(world, budget="100", owner="甲"), format="json")
    body = assert_refused_naming(response, "budget", "owner")
    assert "不支持的字段" in body["message"]
    assert Project.objects.count() == before


def test_an_unknown_json_field_on_update_is_refused_and_nothing_changes(world, office):
    items = items_for(world.own, world.dept_a)
    url = f"/api/v1/milestones/{items['milestone'].pk}/"
    response = office.patch(url, {"remarks": "改", "planed_date": "2026-12-01"}, format="json")
    assert_refused_naming(response, "planed_date")
    assert Milestone.objects.get(pk=items["milestone"].pk).remarks != "改"


def test_a_read_only_field_sent_in_a_body_is_refused(world, office):
    response = office.patch(f"/api/v1/projects/{world.own.pk}/", {"light": "green"}, format="json")
    assert_refused_naming(response, "light")


def test_an_unknown_field_inside_a_nested_item_is_refused_with_its_path(world, office):
    payload = {"project": world.own.pk, "year": 2027, "annual_plan": "100.00", "monthly_targets": [{"month": 1, "targt": "5"}]}
    response = office.post("/api/v1/annual-plans/", payload, format="json")
    assert_refused_naming(response, "monthly_targets.0.targt")


def test_an_unknown_field_on_an_action_is_refused(world, office):
    items = items_for(world.own, world.dept_a)
    response = office.post(
        f"/api/v1/milestones/{items['milestone'].pk}/complete/", {"actual_date": "2026-10-01", "doc_no": "1"}, format="json"
    )
    assert_refused_naming(response, "doc_no")


def test_reference_data_refuses_unknown_fields_too(world, office):
    response = office.post("/api/v1/regions/", {"name": "新区", "code": "330199", "kind": "township", "zone": "东"}, format="json")
    assert_refused_naming(response, "zone")
    assert not Region.objects.filter(name="新区").exists()


# --- project creation generates its approval milestones --------------------------------------


@pytest.fixture
def template():
    """An approval template of three items for projects under 审批 (approval)."""
    template = ApprovalTemplateFactory(investment_mode="approval")
    for offset in (-90, -60, -30):
        ApprovalTemplateItemFactory(template=template, offset_base=OffsetBase.PLANNED_START, offset_days=offset)
    return template


def test_a_project_created_through_the_api_gets_the_milestones_of_its_template(world, office, template):
    # given a template for its investment mode
    # when the office registers a project without saying anything about milestones
    response = office.post("/api/v1/projects/", project_payload(world), format="json")
    # then it has one approval milestone per template item, with planned dates from its start
    assert response.status_code == 201, response.content[:300]
    milestones = Milestone.objects.filter(project_id=response.json()["id"])
    assert milestones.count() == template.items.count() == 3
    assert set(milestones.values_list("template_item__template", flat=True)) == {template.pk}
    assert sorted(str(m.planned_date) for m in milestones) == ["2026-09-02", "2026-10-02", "2026-11-01"]


def test_a_project_whose_mode_has_no_template_is_created_without_milestones(world, office):
    assert not ApprovalTemplate.objects.exists()
    response = office.post("/api/v1/projects/", project_payload(world), format="json")
    assert response.status_code == 201
    assert not Milestone.objects.filter(project_id=response.json()["id"]).exists()


def test_a_project_created_with_generate_milestones_false_gets_none(world, office, template):
    response = office.post("/api/v1/projects/", project_payload(world, generate_milestones=False), format="json")
    assert response.status_code == 201
    assert not Milestone.objects.filter(project_id=response.json()["id"]).exists()
    assert "generate_milestones" not in response.json()


def test_a_refused_project_leaves_no_milestones_behind(world, office, template):
    before = Milestone.objects.count()
    response = office.post("/api/v1/projects/", project_payload(world, end_year=2020), format="json")
    assert response.status_code == 400
    assert Milestone.objects.count() == before


def test_generate_milestones_is_documented_as_a_write_only_boolean(schema):
    field = schema["components"]["schemas"]["ProjectCreateRequest"]["properties"]["generate_milestones"]
    assert field["type"] == "boolean"
    assert field["default"] is True
    assert "模板" in field["description"]


# --- no exception class name in a message -----------------------------------------------------


def test_a_lost_race_gets_a_chinese_message_without_an_exception_name(world, monkeypatch):
    from apps.core.services import save_validated

    # given a second report for the same period that passed validation (the other writer
    # committed after our check)
    first = items_for(world.own, world.dept_a)["draft"]
    duplicate = ProgressReport(project=first.project, year=first.year, month=first.month)
    monkeypatch.setattr(duplicate, "full_clean", lambda **kwargs: None)
    # when it is saved, then the database's refusal comes back in Chinese, naming no class
    with pytest.raises(ValidationError) as refused:
        save_validated(duplicate, actor=None)
    message = " ".join(refused.value.messages)
    assert CHINESE.search(message)
    assert "Error" not in message
    assert "Integrity" not in message


def test_an_integrity_error_escaping_a_view_is_a_chinese_400(world, office, monkeypatch):
    from apps.projects.api import views

    def lost_race(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(views, "project_comment_add", lost_race)
    response = office.post(f"/api/v1/projects/{world.own.pk}/comments/", {"text": "请加快进度"}, format="json")
    assert response.status_code == 400
    assert "Error" not in response.json()["message"]
    assert "duplicate" not in response.content.decode()
    assert CHINESE.search(response.json()["message"])


# --- the schema -------------------------------------------------------------------------------


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def test_every_operation_documents_its_error_responses(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"400", "401", "403"} <= codes, (method, path)
        if "{id}" in path:
            assert "404" in codes, (method, path)
            if method != "GET":
                assert "412" in codes, (method, path)
        assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiError")


def test_query_parameters_are_typed(schema):
    untyped = []
    for path, _method, operation in operations(schema):
        for param in operation.get("parameters", []):
            if param["in"] != "query":
                continue
            kind = param["schema"].get("type")
            if param["name"] in {"project", "department", "leader", "region", "page", "page_size", "year", "month"} and kind != "integer":
                untyped.append((path, param["name"], kind))
            if param["name"] in {"updated_since"} and param["schema"].get("format") != "date-time":
                untyped.append((path, param["name"], param["schema"]))
            if param["name"] == "ordering" and not param["schema"].get("items", {}).get("enum"):
                untyped.append((path, param["name"], param["schema"]))
    assert untyped == []


def test_the_api_accepts_exactly_the_query_parameters_the_schema_documents(world, office, schema):
    # every documented parameter of the project list passes the check (values may still be refused)
    params = next(op for path, method, op in operations(schema) if path == "/api/v1/projects/" and method == "GET")["parameters"]
    for param in params:
        response = office.get("/api/v1/projects/", {param["name"]: "1"})
        assert "不支持的查询参数" not in response.json().get("message", ""), param["name"]


def test_a_project_planned_in_year_one_is_refused_not_a_500(world, office, template):
    before = Project.objects.count()
    response = office.post("/api/v1/projects/", project_payload(world, start_year=2026, planned_start="0001-03-01"), format="json")
    assert response.status_code == 400, response.content[:300]
    assert Project.objects.count() == before


@pytest.mark.parametrize("value", ["²", "١", "𝟗", "1²"])
def test_a_non_ascii_digit_page_size_is_a_400_not_a_500(office, value):
    for path in ("/api/v1/overdue/", "/api/v1/projects/", "/api/v1/projects/sync/"):
        assert office.get(path, {"page_size": value}).status_code == 400, path
    assert office.get("/api/v1/projects/", {"page": value}).status_code == 400
