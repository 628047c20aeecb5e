"""The dossier's forms: each refuses, in the page, what the API refuses — the same service message,
nothing changed — a role that may not gets a Chinese 403 page, and the success path lands back on
the dossier at the item's anchor with a Chinese message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.policy import DEPARTMENT_OWN, DEPARTMENT_PLACE, LEADER_COMMENTS_ONLY, READ_ONLY
from apps.land.models import LandAcquisition
from apps.milestones.models import Milestone
from apps.problems.models import Problem, ProblemStatus
from apps.projects.models import ProjectComment
from tests import upload_samples
from tests.api.world import build_world, items_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(frozen_today):
    return build_world()


@pytest.fixture
def items(world):
    return items_for(world.own, world.dept_a)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_refusal(user, method: str, url: str, data: dict, *, multipart: bool = False) -> tuple[int, list[str]]:
    """The API's answer to the same input: status and its Chinese messages (per field, else the general one)."""
    client = APIClient()
    client.force_authenticate(user)
    response = getattr(client, method)(url, data, format="multipart" if multipart else "json")
    body = response.json()
    messages = [m for ms in body.get("errors", {}).values() for m in ms] or [body["message"]]
    return response.status_code, messages


def assert_same_refusal(page_response, api: tuple[int, list[str]]) -> None:
    status, messages = api
    assert status in (400, 403), messages
    html = page_response.content.decode()
    assert page_response.status_code == status
    for message in messages:
        assert message in html, (message, html[:2000])


def snapshot(obj) -> dict:
    obj.refresh_from_db()
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name != "updated_at"}


# --- 办结要件 ---------------------------------------------------------------------------------


def test_a_department_completes_its_milestone_and_returns_to_its_anchor(world, items):
    milestone = items["milestone"]
    client = client_for(world.users["department"])
    # the form: today's date by default, a file field, multipart
    form = client.get(f"/milestones/{milestone.pk}/complete/")
    assert form.status_code == 200
    html = form.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'value="2026-11-27"' in html
    # submit
    upload = SimpleUploadedFile("批复.pdf", upload_samples.pdf(), content_type="application/pdf")
    response = client.post(
        f"/milestones/{milestone.pk}/complete/",
        {"actual_date": "2026-11-20", "doc_number": "古住建〔2026〕8号", "attachment": upload, "confirm": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{world.own.pk}/#milestone-{milestone.pk}"
    milestone.refresh_from_db()
    assert (milestone.status, milestone.actual_date, milestone.doc_number) == ("done", dt.date(2026, 11, 20), "古住建〔2026〕8号")
    assert milestone.attachment.name
    dossier = client.get(response["Location"]).content.decode()
    assert f"“{milestone.name}”已办结。" in dossier
    row = dossier.split(f'id="milestone-{milestone.pk}"')[1].split("</tr>")[0]
    assert "light-green" in row
    assert f"/milestones/{milestone.pk}/complete/" not in row


def test_a_completion_date_in_the_future_is_refused_as_the_api_refuses_it(world, items):
    milestone, user = items["milestone"], world.users["department"]
    before = snapshot(milestone)
    data = {"actual_date": "2026-11-28", "doc_number": "文号"}
    api = api_refusal(user, "post", f"/api/v1/milestones/{milestone.pk}/complete/", data)
    page = client_for(user).post(f"/milestones/{milestone.pk}/complete/", {**data, "confirm": "on"})
    assert_same_refusal(page, api)
    assert "实际完成日期不能晚于今天。" in page.content.decode()
    assert snapshot(milestone) == before


def test_a_missing_or_malformed_date_is_a_chinese_field_error(world, items):
    client = client_for(world.users["department"])
    for value in ("", "明天", "2026-13-01"):
        response = client.post(f"/milestones/{items['milestone'].pk}/complete/", {"actual_date": value})
        assert response.status_code == 400
        assert "errorlist" in response.content.decode()
    assert Milestone.objects.get(pk=items["milestone"].pk).status == "todo"


@pytest.mark.parametrize(
    ("who", "reason"),
    [("viewer", READ_ONLY), ("leader", LEADER_COMMENTS_ONLY), ("other_department", DEPARTMENT_OWN)],
)
def test_a_role_that_may_not_complete_gets_a_chinese_403_and_changes_nothing(world, who, reason):
    items = items_for(world.other, world.dept_b) if who == "other_department" else items_for(world.own, world.dept_a)
    user = world.users["department" if who == "other_department" else who]
    milestone = items["milestone"]
    before = snapshot(milestone)
    client = client_for(user)
    for response in (
        client.get(f"/milestones/{milestone.pk}/complete/"),
        client.post(f"/milestones/{milestone.pk}/complete/", {"actual_date": "2026-11-20"}),
    ):
        assert response.status_code == 403
        html = response.content.decode()
        assert reason in html
        assert "没有权限" in html
    api = api_refusal(user, "post", f"/api/v1/milestones/{milestone.pk}/complete/", {"actual_date": "2026-11-20"})
    assert api == (403, [reason])
    assert snapshot(milestone) == before


def test_an_unknown_milestone_is_a_404(world):
    assert client_for(world.users["office"]).get("/milestones/999999/complete/").status_code == 404


# --- 征地拆迁 ---------------------------------------------------------------------------------


def land_form(**overrides) -> dict:
    data = {
        "parcel_name": "二号地块",
        "region": "",
        "required_area_mu": "100",
        "acquired_area_mu": "50",
        "cleared_area_mu": "10",
        "land_households_total": "10",
        "land_households_signed": "5",
        "demolish_households_total": "2",
        "demolish_signed": "1",
        "demolished": "0",
        "compensation_due": "300",
        "compensation_paid": "120.5",
        "approval_status": "07",
        "approval_doc_no": "",
        "approval_date": "",
        "supply_mode": "",
        "supplied_date": "",
        "remarks": "",
    }
    return data | overrides


# The API takes JSON typed as its schema says: counts and ids are numbers, amounts stay strings.
INTEGER_FIELDS = {
    "land_households_total",
    "land_households_signed",
    "demolish_households_total",
    "demolish_signed",
    "demolished",
    "region",
    "responsible_dept",
    "coordinating_leader",
}


def as_api(data: dict, **extra) -> dict:
    return {k: int(v) if k in INTEGER_FIELDS else v for k, v in data.items() if v != ""} | extra


def test_a_department_adds_and_updates_a_parcel(world, items):
    client = client_for(world.users["department"])
    response = client.post(f"/projects/{world.own.pk}/land/new/", land_form())
    assert response.status_code == 302
    land = LandAcquisition.objects.get(project=world.own, parcel_name="二号地块")
    assert response["Location"] == f"/projects/{world.own.pk}/#land-{land.pk}"
    assert (land.acquired_area_mu, land.compensation_paid) == (Decimal("50"), Decimal("120.5"))
    # the edit form starts from the stored figures
    html = client.get(f"/land/{land.pk}/").content.decode()
    assert 'value="二号地块"' in html
    assert 'value="120.50"' in html
    response = client.post(f"/land/{land.pk}/", land_form(acquired_area_mu="80", land_households_signed="10"))
    assert response.status_code == 302
    land.refresh_from_db()
    assert (land.acquired_area_mu, land.land_households_signed, land.signing_rate) == (Decimal("80"), 10, Decimal("100.0"))
    assert "已更新" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"land_households_signed": "11"}, "已签征地协议户数不能大于涉及户数。"),
        ({"acquired_area_mu": "101"}, "已征收面积不能大于应征收面积。"),
        ({"demolished": "3"}, "已拆除户数不能大于应拆迁户数。"),
    ],
)
def test_land_figures_the_api_refuses_are_refused_in_the_page(world, items, overrides, message):
    land, user = items["land"], world.users["department"]
    before = snapshot(land)
    data = land_form(parcel_name=land.parcel_name, **overrides)
    api = api_refusal(user, "put", f"/api/v1/land-acquisitions/{land.pk}/", as_api(data))
    page = client_for(user).post(f"/land/{land.pk}/", data)
    assert_same_refusal(page, api)
    assert message in page.content.decode()
    assert snapshot(land) == before
    # a new parcel with the same figures is refused the same way
    count = LandAcquisition.objects.count()
    api = api_refusal(user, "post", "/api/v1/land-acquisitions/", as_api(data, project=world.own.pk, parcel_name="新地块"))
    page = client_for(user).post(f"/projects/{world.own.pk}/land/new/", data | {"parcel_name": "新地块"})
    assert_same_refusal(page, api)
    assert LandAcquisition.objects.count() == count


def test_a_negative_amount_is_refused_with_the_models_own_message(world, items):
    # The API refuses it too, but DRF swaps the model field's validator for its own generic text
    # ("请确保该值大于或者等于 0。"); the page keeps the model's message.
    land, user = items["land"], world.users["department"]
    before = snapshot(land)
    data = land_form(parcel_name=land.parcel_name, compensation_paid="-1")
    status, _ = api_refusal(user, "put", f"/api/v1/land-acquisitions/{land.pk}/", as_api(data))
    page = client_for(user).post(f"/land/{land.pk}/", data)
    assert status == page.status_code == 400
    field = page.content.decode().split('id="field-compensation_paid"')[1].split("</ul>")[0]
    assert "金额不能为负数。" in field
    assert snapshot(land) == before


def test_a_second_parcel_of_the_same_name_is_refused(world, items):
    user = world.users["department"]
    data = land_form(parcel_name=items["land"].parcel_name)
    api = api_refusal(user, "post", "/api/v1/land-acquisitions/", as_api(data, project=world.own.pk))
    page = client_for(user).post(f"/projects/{world.own.pk}/land/new/", data)
    assert_same_refusal(page, api)
    assert "该项目已有同名地块。" in page.content.decode()


def test_land_forms_are_refused_to_the_roles_that_may_not(world, items):
    other_land = items_for(world.other, world.dept_b)["land"]
    department = client_for(world.users["department"])
    assert department.get(f"/land/{other_land.pk}/").status_code == 403
    assert department.get(f"/projects/{world.other.pk}/land/new/").status_code == 403
    response = client_for(world.users["viewer"]).post(f"/projects/{world.own.pk}/land/new/", land_form())
    assert response.status_code == 403
    assert READ_ONLY in response.content.decode()
    assert not LandAcquisition.objects.filter(parcel_name="二号地块").exists()


# --- 问题 -------------------------------------------------------------------------------------


def problem_form(world, **overrides) -> dict:
    data = {
        "category": "land",
        "description": "安置房用地报批滞后。",
        "source": "weekly",
        "raised_on": "2026-11-27",
        "responsible_dept": str(world.dept_a.pk),
        "responsible_person": "张科长",
        "coordinating_leader": "",
        "deadline": "2026-12-15",
    }
    return data | overrides


def test_a_department_raises_a_problem(world):
    client = client_for(world.users["department"])
    form = client.get(f"/projects/{world.own.pk}/problems/new/")
    assert form.status_code == 200
    assert 'value="2026-11-27"' in form.content.decode()
    response = client.post(f"/projects/{world.own.pk}/problems/new/", problem_form(world))
    assert response.status_code == 302
    problem = Problem.objects.get(description="安置房用地报批滞后。")
    assert (problem.project, problem.raised_by, problem.status) == (world.own, world.users["department"], ProblemStatus.NEW)
    assert response["Location"] == f"/projects/{world.own.pk}/#problem-{problem.pk}"
    assert f'id="problem-{problem.pk}"' in client.get(response["Location"]).content.decode()


def test_a_deadline_before_the_raised_date_is_refused_as_the_api_refuses_it(world):
    user = world.users["department"]
    data = problem_form(world, deadline="2026-11-01")
    count = Problem.objects.count()
    api = api_refusal(user, "post", "/api/v1/problems/", as_api(data, project=world.own.pk))
    page = client_for(user).post(f"/projects/{world.own.pk}/problems/new/", data)
    assert_same_refusal(page, api)
    assert "解决时限不能早于提出日期。" in page.content.decode()
    assert Problem.objects.count() == count


def test_a_department_may_not_raise_a_problem_on_another_units_project_for_another_unit(world):
    user = world.users["department"]
    data = problem_form(world, responsible_dept=str(world.dept_b.pk))
    # the page refuses before the form (the policy on the project), the API on the same rule
    page = client_for(user).get(f"/projects/{world.other.pk}/problems/new/")
    assert page.status_code == 403
    assert DEPARTMENT_PLACE in page.content.decode()
    api = api_refusal(user, "post", "/api/v1/problems/", as_api(data, project=world.other.pk))
    assert api == (403, [DEPARTMENT_PLACE])
    assert client_for(user).post(f"/projects/{world.other.pk}/problems/new/", data).status_code == 403


def test_resolving_a_problem_needs_a_resolution_and_goes_back_to_the_problem(world, items):
    problem, user = items["problem"], world.users["department"]
    before = snapshot(problem)
    api = api_refusal(user, "post", f"/api/v1/problems/{problem.pk}/resolve/", {"resolution": "   "})
    page = client_for(user).post(f"/problems/{problem.pk}/resolve/", {"resolution": "   "})
    assert page.status_code == 400
    assert api[0] == 400
    assert "请填写解决情况。" in page.content.decode()  # the service's message (the API's serializer answers first)
    assert snapshot(problem) == before
    response = client_for(user).post(f"/problems/{problem.pk}/resolve/", {"resolution": "已协调自然资源局完成报批。"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#problem-{problem.pk}")
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == (ProblemStatus.RESOLVED, "已协调自然资源局完成报批。")


def test_a_closed_problem_cannot_be_resolved_again(world, items):
    problem = items["resolved_problem"]
    office = world.users["office"]
    assert client_for(office).post(f"/problems/{problem.pk}/close/", {}).status_code == 302
    before = snapshot(problem)
    api = api_refusal(office, "post", f"/api/v1/problems/{problem.pk}/resolve/", {"resolution": "再次办结"})
    page = client_for(office).post(f"/problems/{problem.pk}/resolve/", {"resolution": "再次办结"})
    assert_same_refusal(page, api)
    assert "问题已销号，不能再次办结。" in page.content.decode()
    assert snapshot(problem) == before


def test_only_the_office_closes_and_only_a_resolved_problem(world, items):
    # a department may not close (销号)
    department = client_for(world.users["department"])
    response = department.get(f"/problems/{items['resolved_problem'].pk}/close/")
    assert response.status_code == 403
    assert "只有项目办可以销号问题。" in response.content.decode()
    # the office may not close a problem that is not resolved yet
    open_problem, office = items["problem"], world.users["office"]
    # (an empty multipart body is refused by the API's schema check before the service: JSON here)
    api = api_refusal(office, "post", f"/api/v1/problems/{open_problem.pk}/close/", {})
    page = client_for(office).post(f"/problems/{open_problem.pk}/close/", {})
    assert_same_refusal(page, api)
    assert Problem.objects.get(pk=open_problem.pk).status == ProblemStatus.NEW
    # it closes a resolved one, with evidence
    evidence = SimpleUploadedFile("销号.pdf", upload_samples.pdf(), content_type="application/pdf")
    client = client_for(office)
    response = client.post(f"/problems/{items['resolved_problem'].pk}/close/", {"evidence": evidence})
    assert response.status_code == 302
    closed = Problem.objects.get(pk=items["resolved_problem"].pk)
    assert closed.status == ProblemStatus.CLOSED
    assert closed.evidence.name
    assert "问题已销号。" in client.get(response["Location"]).content.decode()


# --- 批示 -------------------------------------------------------------------------------------


def test_a_leader_instructs_on_its_project_and_nobody_else_may(world):
    leader = client_for(world.users["leader"])
    response = leader.post(f"/projects/{world.own.pk}/comments/new/", {"kind": "instruction", "text": "月底前完成征拆。"})
    assert response.status_code == 302
    assert response["Location"].endswith("#comments")
    assert ProjectComment.objects.filter(project=world.own, kind="instruction", text="月底前完成征拆。").exists()
    assert "批示已发表。" in leader.get(response["Location"]).content.decode()
    # a blank text is the service's to refuse
    response = leader.post(f"/projects/{world.own.pk}/comments/new/", {"kind": "comment", "text": " "})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    # not its project; not a leader
    assert leader.post(f"/projects/{world.other.pk}/comments/new/", {"kind": "comment", "text": "x"}).status_code == 403
    assert client_for(world.users["department"]).get(f"/projects/{world.own.pk}/comments/new/").status_code == 403
    assert ProjectComment.objects.count() == 1


# --- 办结: confirmation, 文号, undo ------------------------------------------------------------


def _flag_doc_number(milestone: Milestone) -> Milestone:
    from tests.factories import ApprovalTemplateFactory, ApprovalTemplateItemFactory

    milestone.template_item = ApprovalTemplateItemFactory(template=ApprovalTemplateFactory(), requires_doc_number=True)
    milestone.save()
    return milestone


def test_the_form_shows_what_will_be_recorded_and_asks_to_confirm(world, items):
    milestone = items["milestone"]
    html = client_for(world.users["department"]).get(f"/milestones/{milestone.pk}/complete/").content.decode()
    summary = html.split('class="record-summary"')[1].split("</section>")[0]
    for shown in ("将记录", milestone.name, str(world.own), "实际完成日期", "2026-11-27", "附件", "已办结"):
        assert shown in summary, shown
    assert 'name="confirm"' in html
    assert "（不填）" in summary  # a node without a template: no 文号 needed


def test_without_the_confirmation_nothing_is_recorded(world, items):
    milestone = items["milestone"]
    before = snapshot(milestone)
    response = client_for(world.users["department"]).post(f"/milestones/{milestone.pk}/complete/", {"actual_date": "2026-11-20"})
    assert response.status_code == 400
    assert "请核对将记录的内容并勾选确认后再办结。" in response.content.decode()
    assert snapshot(milestone) == before


def test_a_document_milestone_asks_for_its_number_in_the_page_and_the_api(world, items):
    milestone = _flag_doc_number(items["milestone"])
    user = world.users["department"]
    client = client_for(user)
    assert "（必填，未填写）" in client.get(f"/milestones/{milestone.pk}/complete/").content.decode()
    response = client.post(f"/milestones/{milestone.pk}/complete/", {"actual_date": "2026-11-20", "confirm": "on"})
    assert response.status_code == 400
    assert "该要件办结须填写批复文号或证照编号。" in response.content.decode()
    api = api_refusal(user, "post", f"/api/v1/milestones/{milestone.pk}/complete/", {"actual_date": "2026-11-20"})
    assert api == (400, ["该要件办结须填写批复文号或证照编号。"])
    assert Milestone.objects.get(pk=milestone.pk).status == "todo"


def test_the_office_undoes_a_completion_with_a_reason_and_the_history_shows_both(world, items):
    milestone = items["milestone"]
    office = client_for(world.users["office"])
    office.post(f"/milestones/{milestone.pk}/complete/", {"actual_date": "2026-11-20", "doc_number": "错号1", "confirm": "on"})
    row = office.get(f"/projects/{world.own.pk}/").content.decode().split(f'id="milestone-{milestone.pk}"')[1].split("</tr>")[0]
    assert f"/milestones/{milestone.pk}/reopen/" in row
    empty = office.post(f"/milestones/{milestone.pk}/reopen/", {"reason": ""})
    assert empty.status_code == 400
    assert "请说明撤销办结的原因。" in empty.content.decode()
    response = office.post(f"/milestones/{milestone.pk}/reopen/", {"reason": "批复是另一个项目的"})
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{world.own.pk}/#milestone-{milestone.pk}"
    milestone.refresh_from_db()
    assert (milestone.status, milestone.actual_date) == ("todo", None)
    dossier = office.get(response["Location"]).content.decode()
    assert f"已撤销“{milestone.name}”的办结" in dossier
    history = office.get(f"/milestones/{milestone.pk}/history/").content.decode()
    assert history.index("撤销办结") < history.index("办结</b>", history.index("撤销办结") + 4)
    assert "批复是另一个项目的" in history
    assert "错号1" in history
    assert history.count(str(world.users["office"])) >= 2


@pytest.mark.parametrize("who", ["department", "leader", "viewer"])
def test_only_the_office_sees_and_uses_the_undo(world, items, who):
    milestone = items["milestone"]
    Milestone.objects.filter(pk=milestone.pk).update(status="done", actual_date=dt.date(2026, 11, 20))
    client = client_for(world.users[who])
    html = client.get(f"/projects/{world.own.pk}/").content.decode()
    assert f"/milestones/{milestone.pk}/reopen/" not in html
    response = client.post(f"/milestones/{milestone.pk}/reopen/", {"reason": "想撤销"})
    assert response.status_code == 403
    assert Milestone.objects.get(pk=milestone.pk).status == "done"


# --- 批示: any leader role; a leader refused is told why -------------------------------------


def test_a_coordinating_leader_gets_the_comment_box_and_another_leader_a_sentence(world, items):
    from apps.accounts.policy import LEADER_OWN_PROJECTS
    from apps.projects.web.selectors import build_dossier
    from tests.factories import ProblemFactory, UserFactory

    other_leader = UserFactory(username="leader_b", role="leader", leader=world.leader_b)
    assert build_dossier(user=other_leader, pk=world.own.pk).can["comment_note"] == LEADER_OWN_PROJECTS
    ProblemFactory(project=world.own, responsible_dept=world.dept_a, coordinating_leader=world.leader_b)
    d = build_dossier(user=other_leader, pk=world.own.pk)
    assert (d.can["comment"], d.can["comment_note"]) == (True, "")
    html = client_for(other_leader).get(f"/projects/{world.own.pk}/").content.decode()
    assert f"/projects/{world.own.pk}/comments/new/" in html
    # a department would not expect the box: no sentence for it
    assert build_dossier(user=world.users["department"], pk=world.own.pk).can["comment_note"] == ""
