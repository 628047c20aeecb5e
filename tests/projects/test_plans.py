"""Annual plans are created once and then only adjusted (调整计划): with a reason, against the
version the writer saw, with a history row — through the service, the admin and the page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.projects.models import AnnualPlan, MonthlyTarget
from apps.projects.plans import annual_plan_adjust, annual_plan_create
from tests.core.test_admin_policy import form_data
from tests.factories import AnnualPlanFactory, DepartmentFactory, MonthlyTargetFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def office(db):
    return UserFactory(username="plan-office", role="office", is_staff=True, is_superuser=True)


@pytest.fixture
def plan(db):
    return AnnualPlanFactory(annual_plan=Decimal("12000"), annual_role="cont")


def test_creating_a_plan_for_a_year_that_has_one_is_refused_and_changes_nothing(office, plan):
    with pytest.raises(ValidationError) as refused:
        annual_plan_create(actor=office, project=plan.project, year=2026, data={"annual_role": "new", "annual_plan": Decimal("1")})
    assert "已有年度计划" in refused.value.message_dict["year"][0]
    plan.refresh_from_db()
    assert (plan.annual_plan, plan.annual_role, plan.revision) == (Decimal("12000"), "cont", 1)


def test_an_adjustment_needs_a_reason(office, plan):
    with pytest.raises(ValidationError) as refused:
        annual_plan_adjust(actor=office, plan=plan, data={"annual_plan": Decimal("9000")}, reason="  ", expected=1)
    assert refused.value.message_dict["reason"] == ["请填写调整原因（调整计划须说明原因，记入变更历史）。"]
    assert AnnualPlan.objects.get(pk=plan.pk).annual_plan == Decimal("12000")


def test_an_adjustment_over_a_newer_version_is_refused_in_chinese(office, plan):
    annual_plan_adjust(actor=office, plan=plan, data={"annual_plan": Decimal("11000")}, reason="县政府调度会调减", expected=1)
    with pytest.raises(ValidationError) as refused:
        annual_plan_adjust(actor=office, plan=plan, data={"annual_plan": Decimal("1")}, reason="我看到的是旧版", expected=1)
    assert "已被他人调整" in refused.value.message_dict["revision"][0]
    plan.refresh_from_db()
    assert (plan.annual_plan, plan.revision) == (Decimal("11000"), 2)


def test_an_adjustment_keeps_who_when_and_why_for_the_plan_and_its_months(office, plan):
    MonthlyTargetFactory(plan=plan, month=3, plan_investment=Decimal("1000"))
    annual_plan_adjust(
        actor=office,
        plan=plan,
        data={"annual_plan": Decimal("10000"), "planned_start_month": 4},
        reason="征拆滞后，调减年度计划",
        expected=1,
        monthly={3: {"plan_investment": Decimal("500")}, 4: {"plan_investment": Decimal("800")}},
    )
    plan.refresh_from_db()
    assert (plan.annual_plan, plan.planned_start_month, plan.revision) == (Decimal("10000"), 4, 2)
    latest = plan.history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason, latest.annual_plan, latest.revision) == (
        office,
        "征拆滞后，调减年度计划",
        Decimal("10000"),
        2,
    )
    before = plan.history.order_by("-history_id")[1]  # the version it replaced: old → new
    assert (before.annual_plan, before.revision) == (Decimal("12000"), 1)
    months = MonthlyTarget.history.filter(plan_id=plan.pk).exclude(history_change_reason=None)
    assert {(h.month, h.plan_investment, h.history_change_reason) for h in months} == {
        (3, Decimal("500"), "征拆滞后，调减年度计划"),
        (4, Decimal("800"), "征拆滞后，调减年度计划"),
    }


def test_an_adjustment_that_changes_nothing_makes_no_version(office, plan):
    annual_plan_adjust(actor=office, plan=plan, data={"annual_plan": Decimal("12000.00")}, reason="核对", expected=1)
    plan.refresh_from_db()
    assert plan.revision == 1
    assert plan.history.count() == 1  # the factory's "+" row only


def test_a_plan_keeps_its_project_and_year(office, plan):
    with pytest.raises(ValidationError, match="不能修改年度计划所属的项目或年度"):
        annual_plan_adjust(actor=office, plan=plan, data={"year": 2027}, reason="改年度", expected=1)


def test_only_the_office_adjusts_a_plan(plan):
    department = UserFactory(role="department", department=DepartmentFactory())
    with pytest.raises(PermissionDenied):
        annual_plan_adjust(actor=department, plan=plan, data={"annual_plan": Decimal("1")}, reason="越权", expected=1)
    assert AnnualPlan.objects.get(pk=plan.pk).annual_plan == Decimal("12000")


# --- the admin -------------------------------------------------------------------------------


def test_the_admin_adjusts_a_plan_through_the_service_with_its_reason(client, office, plan):
    client.force_login(office)
    url = reverse("admin:projects_annualplan_change", args=[plan.pk])
    data = form_data(url)
    assert data["expected_revision"] == "1"

    # without a reason: the service's message on the form, nothing saved
    refused = client.post(url, data | {"annual_plan": "1.00"})
    assert refused.status_code == 200
    assert "请填写调整原因" in refused.content.decode()
    assert AnnualPlan.objects.get(pk=plan.pk).annual_plan == Decimal("12000")

    # with a reason: adjusted, and the history says who and why
    assert client.post(url, data | {"annual_plan": "9000.00", "reason": "年中调整"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.annual_plan, plan.revision) == (Decimal("9000"), 2)
    assert plan.history.latest().history_change_reason == "年中调整"

    # the same form again (it still says version 1): refused, not overwritten
    stale = client.post(url, data | {"annual_plan": "1.00", "reason": "旧页面"})
    assert "已被他人调整" in stale.content.decode()
    assert AnnualPlan.objects.get(pk=plan.pk).annual_plan == Decimal("9000")


def test_the_admin_cannot_create_a_second_plan_for_a_year(client, office, plan):
    client.force_login(office)
    url = reverse("admin:projects_annualplan_add")
    response = client.post(
        url,
        form_data(url)
        | {"project": plan.project_id, "year": 2026, "annual_role": "new", "annual_plan": "1.00", "monthly_targets-TOTAL_FORMS": "0"},
    )
    assert response.status_code == 200
    assert AnnualPlan.objects.get(pk=plan.pk).annual_plan == Decimal("12000")
    assert AnnualPlan.objects.count() == 1


def test_monthly_targets_are_read_only_outside_their_plan(client, office, plan):
    target = MonthlyTargetFactory(plan=plan, month=5)
    client.force_login(office)
    assert client.get(reverse("admin:projects_monthlytarget_change", args=[target.pk])).status_code == 200  # view only
    response = client.post(reverse("admin:projects_monthlytarget_change", args=[target.pk]), {"plan_investment": "1"})
    assert response.status_code == 403


def test_the_project_admin_shows_plans_without_editing_them(client, office, plan):
    client.force_login(office)
    url = reverse("admin:projects_project_change", args=[plan.project_id])
    formset = next(f.formset for f in client.get(url).context["inline_admin_formsets"] if f.formset.model is AnnualPlan)
    assert "annual_plan" not in formset.forms[0].fields


# --- the page --------------------------------------------------------------------------------


def test_the_dossier_offers_plan_adjustment_to_the_office_and_the_page_keeps_the_trail(client, office, plan):
    client.force_login(office)
    dossier = client.get(reverse("web:project-detail", args=[plan.project_id])).content.decode()
    url = reverse("web:plan-adjust", args=[plan.pk])
    assert url in dossier

    page = client.get(url)
    assert page.status_code == 200
    assert 'name="version" value="1"' in page.content.decode()
    values = {
        "version": "1",
        "annual_role": "cont",
        "annual_plan": "9500",
        "annual_goal": "",
        "planned_start_month": "",
        "planned_finish_month": "",
        "resume_date": "",
        "reason": "",
    }
    no_reason = client.post(url, values)
    assert no_reason.status_code == 400
    assert "请填写调整原因" in no_reason.content.decode()

    assert client.post(url, values | {"reason": "专班会议调整"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.annual_plan, plan.revision) == (Decimal("9500"), 2)
    trail = client.get(reverse("web:project-detail", args=[plan.project_id])).content.decode()
    assert "专班会议调整" in trail
    assert "第2版" in trail

    stale = client.post(url, values | {"annual_plan": "1", "reason": "旧页面"})
    assert stale.status_code == 400
    assert "已被他人调整" in stale.content.decode()
    assert AnnualPlan.objects.get(pk=plan.pk).annual_plan == Decimal("9500")


def test_a_department_is_not_offered_plan_adjustment(client, plan):
    department = UserFactory(role="department", department=DepartmentFactory())
    client.force_login(department)
    url = reverse("web:plan-adjust", args=[plan.pk])
    assert url not in client.get(reverse("web:project-detail", args=[plan.project_id])).content.decode()
    assert client.get(url).status_code == 403
    assert client.post(url, {"version": "1", "annual_plan": "1", "annual_role": "cont", "reason": "越权"}).status_code == 403


def test_a_plan_created_by_the_import_or_the_api_starts_its_history(office):
    project = ProjectFactory()
    plan = annual_plan_create(actor=office, project=project, year=2027, data={"annual_role": "new", "annual_plan": Decimal("300")})
    first = plan.history.get()
    assert (first.history_type, first.history_user, first.history_change_reason, first.revision) == ("+", office, "新建年度计划", 1)


def test_saving_a_project_in_the_admin_leaves_its_plans_alone(client, office, plan):
    client.force_login(office)
    url = reverse("admin:projects_project_change", args=[plan.project_id])
    data = form_data(url) | {"remarks": "已调度", "annual_plans-0-annual_plan": "1.00"}
    assert client.post(url, data).status_code == 302
    assert AnnualPlan.objects.get(pk=plan.pk).annual_plan == Decimal("12000")
