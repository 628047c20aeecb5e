"""Land acquisition reads."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.projects.selectors import project_is_own

from .models import LandAcquisition


def land_acquisition_list(*, user) -> QuerySet[LandAcquisition]:
    return LandAcquisition.objects.select_related("project", "region")


def land_acquisition_is_own(user, land: LandAcquisition) -> bool:
    return project_is_own(user, land.project)
