"""Writes of the scoring schemes: the office (and admins) configure schemes, items and manual
deductions; everyone else is refused by the policy (apps/accounts/policy.py: office_only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.policy import acting_user, require
from apps.accounts.types import Actor
from apps.core.services import apply_fields, save_validated

from .models import AssessmentDeduction, AssessmentItem, AssessmentScheme

SCHEME_FIELDS = {"year", "target_kind", "name", "note"}
ITEM_FIELDS = {"order", "name", "method", "params", "base_score", "cap_plus", "cap_minus"}
DEDUCTION_FIELDS = {"department", "region", "date", "points", "reason"}


def scheme_create(*, actor: Actor, year: int, target_kind: str, name: str, note: str = "") -> AssessmentScheme:
    """A new scheme (one per year and target kind)."""
    scheme = AssessmentScheme(year=year, target_kind=target_kind, name=name, note=note)
    require(actor, "create", scheme)
    return save_validated(scheme, actor=actor)


def scheme_update(*, actor: Actor, scheme: AssessmentScheme, data: dict[str, Any], seen: int | None = None) -> AssessmentScheme:
    """Change a scheme's year, kind, name or note."""
    require(actor, "change", scheme)
    return save_validated(apply_fields(scheme, data, allowed=SCHEME_FIELDS), actor=actor, seen=seen)


def item_create(*, actor: Actor, scheme: AssessmentScheme, **data: Any) -> AssessmentItem:
    """Add an item; its params are validated against its method (Chinese messages on `params`)."""
    item = apply_fields(AssessmentItem(scheme=scheme), data, allowed=ITEM_FIELDS)
    require(actor, "create", item)
    return save_validated(item, actor=actor)


def item_update(*, actor: Actor, item: AssessmentItem, data: dict[str, Any], seen: int | None = None) -> AssessmentItem:
    require(actor, "change", item)
    return save_validated(apply_fields(item, data, allowed=ITEM_FIELDS), actor=actor, seen=seen)


@transaction.atomic
def item_delete(*, actor: Actor, item: AssessmentItem) -> None:
    """Remove an item; the item counting manual deductions stays while the scheme has any."""
    require(actor, "delete", item)
    if item.takes_manual_deductions and AssessmentDeduction.objects.filter(scheme_id=item.scheme_id).exists():
        raise ValidationError("本方案已录入手工扣分，计入手工扣分的扣分项不能删除（可先删除手工扣分）。")
    item.delete()


def deduction_add(
    *, actor: Actor, scheme: AssessmentScheme, date: dt.date, points: Decimal, reason: str, department=None, region=None
) -> AssessmentDeduction:
    """Record a manual deduction against a department or a town of the scheme's kind."""
    deduction = AssessmentDeduction(
        scheme=scheme, department=department, region=region, date=date, points=points, reason=reason, created_by=acting_user(actor)
    )
    require(actor, "create", deduction)
    return save_validated(deduction, actor=actor)


def deduction_update(*, actor: Actor, deduction: AssessmentDeduction, data: dict[str, Any], seen: int | None = None) -> AssessmentDeduction:
    """Correct a manual deduction; who entered it stays as it was."""
    require(actor, "change", deduction)
    return save_validated(apply_fields(deduction, data, allowed=DEDUCTION_FIELDS), actor=actor, seen=seen)


def deduction_remove(*, actor: Actor, deduction: AssessmentDeduction) -> None:
    require(actor, "delete", deduction)
    deduction.delete()


@transaction.atomic
def scheme_copy(*, actor: Actor, source: AssessmentScheme, year: int, name: str | None = None) -> AssessmentScheme:
    """A scheme for `year` with the source's items (not its deductions, which belong to their year)."""
    require(actor, "create", AssessmentScheme)
    if AssessmentScheme.objects.filter(year=year, target_kind=source.target_kind).exists():
        raise ValidationError(f"{year}年已有{source.get_target_kind_display()}考核方案，不能重复复制。")
    copy = scheme_create(
        actor=actor,
        year=year,
        target_kind=source.target_kind,
        name=name or source.name.replace(str(source.year), str(year)),
        note=source.note,
    )
    for item in source.items.order_by("order", "id"):
        item_create(
            actor=actor,
            scheme=copy,
            order=item.order,
            name=item.name,
            method=item.method,
            params=item.params,
            base_score=item.base_score,
            cap_plus=item.cap_plus,
            cap_minus=item.cap_minus,
        )
    return copy
