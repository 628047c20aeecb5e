"""Reference data created outside the admin: the 调度表 import offers the departments, townships and
leader posts a sheet names but the system lacks, and creates them here — with the office as actor,
only when the office has confirmed them in the import's preview."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from apps.accounts.policy import require
from apps.accounts.types import Actor
from apps.core.services import apply_fields, save_validated

from .models import Department, Leader, Region, RegionKind


def department_create(*, actor: Actor, name: str) -> Department:
    """A 责任单位 by its full name (the office completes the rest in the admin)."""
    require(actor, "create", Department)
    name = (name or "").strip()
    return save_validated(Department(name=name, short_name=name[:30] if len(name) <= 30 else ""), actor=actor)


def leader_create(*, actor: Actor, position: str) -> Leader:
    """A 县（区）级领导岗位 by its post (the system keeps posts, not personal names)."""
    require(actor, "create", Leader)
    position = (position or "").strip()
    principal = position in ("县委书记", "区委书记", "县长", "区长")
    order = (Leader.objects.aggregate(m=Max("sort_order"))["m"] or 0) + 1
    return save_validated(Leader(position=position, is_principal=principal, sort_order=min(order, 32767)), actor=actor)


def _region_kind(name: str) -> str:
    if name.endswith("街道"):
        return RegionKind.STREET
    if re.search(r"(园区|开发区|产业园|工业园|示范区)$", name):
        return RegionKind.PARK
    return RegionKind.TOWN


def region_create(*, actor: Actor, name: str) -> Region:
    """A 乡镇（街道）/园区 under the county, with the next free 9-digit code (the office may correct it)."""
    require(actor, "create", Region)
    name = (name or "").strip()
    county = Region.objects.filter(kind=RegionKind.COUNTY).order_by("sort_order", "code").first()
    if county is None:
        raise ValidationError("系统中还没有县（区）级区划，无法新增乡镇：请先在后台添加本县（区）。")
    prefix = county.code[:6]
    taken = set(Region.objects.filter(code__startswith=prefix, code__regex=r"^\d{9}$").values_list("code", flat=True))
    serial = next((n for n in range(1, 1000) if f"{prefix}{n:03d}" not in taken), None)
    if serial is None:
        raise ValidationError("本县（区）的9位区划代码已用完，请在后台添加该乡镇。")
    return save_validated(Region(code=f"{prefix}{serial:03d}", name=name, kind=_region_kind(name), parent=county), actor=actor)


# --- the API's reference-data writes (the admin uses core's instance_save, under the same rule) --

ReferenceRow = Region | Department | Leader


def reference_create(*, actor: Actor, model: type[ReferenceRow], data: dict) -> ReferenceRow:
    """A new 行政区划, 责任单位 or 县级领导 from the API's validated fields, under the policy's rule."""
    row = apply_fields(model(), data, allowed=set(data))
    require(actor, "create", row)
    return save_validated(row, actor=actor)


@transaction.atomic
def reference_update(*, actor: Actor, row: ReferenceRow, data: dict, seen: int | None = None) -> ReferenceRow:
    """Change a reference row's fields (the serializer has limited them to the writable ones)."""
    require(actor, "change", row)
    return save_validated(apply_fields(row, data, allowed=set(data)), actor=actor, seen=seen)
