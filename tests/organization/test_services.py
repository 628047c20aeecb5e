import pytest

from apps.accounts.policy import PolicyDenied
from apps.organization.models import Department, Leader
from apps.organization.services import reference_create, reference_update
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_office_creates_and_changes_reference_rows():
    office = UserFactory(role="office")
    department = reference_create(actor=office, model=Department, data={"name": "县数据局", "short_name": "数据局"})
    reference_update(actor=office, row=department, data={"short_name": "数据资源局"})
    department.refresh_from_db()
    assert department.short_name == "数据资源局"


def test_a_department_user_may_not_write_reference_data():
    clerk = UserFactory(role="department", department=DepartmentFactory())
    with pytest.raises(PolicyDenied):
        reference_create(actor=clerk, model=Leader, data={"position": "副县长"})
    with pytest.raises(PolicyDenied):
        reference_update(actor=clerk, row=clerk.department, data={"short_name": "改名"})
    assert not Leader.objects.filter(position="副县长").exists()
    clerk.department.refresh_from_db()
    assert clerk.department.short_name != "改名"
