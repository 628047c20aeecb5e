"""Seed once: reference rows the system creates the first time and never again.

Every `seed` (each restart of `bin/run`) runs these. A row is created only when it is missing
and has never been seeded before (no SeedMark): so a row users edited is left as it is, and one
they renamed or deleted is not brought back. A row that exists gets its mark, so installations
seeded before marks existed are covered from their next seed on.

The demo ledger (seeds/demo.py, loaded only into an empty ledger) creates its rows with `ensure`,
the same create-only write without marks: its thousands of rows need no memory of deletions.
Either way a seed validates the fields and leaves CHECK/UNIQUE constraints to the database, which
holds them anyway: Django validates each CheckConstraint with a query of its own, which made the
demo load three times slower.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from .models import SeedMark


def seed_key(model: type[models.Model], lookup: dict[str, Any]) -> str:
    parts = ",".join(f"{k}={getattr(v, 'pk', v)}" for k, v in sorted(lookup.items()))
    return f"{model._meta.label}:{parts}"[:200]


def marked(keys: Iterable[str]) -> set[str]:
    return set(SeedMark.objects.filter(key__in=list(keys)).values_list("key", flat=True))


def mark(keys: Iterable[str]) -> None:
    SeedMark.objects.bulk_create([SeedMark(key=k) for k in keys], ignore_conflicts=True)


def _create(model: type[models.Model], lookup: dict[str, Any], defaults: dict[str, Any] | None) -> models.Model:
    obj = model(**lookup, **(defaults or {}))
    obj.full_clean(validate_constraints=False)
    obj.save()
    return obj


def ensure(model: type[models.Model], lookup: dict[str, Any], defaults: dict[str, Any] | None = None) -> models.Model:
    """The row matching `lookup`, created with `defaults` when there is none; an existing row is left as it is."""
    return model.objects.filter(**lookup).first() or _create(model, lookup, defaults)


def seed_once(model: type[models.Model], lookup: dict[str, Any], defaults: dict[str, Any] | None = None) -> models.Model | None:
    """The row matching `lookup`; created with `defaults` the first time only. None when the office
    removed (or renamed) a row seeded earlier."""
    key = seed_key(model, lookup)
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        if marked([key]):
            return None
        obj = _create(model, lookup, defaults)
    mark([key])
    return obj
