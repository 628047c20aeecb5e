"""Land acquisition (征地拆迁) figures."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.policy import require
from apps.accounts.types import Actor
from apps.core.services import apply_fields, save_validated
from apps.core.versioning import VERSION_FIELDS
from apps.projects.models import Project

from .models import LandAcquisition

LAND_FIELDS = {
    f.name
    for f in LandAcquisition._meta.get_fields()
    if getattr(f, "concrete", False) and not f.auto_created and f.name not in {"project", "updated_at", *VERSION_FIELDS}
}


@transaction.atomic
def land_acquisition_create(*, actor: Actor, project: Project, data: dict) -> LandAcquisition:
    """Open a land-acquisition task for a parcel of the project."""
    land = apply_fields(LandAcquisition(project=Project.objects.get(pk=project.pk)), data, allowed=LAND_FIELDS)
    require(actor, "create", land)
    return save_validated(land, actor=actor)


@transaction.atomic
def land_acquisition_update(*, actor: Actor, land: LandAcquisition, data: dict, seen: int | None = None) -> LandAcquisition:
    """Update the figures; acquired never above required, signed never above total."""
    land = LandAcquisition.objects.select_for_update().get(pk=land.pk)
    require(actor, "change", land)
    apply_fields(land, data, allowed=LAND_FIELDS)
    return save_validated(land, actor=actor, seen=seen, savepoint=False)
