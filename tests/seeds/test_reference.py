import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_seed_without_demo_loads_reference_data_only():
    call_command("seed", verbosity=0)
    once = _counts()
    call_command("seed", verbosity=0)
    assert _counts() == once
    assert once["projects.Project"] == 0
    assert once["milestones.ApprovalTemplate"] == 3
    assert once["lights.WarningRule"] == 7
    assert once["workcalendar.CalendarDay"] > 600


def test_a_user_created_in_the_admin_joins_its_role_group(db, client):
    from apps.accounts.models import User
    from apps.organization.models import Department
    from seeds.reference import load_reference

    load_reference()
    office = User.objects.create_superuser("root-office", password="x", role="office")
    client.force_login(office)
    dept = Department.objects.order_by("id").first()
    response = client.post(
        "/admin/accounts/user/add/",
        {"username": "newdept", "password1": "Zx!9kq2mLp", "password2": "Zx!9kq2mLp", "role": "department", "department": dept.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newdept")
    assert list(user.groups.values_list("name", flat=True)) == ["责任单位用户"]
