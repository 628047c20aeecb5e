"""The OC4IDS package of the demo portfolio is valid against the 0.9.5 schema and every codelist;
the project list's filters narrow it; it costs the same number of queries for 1 project as for all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.milestones.models import Milestone, MilestoneKind, Stage
from apps.oc4ids import package
from apps.projects.codes import PROJECT_CODE_RE
from apps.projects.models import InvestorType, Project
from tests.factories import UserFactory

from .checks import codelist_errors, codes, schema_errors

pytestmark = pytest.mark.django_db

URL = "/api/v1/oc4ids/package/"


@pytest.fixture
def office(demo_module):
    client = APIClient()
    client.force_authenticate(UserFactory(username="oc4ids-office", role="office"))
    return client


def whole_package(client: APIClient) -> dict:
    body = client.get(URL, {"page_size": 200}).json()
    assert body["x_pagination"]["next"] is None, "the demo fits in one page of 200"
    return body


def test_the_demo_package_is_valid_against_the_schema_and_every_codelist(office):
    body = whole_package(office)
    assert len(body["projects"]) == Project.objects.filter(archived_at__isnull=True).count() > 0
    assert schema_errors(body) == []
    errors = [f"{p['id']}{e}" for p in body["projects"] for e in codelist_errors(p)]
    assert errors == []
    # The package uses what the issue asks for, so the checks above had something to check.
    projects = body["projects"]
    assert {p["status"] for p in projects} >= {"implementation"}
    assert any(m["type"] == "approval" and m["code"] == "projectApproval" for p in projects for m in p.get("milestones", []))
    assert any(m.get("dateMet") for p in projects for m in p.get("milestones", []))
    assert any(p.get("metrics") for p in projects)
    assert any(p.get("forecasts") for p in projects)
    assert any("publicAuthority" in party["roles"] for p in projects for party in p.get("parties", []))
    assert all(p["budget"]["amount"]["currency"] == "CNY" for p in projects)
    assert all(p["x_keyProject"]["category"]["code"] for p in projects)


def test_every_code_the_mappings_use_is_in_the_shipped_codelists():
    assert set(package.POOL_STATUS.values()) | {"maintenance", "completion", "implementation"} <= codes("projectStatus.csv")
    assert set(package.NATURE_TYPE.values()) <= codes("projectType.csv")
    assert set(package.DEPT_ROLES.values()) | {"publicAuthority"} <= codes("partyRole.csv")
    assert {role for roles in package.OWNER_ROLES.values() for role in roles} <= codes("partyRole.csv")
    assert set(package.OWNER_ROLES) == set(InvestorType.values), "every investor type has its owner's roles"
    typed = [*package.TEMPLATE_MILESTONE.values(), *package.STAGE_MILESTONE.values(), *package.KIND_MILESTONE.values()]
    assert {kind for kind, _code in typed} <= codes("milestoneType.csv")
    assert {code for _kind, code in typed if code} <= codes("milestoneCode.csv")
    assert package.METRIC_ID in codes("metricID.csv")
    assert package.CURRENCY in codes("currency.csv")


def test_one_project_is_valid_and_carries_its_national_code(office):
    project = Project.objects.filter(archived_at__isnull=True, primary_code__isnull=False).order_by("id").first()
    response = office.get(f"/api/v1/oc4ids/projects/{project.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert schema_errors(data, package=False) == []
    assert codelist_errors(data) == []
    assert data["id"] == f"oc4ids-cnkp00-{project.pk}"
    assert {"id": project.primary_code, "scheme": package.NATIONAL_CODE_SCHEME} in data["identifiers"]
    # Money: 万元 × 10000, exact.
    assert Decimal(str(data["budget"]["amount"]["amount"])) == project.total_investment * 10000


def test_an_unknown_project_is_a_chinese_404(office):
    response = office.get("/api/v1/oc4ids/projects/999999/")
    assert response.status_code == 404
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["message"])


def test_the_project_list_filters_and_updated_since_narrow_the_package(office):
    all_ids = {p["id"] for p in whole_package(office)["projects"]}
    code = Project.objects.filter(archived_at__isnull=True).values_list("category__code", flat=True).first()
    in_category = office.get(URL, {"category": code, "page_size": 200}).json()["projects"]
    expected = Project.objects.filter(archived_at__isnull=True, category__code=code).count()
    assert len(in_category) == expected < len(all_ids)
    assert all(p["x_keyProject"]["category"]["code"] == code for p in in_category)

    touched = Project.objects.filter(archived_at__isnull=True).order_by("id").first()
    touched.save(update_fields=["updated_at"])  # auto_now: now, after everything the seed wrote
    since = (touched.updated_at - dt.timedelta(microseconds=1)).isoformat()
    recent = office.get(URL, {"updated_since": since}).json()
    assert [p["id"] for p in recent["projects"]] == [package.project_id(touched)]
    assert office.get(URL, {"colour": "red"}).status_code == 400  # strict parameters, like the project list


def test_the_package_pages_with_the_project_list_page_parameters(office):
    first = office.get(URL, {"page_size": 2}).json()
    assert len(first["projects"]) == 2
    assert first["x_pagination"]["next"]
    assert first["x_pagination"]["count"] == Project.objects.filter(archived_at__isnull=True).count()
    assert office.get(URL, {"page": 999}).status_code == 404


def test_the_package_costs_the_same_queries_for_one_project_as_for_all(office):
    counts = []
    for size in (1, 200):
        with CaptureQueriesContext(connection) as ctx:
            assert office.get(URL, {"page_size": size}).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_money_is_converted_exactly():
    assert package.cny(Decimal("12345.67")) == 123456700
    assert package.cny(Decimal("0.01")) == 100
    assert package.cny(Decimal("98765432109.99")) == 987654321099900
    assert package.cny(Decimal("1.23456")) == Decimal("12345.6")  # beyond 万元 cents: still exact
    assert package.value(None) is None


def test_dates_are_midnight_in_beijing_time():
    assert package.date_time(dt.date(2026, 3, 1)) == "2026-03-01T00:00:00+08:00"
    assert package.month_period(2026, 12) == {"startDate": "2026-12-01T00:00:00+08:00", "endDate": "2026-12-31T23:59:59+08:00"}


def assert_valid(data: dict, *, package: bool = True) -> None:
    assert schema_errors(data, package=package) == []
    projects = data["projects"] if package else [data]
    assert [f"{p['id']}{e}" for p in projects for e in codelist_errors(p)] == []


def by_pk(projects: list[dict]) -> dict[int, dict]:
    return {int(p["id"].rsplit("-", 1)[1]): p for p in projects}


def test_the_owner_s_party_role_follows_the_investor_type_so_an_enterprise_is_no_public_authority(office):
    body = whole_package(office)
    assert_valid(body)
    investor = dict(Project.objects.filter(archived_at__isnull=True).values_list("pk", "investor_type"))
    seen: dict[str, int] = {}
    for pk, data in by_pk(body["projects"]).items():
        owner = next((party for party in data.get("parties", []) if party["id"] == "owner"), None)
        if owner is None:
            continue
        seen[investor[pk]] = seen.get(investor[pk], 0) + 1
        if investor[pk] == InvestorType.GOVERNMENT:
            # Government investment: the owner develops a public asset and is the project's public authority.
            assert owner["roles"] == ["publicAuthority"], data["title"]
            assert data["publicAuthority"] == {"id": "owner", "name": owner["name"]}
        else:
            # An enterprise (state-owned, private, foreign) or a PPP company invests: a funder, never a public authority.
            assert owner["roles"] == ["funder"], data["title"]
            assert "publicAuthority" not in data, data["title"]
    # The demo has owners of each kind the issue found, so every branch above was checked.
    assert seen.get(InvestorType.GOVERNMENT)
    assert seen.get(InvestorType.PRIVATE)
    assert seen.get(InvestorType.STATE_OWNED)


def test_start_goes_out_as_commencement_acceptance_as_completion_and_the_tender_as_procurement(office):
    body = whole_package(office)
    assert_valid(body)
    item_code = dict(Milestone.objects.filter(template_item__isnull=False).values_list("pk", "template_item__code"))
    found: dict[str, list[dict]] = {}
    for data in body["projects"]:
        for m in data.get("milestones", []):
            found.setdefault(item_code.get(int(m["id"]), ""), []).append(m)
    for code in ("ground_breaking", "joint_acceptance", "completion_filing", "tender"):
        assert found.get(code), f"the demo exports {code} milestones"
    assert {(m["type"], m.get("code")) for m in found["ground_breaking"]} == {("delivery", "commencement")}
    assert {(m["type"], m.get("code")) for m in found["joint_acceptance"] + found["completion_filing"]} == {("delivery", "completion")}
    assert {(m["type"], m.get("code")) for m in found["tender"]} == {("procurement", None)}
    # A met 实际开工 is the project's start: its dateMet is the commencement date.
    assert any(m.get("dateMet") and m["status"] == "met" for m in found["ground_breaking"])
    # The other approvals are still approvals.
    assert {(m["type"], m.get("code")) for m in found["construction_permit"]} == {("approval", "projectApproval")}


def test_a_milestone_without_a_template_is_typed_by_its_stage_then_its_kind():
    assert package.milestone_type(Milestone(kind=MilestoneKind.APPROVAL, stage=Stage.ACCEPTANCE)) == ("delivery", "completion")
    assert package.milestone_type(Milestone(kind=MilestoneKind.APPROVAL, stage=Stage.WORKS_PERMIT)) == ("approval", "projectApproval")
    assert package.milestone_type(Milestone(kind=MilestoneKind.CONSTRUCTION, stage=Stage.CONSTRUCTION)) == ("delivery", None)


def test_a_legacy_code_goes_out_under_its_own_scheme_never_the_national_one(office):
    project = Project.objects.filter(archived_at__isnull=True, code_is_legacy=True).order_by("id").first()
    assert project is not None, "the demo has a project with a legacy code"
    data = office.get(f"/api/v1/oc4ids/projects/{project.pk}/").json()
    assert_valid(data, package=False)
    assert {"id": project.primary_code, "scheme": "CN-KP-LEGACY"} in data["identifiers"]
    assert all(i["scheme"] != package.NATIONAL_CODE_SCHEME for i in data["identifiers"])
    # Across the package, whatever is published as a national code has the national shape.
    national = [i["id"] for p in whole_package(office)["projects"] for i in p["identifiers"] if i["scheme"] == "CN-XMDM"]
    assert national
    assert all(PROJECT_CODE_RE.fullmatch(code) for code in national)


def test_a_code_in_no_national_shape_is_legacy_even_when_the_row_says_otherwise():
    project = Project(primary_code="XM-2019-017", code_is_legacy=False)
    assert package.code_scheme(project) == "CN-KP-LEGACY"
    assert package.code_scheme(Project(primary_code="2024-433126-48-01-000017")) == "CN-XMDM"
