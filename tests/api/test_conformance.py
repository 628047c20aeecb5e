"""Anything outside the OpenAPI schema is a 400 in the one error shape, with a Chinese message
naming the parameter or field, and changes nothing (apps/api/conformance.py, strict.ConformsToSchema).

The cases are the kinds schemathesis's negative run found accepted on main (coverage and fuzzing
phases, negative_data_rejection): an empty `updated_since=`, `year=0.5`, `is_active=null`, a number
where the schema says string, `0` where it says boolean, a body that is no object, … A few that main
already refused (a year of 0.5 on the project list, a malformed updated_since on the sync endpoints)
stay as guards next to them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.forms.models import model_to_dict

from apps.core.datetimes import parse_aware_datetime
from apps.milestones.models import Milestone
from apps.organization.models import Department, Leader, Region
from apps.problems.models import Problem, SupervisionNotice
from apps.progress.models import ProgressReport
from apps.projects.models import AnnualPlan, Project
from apps.reminders.models import ChannelPreference
from apps.scoring.models import AssessmentScheme
from apps.workcalendar.models import CalendarDay
from tests.api.world import build_world, items_for
from tests.factories import CalendarDayFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def world():
    world = build_world()
    world.items = items_for(world.own, world.dept_a)
    world.day = CalendarDayFactory(date=dt.date(2026, 12, 12), kind="workday")
    world.scheme = AssessmentScheme.objects.create(year=2026, target_kind="department", name="2026年部门考核")
    return world


def snapshot() -> dict:
    """Every row a refused request could have touched, as plain values."""
    models = (Project, AnnualPlan, Milestone, Problem, SupervisionNotice, ProgressReport, Region, Department, Leader)
    rows = {model.__name__: sorted(map(repr, (model_to_dict(o) for o in model.objects.all()))) for model in models}
    rows["days"] = sorted(CalendarDay.objects.values_list("date", "kind", "name", "note"))
    rows["schemes"] = sorted(AssessmentScheme.objects.values_list("id", "year", "name", "note"))
    rows["prefs"] = sorted(ChannelPreference.objects.values_list("user_id", "in_app", "email", "sms"))
    return rows


def assert_refused(response, name: str | None) -> dict:
    assert response.status_code == 400, (response.status_code, response.content[:400])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert CHINESE.search(body["message"]), body
    if name is not None:
        assert name in body["errors"], body
        assert all(CHINESE.search(m) for m in body["errors"][name]), body
    return body


# --- query parameters: the kinds schemathesis found accepted on main ---------------------------

LIST_QUERIES = [
    ("/api/v1/bulletins/", {"year": "0.5"}, "year"),
    ("/api/v1/bulletins/", {"month": "0.5"}, "month"),
    ("/api/v1/scoring/schemes/", {"year": "0.5"}, "year"),
    ("/api/v1/calendar/days/", {"date": ""}, "date"),
    ("/api/v1/calendar/days/", {"date__gte": ""}, "date__gte"),
    ("/api/v1/calendar/days/", {"date__lte": ""}, "date__lte"),
    ("/api/v1/calendar/days/", {"date__lte": "2026-1-1"}, "date__lte"),
    ("/api/v1/calendar/days/", {"date__year": "{}"}, "date__year"),
    ("/api/v1/leaders/", {"is_active": ["null", "null"]}, "is_active"),
    ("/api/v1/leaders/", {"is_active": "null"}, "is_active"),
    ("/api/v1/leaders/", {"is_active": "1"}, "is_active"),
    ("/api/v1/notifications/", {"unread": ["null", "null"]}, "unread"),
    ("/api/v1/notifications/", {"unread": "-1455"}, "unread"),
    ("/api/v1/milestones/", {"overdue": "null"}, "overdue"),
    ("/api/v1/milestones/", {"due_from": ""}, "due_from"),
    ("/api/v1/milestones/", {"due_to": ""}, "due_to"),
    ("/api/v1/milestones/", {"light": ""}, "light"),
    ("/api/v1/problems/", {"overdue": "null"}, "overdue"),
    ("/api/v1/problems/", {"due_from": ""}, "due_from"),
    ("/api/v1/problems/", {"due_to": ""}, "due_to"),
    ("/api/v1/projects/", {"overdue": "-1"}, "overdue"),
    ("/api/v1/projects/", {"overdue": "-8.756374936450877e-76"}, "overdue"),
    ("/api/v1/projects/", {"year": "0.5"}, "year"),
    ("/api/v1/projects/", {"total_investment_min": "abc"}, "total_investment_min"),
    ("/api/v1/oc4ids/package/", {"overdue": "þAÊ"}, "overdue"),
    ("/api/v1/oc4ids/package/", {"overdue": "null"}, "overdue"),
    ("/api/v1/reminder-deliveries/", {"fire_from": ""}, "fire_from"),
    ("/api/v1/reminder-deliveries/", {"fire_to": ""}, "fire_to"),
    ("/api/v1/stats/summary/", {"rounding": ""}, "rounding"),
    ("/api/v1/stats/summary/", {"level": ""}, "level"),
    ("/api/v1/stats/summary/", {"group_by": ""}, "group_by"),
    ("/api/v1/stats/summary/", {"category": ""}, "category"),
    ("/api/v1/stats/summary/", {"build_status": ""}, "build_status"),
    ("/api/v1/supervision-notices/", {"issued_from": ""}, "issued_from"),
    ("/api/v1/supervision-notices/", {"issued_to": ""}, "issued_to"),
    ("/api/v1/departments/", {"kind": ""}, "kind"),
    ("/api/v1/regions/", {"kind": ""}, "kind"),
    ("/api/v1/projects/", {"department": ["1", "2"]}, "department"),
    ("/api/v1/projects/", {"ordering": ["name", "-name"]}, "ordering"),
    ("/api/v1/projects/", {"ordering": " name"}, "ordering"),
    ("/api/v1/projects/", {"page_size": "19663157152640091029504.5"}, "page_size"),
]

UPDATED_SINCE_PATHS = [
    "/api/v1/projects/",
    "/api/v1/milestones/",
    "/api/v1/problems/",
    "/api/v1/progress-reports/",
    "/api/v1/land-acquisitions/",
    "/api/v1/supervision-notices/",
    "/api/v1/oc4ids/package/",
    "/api/v1/projects/sync/",
    "/api/v1/milestones/sync/",
    "/api/v1/problems/sync/",
    "/api/v1/progress-reports/sync/",
    "/api/v1/land-acquisitions/sync/",
    "/api/v1/deletions/",
]


def since(path: str, value: str) -> dict:
    """The query of an `updated_since` request (the deletions list also needs its resource)."""
    return {"updated_since": value, **({"resource": "projects"} if path == "/api/v1/deletions/" else {})}


@pytest.mark.parametrize(("path", "query", "name"), LIST_QUERIES, ids=[f"{p}?{q}" for p, q, _ in LIST_QUERIES])
def test_a_query_value_outside_the_schema_is_a_chinese_400(world, path, query, name):
    assert_refused(world.client("office").get(path, query), name)


UPDATED_SINCE_REFUSED = [
    ("", "ISO 8601"),
    ("yesterday", "ISO 8601"),
    ("2026-01-01", "ISO 8601"),
    ("2026-01-01T00:00:00", "ISO 8601"),  # no offset
    ("2026-11-01 00:00:00+08:00", "ISO 8601"),  # a "+" left unencoded in the address arrives as a space
    # offsets no place on Earth uses (on main: a 500 from PostgreSQL for any read-only token)
    ("2026-01-01T00:00:00+16:00", "时区偏移超出范围"),
    ("2026-01-01T00:00:00+23:59", "时区偏移超出范围"),
    ("2026-01-01T00:00:00-13:00", "时区偏移超出范围"),
    ("2026-01-01T00:00:00+14:30", "时区偏移超出范围"),
]


@pytest.mark.parametrize("path", UPDATED_SINCE_PATHS)
@pytest.mark.parametrize(("value", "says"), UPDATED_SINCE_REFUSED)
def test_updated_since_that_is_no_real_date_time_is_a_400_everywhere(world, path, value, says):
    # given a read-only token, when the moment is malformed or carries an impossible offset
    response = world.client("read_token").get(path, since(path, value))
    # then it is refused by name, in Chinese, as JSON (never a 500)
    body = assert_refused(response, "updated_since")
    assert set(body["errors"]) == {"updated_since"}
    assert says in body["errors"]["updated_since"][0]


@pytest.mark.parametrize("path", UPDATED_SINCE_PATHS)
@pytest.mark.parametrize(
    "value", ["2020-01-01T00:00:00+08:00", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00.5-12:00", "2020-01-01T00:00:00+14:00"]
)
def test_updated_since_with_a_real_offset_is_accepted(world, path, value):
    assert world.client("read_token").get(path, since(path, value)).status_code == 200


def test_a_query_error_names_every_bad_parameter(world):
    response = world.client("office").get("/api/v1/milestones/", {"due_from": "", "overdue": "yes", "project": "0"})
    body = assert_refused(response, "due_from")
    assert {"due_from", "overdue", "project"} <= set(body["errors"])
    assert body["errors"]["project"] == ["不能小于 1。"]


def test_documented_query_values_are_still_accepted(world):
    client = world.client("office")
    assert client.get("/api/v1/projects/", {"overdue": "true", "year": "2026", "total_investment_min": "100.5"}).status_code == 200
    assert client.get("/api/v1/leaders/", {"is_active": "false"}).status_code == 200
    assert client.get("/api/v1/calendar/days/", {"date__gte": "2026-01-01", "ordering": "-date"}).status_code == 200
    assert client.get("/api/v1/projects/", {"ordering": ""}).status_code == 200  # an empty list: the default order


# --- bodies ---------------------------------------------------------------------------------------


def body_cases(world) -> list[tuple[str, str, dict | list | str | None, str | None]]:
    """(method, url, JSON body, field named in the refusal): types the schema forbids, each accepted
    on main because DRF coerced it."""
    items = world.items
    milestone, problem, report, notice = items["milestone"], items["problem"], items["draft"], items["notice"]
    return [
        ("post", "/api/v1/calendar/days/", {"date": "2026-12-13", "kind": "holiday", "name": "", "note": 0}, "note"),
        ("post", "/api/v1/departments/", {"name": "新单位", "kind": "bureau", "contact_phone": 0}, "contact_phone"),
        ("post", "/api/v1/leaders/", {"position": "副区长", "is_active": 0}, "is_active"),
        ("post", "/api/v1/leaders/", {"position": "副区长", "is_active": "true"}, "is_active"),
        ("post", "/api/v1/leaders/", {"position": "副区长", "sort_order": "1"}, "sort_order"),
        ("post", "/api/v1/regions/", {"code": "330199", "name": 0, "kind": "county"}, "name"),
        ("post", "/api/v1/scoring/schemes/", {"year": 2030, "target_kind": "department", "name": "考核", "note": 0}, "note"),
        ("post", "/api/v1/scoring/schemes/", {"year": 2030.0, "target_kind": "department", "name": "考核"}, "year"),
        ("put", "/api/v1/notification-preferences/me/", {"in_app": False, "email": False, "sms": 0}, "sms"),
        ("put", "/api/v1/notification-preferences/me/", {"in_app": "false", "email": False, "sms": False}, "in_app"),
        ("patch", f"/api/v1/milestones/{milestone.pk}/", {"responsible_person": 0}, "responsible_person"),
        ("put", f"/api/v1/calendar/days/{world.day.pk}/", {"date": "2026-12-12", "kind": "holiday", "name": "", "note": 0}, "note"),
        ("patch", f"/api/v1/scoring/schemes/{world.scheme.pk}/", {"note": 0}, "note"),
        ("put", f"/api/v1/departments/{world.dept_a.pk}/", {"name": "住建局", "kind": "bureau", "contact_phone": 0}, "contact_phone"),
        (
            "put",
            f"/api/v1/problems/{problem.pk}/",
            {"category": "env", "description": "问题", "responsible_person": 0},
            "responsible_person",
        ),
        ("put", f"/api/v1/progress-reports/{report.pk}/", {"period_completed": 0}, "period_completed"),
        ("patch", f"/api/v1/progress-reports/{report.pk}/", {"period_completed": "1e3"}, "period_completed"),
        ("patch", f"/api/v1/progress-reports/{report.pk}/", {"period_completed": "12.5\n"}, "period_completed"),
        ("patch", f"/api/v1/supervision-notices/{notice.pk}/", {"reply_deadline": ""}, "reply_deadline"),
        ("patch", f"/api/v1/supervision-notices/{notice.pk}/", {"reply_deadline": "2026-1-5"}, "reply_deadline"),
        ("patch", f"/api/v1/projects/{world.own.pk}/", {"planned_start": "20261201"}, "planned_start"),
        ("patch", f"/api/v1/projects/{world.own.pk}/", {"is_county": None}, "is_county"),
        ("patch", f"/api/v1/projects/{world.own.pk}/", {"total_investment": 800}, "total_investment"),
        (
            "put",
            f"/api/v1/annual-plans/{world.own.annual_plans.get().pk}/",
            {"monthly_targets": [{"plan_investment": "1.00"}]},
            "monthly_targets.0.month",
        ),
        ("post", f"/api/v1/milestones/{milestone.pk}/complete/", {"actual_date": "2026-11-01", "doc_number": 7}, "doc_number"),
        ("post", f"/api/v1/problems/{problem.pk}/resolve/", {"resolution": {}}, "resolution"),
        ("post", f"/api/v1/progress-reports/{items['submitted'].pk}/return/", {"reason": ["退回"]}, "reason"),
        ("post", f"/api/v1/projects/{world.own.pk}/comments/", {"kind": "comment", "text": 5}, "text"),
        ("patch", f"/api/v1/milestones/{milestone.pk}/", "", None),
        ("patch", f"/api/v1/milestones/{milestone.pk}/", [{"name": "改"}], None),
        ("patch", f"/api/v1/problems/{problem.pk}/", -5.678206571418849e16, None),
    ]


BODY_CASE_COUNT = 31


@pytest.mark.parametrize("index", range(BODY_CASE_COUNT))
def test_a_body_outside_the_schema_is_a_chinese_400_and_changes_nothing(world, index):
    method, url, payload, name = body_cases(world)[index]
    before = snapshot()
    response = getattr(world.client("office"), method)(url, payload, format="json")
    body = assert_refused(response, name)
    assert snapshot() == before
    if name is None:
        assert "JSON 对象" in body["message"]


def test_the_body_cases_are_all_run(world):
    assert len(body_cases(world)) == BODY_CASE_COUNT


def test_an_unknown_body_field_is_refused_by_the_schema_too(world):
    # notification preferences are no ApiViewSet: the schema's additionalProperties: false holds there too
    before = snapshot()
    response = world.client("office").put("/api/v1/notification-preferences/me/", {"in_app": True, "wechat": True}, format="json")
    body = assert_refused(response, "wechat")
    assert "不支持的字段：wechat" in body["message"]
    assert snapshot() == before


@pytest.mark.parametrize("content_type", ["multipart", "application/x-www-form-urlencoded"])
def test_a_form_body_is_refused_where_the_schema_documents_json_only(world, content_type):
    # on main, is_active=0 as a form field became False and was saved (schemathesis: multipart POST /leaders/)
    before = snapshot()
    client = world.client("office")
    if content_type == "multipart":
        response = client.post("/api/v1/leaders/", {"position": "副区长", "is_active": "0"}, format="multipart")
    else:
        response = client.generic("POST", "/api/v1/leaders/", "position=a&is_active=0", content_type=content_type)
    assert response.status_code == 415
    assert CHINESE.search(response.json()["message"])
    assert snapshot() == before


def test_a_milestone_is_still_completed_with_a_multipart_upload(world):
    milestone = world.items["milestone"]
    response = world.client("office").post(
        f"/api/v1/milestones/{milestone.pk}/complete/", {"actual_date": "2026-11-01", "doc_number": "发改〔2026〕1号"}, format="multipart"
    )
    assert response.status_code == 200, response.content[:300]
    assert Milestone.objects.get(pk=milestone.pk).doc_number == "发改〔2026〕1号"


def test_a_multipart_field_outside_the_schema_is_refused(world):
    milestone = world.items["milestone"]
    before = snapshot()
    response = world.client("office").post(f"/api/v1/milestones/{milestone.pk}/complete/", {"actual_date": "2026-1-1"}, format="multipart")
    assert_refused(response, "actual_date")
    assert snapshot() == before


def test_a_create_answers_with_the_location_of_the_new_object(world):
    response = world.client("office").post("/api/v1/leaders/", {"position": "副区长"}, format="json")
    assert response.status_code == 201
    assert response["Location"].endswith(f"/api/v1/leaders/{response.json()['id']}/")


# --- the schema says what is enforced -------------------------------------------------------------


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_request_body_is_closed_to_undocumented_fields(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                name = media["schema"]["$ref"].rsplit("/", 1)[1]
                assert schema["components"]["schemas"][name]["additionalProperties"] is False, (method, path)


def test_only_the_upload_actions_document_form_bodies(schema):
    forms = sorted(
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "multipart/form-data" in (operation.get("requestBody") or {}).get("content", {})
    )
    assert forms == ["POST /api/v1/milestones/{id}/complete/", "POST /api/v1/problems/{id}/close/"]


def test_filters_document_their_ranges(schema):
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/projects/"]["get"]["parameters"]}
    assert params["department"]["minimum"] == 1
    assert (params["year"]["minimum"], params["year"]["maximum"]) == (1900, 2200)
    bulletins = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/bulletins/"]["get"]["parameters"]}
    assert bulletins["month"] == {"type": "integer", "minimum": 1, "maximum": 12}


# --- the one reading of a date-time ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2026-01-01T00:00:00+16:00", "2026-01-01T00:00:00-12:30", "2026-01-01T00:00:00", "2026-01-01", "2026-1-1T00:00:00Z",
     "2026-01-01T24:00:00Z", "2026-01-01T23:59:60Z", "０2026-01-01T00:00:00Z", "2026-01-01T00:00:00+08:00\n", "0001-01-01T00:00:00+08:00"],
)  # fmt: skip
def test_parse_aware_datetime_refuses_what_is_no_rfc3339_time_on_earth(text):
    with pytest.raises(ValueError, match="[\u4e00-\u9fff]"):
        parse_aware_datetime(text)


def test_parse_aware_datetime_reads_offsets_and_fractions():
    moment = parse_aware_datetime("2026-11-01T08:30:00.25+08:00")
    assert moment.utcoffset() == dt.timedelta(hours=8)
    assert moment.microsecond == 250000
    assert parse_aware_datetime("2026-11-01t00:00:00z").utcoffset() == dt.timedelta(0)


# --- what the schema cannot say ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "payload", "name"),
    [
        # found by the stateful phase: a category code with a NUL was a PostgreSQL DataError, a 500
        ("post", "/api/v1/projects/", {"name": "新项目", "category": "\x00", "investment_mode": "approval"}, "category"),
        ("get", "/api/v1/projects/", {"search": "路\x00"}, "search"),
        ("get", "/api/v1/projects/", {"category": "\x00"}, "category"),
        ("patch", "/api/v1/milestones/{milestone}/", {"remarks": "a\x00b"}, "remarks"),
    ],
)
def test_a_nul_character_anywhere_is_a_chinese_400_never_a_500(world, method, url, payload, name):
    before = snapshot()
    url = url.format(milestone=world.items["milestone"].pk)
    client = world.client("office")
    response = client.get(url, payload) if method == "get" else getattr(client, method)(url, payload, format="json")
    body = assert_refused(response, name)
    assert body["errors"][name] == ["不能包含空字符（U+0000）。"]
    assert snapshot() == before


def test_an_upload_field_in_a_json_body_can_only_be_null(world, schema):
    # a file travels in multipart; in JSON the schema says null or nothing, and so does the API
    problem = world.items["resolved_problem"]
    client = world.client("office")
    body = assert_refused(client.post(f"/api/v1/problems/{problem.pk}/close/", {"evidence": "佐证.pdf"}, format="json"), "evidence")
    assert body["errors"]["evidence"] == ["不支持的值：佐证.pdf。可用：null。"]
    assert client.post(f"/api/v1/problems/{problem.pk}/close/", {"evidence": None}, format="json").status_code == 200
    content = schema["paths"]["/api/v1/problems/{id}/close/"]["post"]["requestBody"]["content"]
    json_body = schema["components"]["schemas"][content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    multipart = schema["components"]["schemas"][content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert json_body["properties"]["evidence"]["enum"] == [None]
    evidence = multipart["properties"]["evidence"]
    assert (evidence["type"], evidence["format"]) == ("string", "binary")
    assert evidence["description"].startswith("销号佐证材料（multipart 上传，可选）")


def test_an_empty_multipart_form_is_refused(world):
    # a part without headers reads as no field at all: a "close with this file" that says nothing
    problem = world.items["resolved_problem"]
    boundary = "52ae4a617d387bcd31f498139816502a"
    body = f"--{boundary}\r\nNone--{boundary}--\r\n"
    response = world.client("office").generic(
        "POST", f"/api/v1/problems/{problem.pk}/close/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert_refused(response, None)
    assert Problem.objects.get(pk=problem.pk).status == "resolved"
