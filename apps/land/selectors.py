"""Land acquisition reads."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import LandAcquisition


def land_acquisition_list(*, user) -> QuerySet[LandAcquisition]:
    return LandAcquisition.objects.select_related("project", "region")
