"""The admin: the office edits schemes, items and deductions through the services; nobody else can."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.scoring.models import AssessmentDeduction, AssessmentScheme
from tests.factories import DepartmentFactory, LeaderFactory, UserFactory
from tests.scoring.conftest import DEDUCT, RATIO, scheme_with

pytestmark = pytest.mark.django_db

INLINES = ("items", "deductions")


def _management(data: dict, prefix: str, total: int, initial: int) -> None:
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(total),
            f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    )


def _post(scheme: AssessmentScheme, **extra) -> dict:
    data = {"year": str(scheme.year), "target_kind": scheme.target_kind, "name": scheme.name, "note": scheme.note}
    items = list(scheme.items.order_by("order", "id"))
    _management(data, "items", len(items), len(items))
    for n, item in enumerate(items):
        data.update(
            {
                f"items-{n}-id": str(item.pk),
                f"items-{n}-scheme": str(scheme.pk),
                f"items-{n}-order": str(item.order),
                f"items-{n}-name": item.name,
                f"items-{n}-method": item.method,
                f"items-{n}-params": json.dumps(item.params),
                f"items-{n}-base_score": str(item.base_score),
                f"items-{n}-cap_plus": "" if item.cap_plus is None else str(item.cap_plus),
                f"items-{n}-cap_minus": "" if item.cap_minus is None else str(item.cap_minus),
            }
        )
    _management(data, "deductions", 0, 0)
    data.update(extra)
    return data


def test_the_office_adds_a_deduction_inline_and_is_recorded_as_its_author(client):
    office = UserFactory(role="office", is_staff=True)  # not a superuser: the role is what counts
    scheme = scheme_with(RATIO, DEDUCT)
    dept = DepartmentFactory()
    client.force_login(office)
    url = reverse("admin:scoring_assessmentscheme_change", args=[scheme.pk])
    assert client.get(url).status_code == 200
    data = _post(scheme)
    _management(data, "deductions", 1, 0)
    data.update(
        {
            "deductions-0-scheme": str(scheme.pk),
            "deductions-0-department": str(dept.pk),
            "deductions-0-date": "2026-05-06",
            "deductions-0-points": "2",
            "deductions-0-reason": "被市通报",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    deduction = AssessmentDeduction.objects.get()
    assert (deduction.created_by, deduction.reason) == (office, "被市通报")


def test_bad_params_come_back_on_the_form_in_chinese(client):
    office = UserFactory(role="office", is_staff=True)
    scheme = scheme_with(RATIO)
    client.force_login(office)
    url = reverse("admin:scoring_assessmentscheme_change", args=[scheme.pk])
    response = client.post(url, _post(scheme, **{"items-0-params": '{"measure": "completion_rate", "step_pct": 0, "step_points": 1}'}))
    assert response.status_code == 200
    assert "大于0" in response.content.decode()


@pytest.mark.parametrize("role", ["department", "leader", "viewer"])
def test_others_cannot_change_a_scheme_even_with_the_model_permissions(client, role):
    extra = {"department": {"department": DepartmentFactory()}, "leader": {"leader": LeaderFactory()}}.get(role, {})
    user = UserFactory(role=role, is_staff=True, **extra)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="scoring"))  # a group that grants too much
    scheme = scheme_with(RATIO)
    client.force_login(user)
    url = reverse("admin:scoring_assessmentscheme_change", args=[scheme.pk])

    page = client.get(url)
    client.post(url, _post(scheme, name="改名"))
    added = client.get(reverse("admin:scoring_assessmentscheme_add"))

    assert page.status_code == 200  # read only
    assert 'name="name"' not in page.content.decode()
    assert added.status_code == 403
    scheme.refresh_from_db()
    assert scheme.name != "改名"


def test_others_without_permissions_do_not_see_the_scheme_menu(client):
    user = UserFactory(role="viewer", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:scoring_assessmentscheme_changelist")).status_code == 403


def test_deleting_the_manual_item_while_deductions_exist_is_refused_on_the_form(client):
    office = UserFactory(role="office", is_staff=True)
    scheme = scheme_with(DEDUCT)
    AssessmentDeduction.objects.create(scheme=scheme, department=DepartmentFactory(), date=dt.date(2026, 3, 1), points=2, reason="x")
    client.force_login(office)
    url = reverse("admin:scoring_assessmentscheme_change", args=[scheme.pk])
    data = _post(scheme, **{"items-0-DELETE": "on"})
    _management(data, "deductions", 1, 1)
    deduction = AssessmentDeduction.objects.get()
    data.update(
        {
            "deductions-0-id": str(deduction.pk),
            "deductions-0-scheme": str(scheme.pk),
            "deductions-0-department": str(deduction.department_id),
            "deductions-0-date": "2026-03-01",
            "deductions-0-points": "2",
            "deductions-0-reason": "x",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "不能删除" in response.content.decode()
    assert scheme.items.exists()
