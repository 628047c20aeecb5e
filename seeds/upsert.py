"""Idempotent writes for seeds: a row is saved only when something differs, so a second run
changes nothing — not even the history tables.

Seeds validate fields but leave CHECK/UNIQUE constraints to the database (which holds them
anyway): Django validates each CheckConstraint with a query of its own, which made the demo
load three times slower."""

from __future__ import annotations

from typing import Any

from django.db import models


def upsert(model: type[models.Model], lookup: dict[str, Any], defaults: dict[str, Any] | None = None) -> models.Model:
    defaults = defaults or {}
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **defaults)
        obj.full_clean(validate_constraints=False)
        obj.save()
        return obj
    changed = [key for key, value in defaults.items() if getattr(obj, key) != value]
    if changed:
        for key in changed:
            setattr(obj, key, defaults[key])
        obj.full_clean(validate_constraints=False)
        obj.save()
    return obj
