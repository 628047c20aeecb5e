"""The admin obeys the same policy as the API: for each role, each admin form and action has the
outcome the API has for the same operation on the same objects; admin saves run the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from apps.accounts.roles import load_role_groups, role_group_name
from apps.land.models import LandAcquisition
from apps.milestones.models import Milestone
from apps.problems.models import Problem, SupervisionNotice
from apps.progress.models import ProgressReport
from apps.projects.models import Project, ProjectComment, ProjectResponsibility
from apps.projects.services import project_archive
from tests.api.world import build_world, items_for
from tests.factories import MilestoneFactory, ProblemFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

ROLES = ("office", "department", "leader", "viewer")


def _post_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(v.pk if hasattr(v, "pk") else v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value.pk if hasattr(value, "pk") else value)


def _form_fields(form, data: dict) -> None:
    for name in form.fields:
        field = form[name]
        value = _post_value(field.value())
        if value == "" and isinstance(form.fields[name], forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            continue
        if value is not None:
            data[field.html_name] = value


def form_data(url: str) -> dict:
    """What the browser would post back unchanged: the form and its inlines as a superuser sees them."""
    client = Client()
    from apps.accounts.models import User

    superuser = User.objects.filter(username="superuser-for-forms").first()
    client.force_login(superuser or UserFactory(username="superuser-for-forms", is_staff=True, is_superuser=True))
    response = client.get(url)
    assert response.status_code == 200, url
    data: dict = {}
    _form_fields(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_fields(formset.management_form, data)
        for form in formset.initial_forms:
            _form_fields(form, data)
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.initial_forms))
    return data


def admin_client(world, role: str) -> Client:
    user = world.users[role]
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=role_group_name(user.role)))
    client = Client()
    client.force_login(user)
    return client


def change(model_label: str, obj, **changes):
    def run(client):
        url = reverse(f"admin:{model_label}_change", args=[obj.pk])
        return client.post(url, form_data(url) | {k: _post_value(v) for k, v in changes.items()})

    return run


def add(model_label: str, **values):
    def run(client):
        url = reverse(f"admin:{model_label}_add")
        return client.post(url, form_data(url) | {k: _post_value(v) for k, v in values.items()})

    return run


def action(model_label: str, name: str, obj, **extra):
    def run(client):
        url = reverse(f"admin:{model_label}_changelist")
        return client.post(url, {"action": name, "_selected_action": [obj.pk], "index": 0, **extra})

    return run


# name: (API method, API path, API payload, admin operation, "did it happen?") — all built from
# (world, project, items), so both ways in work on the same objects.
OPERATIONS = {
    "project.update": (
        lambda w, p, i: ("patch", f"/api/v1/projects/{p.pk}/", {"remarks": "已调度"}),
        lambda w, p, i: change("projects_project", p, remarks="已调度"),
        lambda w, p, i: Project.objects.get(pk=p.pk).remarks == "已调度",
    ),
    "project.archive": (
        lambda w, p, i: ("post", f"/api/v1/projects/{p.pk}/archive/", {}),
        lambda w, p, i: action("projects_project", "archive_projects", p),
        lambda w, p, i: Project.objects.get(pk=p.pk).archived_at is not None,
    ),
    "project.comment": (
        lambda w, p, i: ("post", f"/api/v1/projects/{p.pk}/comments/", {"kind": "instruction", "text": "加快征拆"}),
        lambda w, p, i: add("projects_projectcomment", project=p.pk, kind="instruction", text="加快征拆"),
        lambda w, p, i: ProjectComment.objects.filter(project=p, text="加快征拆").exists(),
    ),
    "responsibility.create_liaison": (
        lambda w, p, i: (
            "post",
            f"/api/v1/projects/{p.pk}/responsibilities/",
            {"role": "liaison", "department": i["milestone"].responsible_dept_id, "person_name": "联络员甲"},
        ),
        lambda w, p, i: add(
            "projects_projectresponsibility",
            project=p.pk,
            role="liaison",
            department=i["milestone"].responsible_dept_id,
            person_name="联络员甲",
        ),
        lambda w, p, i: ProjectResponsibility.objects.filter(project=p, role="liaison", person_name="联络员甲").exists(),
    ),
    "responsibility.update_lead_dept": (
        lambda w, p, i: (
            "patch",
            f"/api/v1/projects/{p.pk}/responsibilities/{p.responsibilities.get(role='lead_dept').pk}/",
            {"department": (w.dept_b if p == w.own else w.dept_a).pk},
        ),
        lambda w, p, i: change(
            "projects_projectresponsibility",
            p.responsibilities.get(role="lead_dept"),
            department=(w.dept_b if p == w.own else w.dept_a).pk,
        ),
        lambda w, p, i: p.responsibilities.get(role="lead_dept").department == (w.dept_b if p == w.own else w.dept_a),
    ),
    "milestone.create": (
        lambda w, p, i: (
            "post",
            "/api/v1/milestones/",
            {"project": p.pk, "name": "主体封顶", "stage": "construction", "planned_date": "2026-12-20"},
        ),
        lambda w, p, i: add("milestones_milestone", project=p.pk, name="主体封顶", stage="construction", planned_date="2026-12-20"),
        lambda w, p, i: Milestone.objects.filter(project=p, name="主体封顶").exists(),
    ),
    "milestone.update": (
        lambda w, p, i: ("patch", f"/api/v1/milestones/{i['milestone'].pk}/", {"status": "doing"}),
        lambda w, p, i: change("milestones_milestone", i["milestone"], status="doing"),
        lambda w, p, i: Milestone.objects.get(pk=i["milestone"].pk).status == "doing",
    ),
    "milestone.complete": (
        lambda w, p, i: (
            "post",
            f"/api/v1/milestones/{i['milestone'].pk}/complete/",
            {"actual_date": "2026-11-20", "doc_number": "文〔2026〕1号"},
        ),
        lambda w, p, i: change("milestones_milestone", i["milestone"], actual_date="2026-11-20", doc_number="文〔2026〕1号"),
        lambda w, p, i: Milestone.objects.get(pk=i["milestone"].pk).actual_date == dt.date(2026, 11, 20),
    ),
    "report.create": (
        lambda w, p, i: ("post", "/api/v1/progress-reports/", {"project": p.pk, "year": 2026, "month": 10, "period_completed": "100.00"}),
        lambda w, p, i: add("progress_progressreport", project=p.pk, year=2026, month=10, period_completed="100.00"),
        lambda w, p, i: ProgressReport.objects.filter(project=p, year=2026, month=10).exists(),
    ),
    "report.update": (
        lambda w, p, i: ("patch", f"/api/v1/progress-reports/{i['draft'].pk}/", {"period_completed": "50.00"}),
        lambda w, p, i: change("progress_progressreport", i["draft"], period_completed="50.00"),
        lambda w, p, i: ProgressReport.objects.get(pk=i["draft"].pk).period_completed == Decimal("50.00"),
    ),
    "report.submit": (
        lambda w, p, i: ("post", f"/api/v1/progress-reports/{i['draft'].pk}/submit/", {}),
        lambda w, p, i: action("progress_progressreport", "submit_reports", i["draft"]),
        lambda w, p, i: ProgressReport.objects.get(pk=i["draft"].pk).status == "submitted",
    ),
    "report.approve": (
        lambda w, p, i: ("post", f"/api/v1/progress-reports/{i['submitted'].pk}/approve/", {}),
        lambda w, p, i: action("progress_progressreport", "approve_reports", i["submitted"]),
        lambda w, p, i: ProgressReport.objects.get(pk=i["submitted"].pk).status == "approved",
    ),
    "report.return": (
        lambda w, p, i: ("post", f"/api/v1/progress-reports/{i['submitted'].pk}/return/", {"reason": "数据不符"}),
        lambda w, p, i: action("progress_progressreport", "return_reports", i["submitted"], apply="1", return_reason="数据不符"),
        lambda w, p, i: ProgressReport.objects.get(pk=i["submitted"].pk).status == "returned",
    ),
    "problem.update": (
        lambda w, p, i: ("patch", f"/api/v1/problems/{i['problem'].pk}/", {"status": "handling"}),
        lambda w, p, i: change("problems_problem", i["problem"], status="handling"),
        lambda w, p, i: Problem.objects.get(pk=i["problem"].pk).status == "handling",
    ),
    "problem.close": (
        lambda w, p, i: ("post", f"/api/v1/problems/{i['resolved_problem'].pk}/close/", {}),
        lambda w, p, i: action("problems_problem", "close_problems", i["resolved_problem"]),
        lambda w, p, i: Problem.objects.get(pk=i["resolved_problem"].pk).status == "closed",
    ),
    "land.create": (
        lambda w, p, i: ("post", "/api/v1/land-acquisitions/", {"project": p.pk, "parcel_name": "二号地块", "required_area_mu": "10.00"}),
        lambda w, p, i: add("land_landacquisition", project=p.pk, parcel_name="二号地块", required_area_mu="10.00"),
        lambda w, p, i: LandAcquisition.objects.filter(project=p, parcel_name="二号地块").exists(),
    ),
    "land.update": (
        lambda w, p, i: ("patch", f"/api/v1/land-acquisitions/{i['land'].pk}/", {"acquired_area_mu": "5.00"}),
        lambda w, p, i: change("land_landacquisition", i["land"], acquired_area_mu="5.00"),
        lambda w, p, i: LandAcquisition.objects.get(pk=i["land"].pk).acquired_area_mu == Decimal("5.00"),
    ),
    "notice.update": (
        lambda w, p, i: ("patch", f"/api/v1/supervision-notices/{i['notice'].pk}/", {"reply_text": "已整改"}),
        lambda w, p, i: change("problems_supervisionnotice", i["notice"], reply_text="已整改"),
        lambda w, p, i: SupervisionNotice.objects.get(pk=i["notice"].pk).reply_text == "已整改",
    ),
    "department.update": (
        lambda w, p, i: ("patch", f"/api/v1/departments/{w.dept_a.pk}/", {"contact_phone": "0743-1"}),
        lambda w, p, i: change("organization_department", w.dept_a, contact_phone="0743-1"),
        lambda w, p, i: type(w.dept_a).objects.get(pk=w.dept_a.pk).contact_phone == "0743-1",
    ),
}


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_the_admin_allows_exactly_what_the_api_allows(operation, role, which):
    # given one portfolio, and the role groups as `seed` creates them
    load_role_groups()
    world = build_world()
    project = world.own if which == "own" else world.other
    items = items_for(project, world.dept_a if which == "own" else world.dept_b)
    api_call, admin_call, happened = OPERATIONS[operation]
    method, path, payload = api_call(world, project, items)

    # when the API does it (then forgets it) and the admin does it on the same objects
    with transaction.atomic():
        api = getattr(world.client(role), method)(path, payload, format="json")
        transaction.set_rollback(True)
    assert api.status_code in (200, 201, 403), (api.status_code, api.content[:300])
    response = admin_call(world, project, items)(admin_client(world, role))

    # then both allowed it, or both refused it
    assert response.status_code in (200, 302, 403)
    assert happened(world, project, items) == (api.status_code in (200, 201)), (api.status_code, response.status_code)


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        ("office", {"submit_reports", "approve_reports", "return_reports", "delete_selected"}),
        ("department", {"submit_reports"}),
        ("leader", set()),
        ("viewer", set()),
    ],
)
def test_an_action_a_role_may_not_run_is_not_offered_to_it(role, offered):
    load_role_groups()
    world = build_world()
    response = admin_client(world, role).get(reverse("admin:progress_progressreport_changelist"))
    assert response.status_code == 200
    form = response.context["action_form"]
    actions = {name for name, _ in form.fields["action"].choices if name} if form is not None else set()
    assert actions == offered


def test_a_department_sees_another_departments_rows_read_only():
    load_role_groups()
    world = build_world()
    other = items_for(world.other, world.dept_b)["milestone"]
    client = admin_client(world, "department")
    url = reverse("admin:milestones_milestone_change", args=[other.pk])
    assert client.get(url).status_code == 200  # it reads the whole portfolio
    assert client.post(url, form_data(url) | {"status": "doing"}).status_code == 403
    assert Milestone.objects.get(pk=other.pk).status != "doing"


def test_a_milestone_date_changed_in_the_admin_moves_its_followers():
    # given a milestone counted 10 working days after another
    load_role_groups()
    world = build_world()
    first = MilestoneFactory(project=world.own, planned_date=dt.date(2026, 12, 1))
    follower = MilestoneFactory(project=world.own, after=first, after_working_days=10, planned_date=dt.date(2026, 12, 15))
    # when the office moves the first one in the admin
    url = reverse("admin:milestones_milestone_change", args=[first.pk])
    response = admin_client(world, "office").post(url, form_data(url) | {"planned_date": "2026-12-10"})
    # then the follower moves with it (the service's cascade)
    assert response.status_code == 302
    follower.refresh_from_db()
    assert follower.planned_date == dt.date(2026, 12, 24)


def test_a_supervision_notice_issued_in_the_admin_escalates_its_problems():
    load_role_groups()
    world = build_world()
    problem = ProblemFactory(project=world.own, responsible_dept=world.dept_a, deadline=dt.date(2026, 10, 1))
    response = add(
        "problems_supervisionnotice",
        notice_type="supervise",
        number="督〔2026〕88号",
        issued_on="2026-11-20",
        target_dept=world.dept_a.pk,
        content="限期整改",
        status="issued",
        problems=[problem.pk],
    )(admin_client(world, "office"))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    problem.refresh_from_db()
    assert problem.escalation_level == 2


def test_a_department_cannot_set_a_future_completion_date_in_the_admin():
    load_role_groups()
    world = build_world()
    milestone = items_for(world.own, world.dept_a)["milestone"]
    url = reverse("admin:milestones_milestone_change", args=[milestone.pk])
    response = admin_client(world, "department").post(url, form_data(url) | {"actual_date": "2026-12-01"})
    assert response.status_code == 200  # the form again, with the service's message
    assert "实际完成日期不能晚于今天" in response.content.decode()
    assert Milestone.objects.get(pk=milestone.pk).actual_date is None


def test_a_department_cannot_file_a_report_for_a_future_period_in_the_admin():
    load_role_groups()
    world = build_world()
    response = add("progress_progressreport", project=world.own.pk, year=2027, month=12, period_completed="1.00")(
        admin_client(world, "department")
    )
    assert response.status_code == 200
    assert "不能填报未来报告期" in response.content.decode()
    assert not ProgressReport.objects.filter(project=world.own, year=2027).exists()


def test_writes_on_an_archived_project_are_refused_with_a_clear_message():
    load_role_groups()
    world = build_world()
    items = items_for(world.own, world.dept_a)
    project_archive(actor=None, project=world.own)
    office = world.client("office")
    for method, path, payload in (
        ("post", "/api/v1/milestones/", {"project": world.own.pk, "name": "封顶", "stage": "construction"}),
        ("post", "/api/v1/progress-reports/", {"project": world.own.pk, "year": 2026, "month": 10}),
        ("post", "/api/v1/land-acquisitions/", {"project": world.own.pk, "parcel_name": "三号地块"}),
        ("post", f"/api/v1/projects/{world.own.pk}/comments/", {"text": "加快"}),
    ):
        response = getattr(office, method)(path, payload, format="json")
        assert response.status_code == 403, (path, response.content[:200])
        assert response.json()["message"] == "项目已归档，不能再修改。"
    url = reverse("admin:milestones_milestone_change", args=[items["milestone"].pk])
    assert admin_client(world, "office").post(url, {"status": "doing"}).status_code == 403


def test_a_leader_commenting_on_a_project_it_does_not_lead_is_told_the_leader_rule():
    world = build_world()
    response = world.client("leader").post(f"/api/v1/projects/{world.other.pk}/comments/", {"text": "加快"}, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == "县级领导只能对本人包保、联系（直报）或协调问题的项目发表意见或批示。"


def test_seed_without_demo_creates_the_role_groups_and_keeps_permissions_added_by_hand():
    call_command("seed", verbosity=0)
    office = Group.objects.get(name=role_group_name("office"))
    assert {"view_reminderrule", "change_reminderdelivery", "change_user", "add_apitoken", "change_webhookendpoint"} <= set(
        office.permissions.values_list("codename", flat=True)
    )
    viewer = Group.objects.get(name=role_group_name("viewer"))
    extra = Permission.objects.get(codename="view_notification")
    viewer.permissions.add(extra)
    call_command("seed", verbosity=0)
    assert viewer.permissions.filter(pk=extra.pk).exists()
    assert Group.objects.count() == 4


def test_a_resolution_edited_without_resolving_is_refused_not_dropped():
    load_role_groups()
    world = build_world()
    problem = ProblemFactory(project=world.own, responsible_dept=world.dept_a, deadline=dt.date(2026, 12, 10))
    response = change("problems_problem", problem, resolution="已协调解决")(admin_client(world, "office"))
    assert response.status_code == 200  # the form again, with the reason
    assert "解决情况只能在把状态改为“已办结”时填写" in response.content.decode()
    problem.refresh_from_db()
    assert problem.resolution == ""
    # resolving with it is the way
    response = change("problems_problem", problem, resolution="已协调解决", status="resolved")(admin_client(world, "office"))
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == ("resolved", "已协调解决")


def test_a_department_completes_a_milestone_in_the_admin_by_setting_its_status_and_date():
    load_role_groups()
    world = build_world()
    milestone = items_for(world.own, world.dept_a)["milestone"]
    response = change("milestones_milestone", milestone, status="done", actual_date="2026-11-20", doc_number="住建〔2026〕7号")(
        admin_client(world, "department")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    milestone.refresh_from_db()
    assert (milestone.status, milestone.actual_date, milestone.doc_number) == ("done", dt.date(2026, 11, 20), "住建〔2026〕7号")


def test_a_milestone_cannot_be_moved_to_another_project_in_the_admin():
    load_role_groups()
    world = build_world()
    milestone = items_for(world.own, world.dept_a)["milestone"]
    response = admin_client(world, "office").get(reverse("admin:milestones_milestone_change", args=[milestone.pk]))
    assert "project" not in response.context["adminform"].form.fields


def test_the_office_cannot_take_over_a_superuser_account_or_token():
    from apps.accounts.models import ApiToken, User
    from apps.accounts.services import token_issue

    load_role_groups()
    world = build_world()
    root = User.objects.create_superuser("root", password="Old!pass9", role="office")
    office = admin_client(world, "office")
    # no password reset of a superuser: the admin's password form leads to the reset page, which refuses
    url = f"/admin/accounts/user/{root.pk}/password/"
    response = office.post(url, {"password1": "New!pass9x", "password2": "New!pass9x"})
    assert response.status_code == 302
    assert office.post(response["Location"]).status_code == 403
    root.refresh_from_db()
    assert root.check_password("Old!pass9")
    # no token in a superuser's name
    response = add("accounts_apitoken", name="接管", user=root.pk, scope="read_write")(office)
    assert response.status_code == 200
    assert "只有系统管理员可以修改系统管理员" in response.content.decode()
    assert not ApiToken.objects.filter(user=root).exists()
    # an issued token keeps its account and cannot be un-revoked in the form
    token, _key = token_issue(actor=None, user=world.users["viewer"], name="统计局", scope="read")
    response = office.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    fields = response.context["adminform"].form.fields
    assert "user" not in fields
    assert "revoked_at" not in fields
    # the office still manages ordinary accounts
    viewer = world.users["viewer"]
    response = office.post(f"/admin/accounts/user/{viewer.pk}/password/", {"password1": "New!pass9x", "password2": "New!pass9x"})
    assert response.status_code == 302
    assert office.post(response["Location"]).status_code == 200
    viewer.refresh_from_db()
    assert viewer.must_change_password
