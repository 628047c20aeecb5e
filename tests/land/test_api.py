"""/api/v1/land-acquisitions/: what a parcel's figures allow, the API can show."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api.world import build_world
from tests.factories import LandAcquisitionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def test_a_parcel_paid_far_beyond_its_due_compensation_is_shown_not_a_500():
    # given a parcel paid a billion 万元 against 0.01 due (nothing forbids paying more than is due;
    # found by schemathesis's stateful phase: every read of such a parcel was a 500)
    world = build_world()
    land = LandAcquisitionFactory(project=world.own, compensation_due=Decimal("0.01"), compensation_paid=Decimal("999999999999.99"))
    # when the API shows it
    response = world.client("office").get(f"/api/v1/land-acquisitions/{land.pk}/")
    # then the rate is the exact percentage
    assert response.status_code == 200, response.content[:300]
    assert response.json()["payment_rate"] == "9999999999999900.0"
