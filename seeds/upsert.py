"""Create-only writes for seeds: a row is created when it is missing and never changed once it
exists, so re-running `seed` (every `bin/run` does) keeps every edit users made to reference
data, rules, users and the demo portfolio.

Seeds validate fields but leave CHECK/UNIQUE constraints to the database (which holds them
anyway): Django validates each CheckConstraint with a query of its own, which made the demo
load three times slower."""

from __future__ import annotations

from typing import Any

from django.db import models


def ensure(model: type[models.Model], lookup: dict[str, Any], defaults: dict[str, Any] | None = None) -> models.Model:
    """The row matching `lookup`, created with `defaults` when there is none; an existing row is left as it is."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **(defaults or {}))
        obj.full_clean(validate_constraints=False)
        obj.save()
    return obj
