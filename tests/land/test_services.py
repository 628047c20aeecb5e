from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.land.models import LandAcquisition
from apps.land.services import land_acquisition_create, land_acquisition_update
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_land_figures_and_rates():
    land = land_acquisition_create(
        actor=UserFactory(),
        project=ProjectFactory(),
        data={
            "parcel_name": "古罗大道沿线",
            "required_area_mu": Decimal("265"),
            "acquired_area_mu": Decimal("221"),
            "land_households_total": 187,
            "land_households_signed": 160,
            "compensation_due": Decimal("21400"),
            "compensation_paid": Decimal("15800"),
        },
    )
    assert land.acquisition_rate == Decimal("83.4")
    assert land.signing_rate == Decimal("85.6")
    assert land.payment_rate == Decimal("73.8")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"acquired_area_mu": Decimal("120")}, "已征收面积不能大于应征收面积。"),
        ({"land_households_total": 5, "land_households_signed": 6}, "已签征地协议户数不能大于涉及户数。"),
        ({"compensation_paid": Decimal("-1")}, "金额不能为负数。"),
    ],
)
def test_impossible_land_figures_are_refused_and_change_nothing(data, message):
    land = land_acquisition_create(actor=None, project=ProjectFactory(), data={"parcel_name": "地块", "required_area_mu": Decimal("100")})
    with pytest.raises(ValidationError) as exc:
        land_acquisition_update(actor=None, land=land, data=data)
    assert message in exc.value.messages
    assert LandAcquisition.objects.get().acquired_area_mu == Decimal("0")
