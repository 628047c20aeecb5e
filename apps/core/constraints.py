"""A CheckConstraint whose model validation runs in Python when it can.

Django validates a CheckConstraint in `full_clean()` by asking the database (`Q.check()`: a
SAVEPOINT, a `SELECT … WHERE <condition>`, a RELEASE — three statements per constraint). A project
has seven of them, so a clerk's PATCH spent 21 of its 51 statements there, and an import of 1 000
rows 21 000. Our conditions are plain field comparisons, which Python decides exactly the way SQL
does (NULL makes a comparison unknown, and an unknown condition passes, as `Q.check()`'s COALESCE
does); anything else (an expression, a string ordering that depends on the collation, a nested
lookup) still goes to the database. The table's own CHECK stays the guarantee: this only says the
same thing earlier and cheaper, with the constraint's Chinese message.
"""

from __future__ import annotations

import operator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import F, Q

COMPARE = {"exact": operator.eq, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


class _Undecided(Exception):
    """The condition is not one Python can decide like SQL: ask the database."""


class _Excluded(Exception):
    """The condition names a field excluded from validation: skipped, as Django does."""


def _field_values(model, instance, exclude) -> dict[str, Any]:
    values: dict[str, Any] = {}
    exclude = exclude or set()
    for field in model._meta.local_concrete_fields:
        if field.name in exclude or field.generated:
            continue
        values[field.name] = getattr(instance, field.attname)
    if "pk" not in exclude:
        values["pk"] = instance.pk
    return values


def _operand(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, F):
        if "__" in value.name:
            raise _Undecided
        if value.name not in values:
            raise _Excluded
        return values[value.name]
    if hasattr(value, "resolve_expression"):
        raise _Undecided
    return value


def _lookup(key: str, rhs: Any, values: dict[str, Any]) -> bool | None:
    name, _, lookup = key.partition("__")
    lookup = lookup or "exact"
    if name not in values:
        raise _Excluded
    lhs = values[name]
    if hasattr(lhs, "resolve_expression"):
        raise _Undecided
    rhs = _operand(rhs, values)
    if lookup == "exact" and rhs is None:
        lookup, rhs = "isnull", True
    if lookup == "isnull":
        return (lhs is None) == bool(rhs)
    if lookup == "in":
        rhs = [_operand(v, values) for v in rhs]
        if lhs is None:
            return None
        return True if lhs in rhs else (None if None in rhs else False)
    compare = COMPARE.get(lookup)
    if compare is None:
        raise _Undecided
    if lhs is None or rhs is None:
        return None  # SQL: a comparison with NULL is unknown
    if lookup != "exact" and (isinstance(lhs, str) or isinstance(rhs, str)):
        raise _Undecided  # the database's collation orders strings, not Python
    try:
        return bool(compare(lhs, rhs))
    except TypeError as exc:  # e.g. a value the field could not clean: let the database say
        raise _Undecided from exc


def evaluate(condition: Q | tuple, values: dict[str, Any]) -> bool | None:
    """Three-valued (SQL) truth of `condition` for `values`: True, False or None (unknown)."""
    if not isinstance(condition, Q):
        if not isinstance(condition, tuple):
            raise _Undecided  # an expression (a lookup object, a function): the database decides
        key, rhs = condition
        return _lookup(key, rhs, values)
    results = [evaluate(child, values) for child in condition.children]
    if condition.connector == Q.AND:
        result = False if False in results else (None if None in results else True)
    elif condition.connector == Q.OR:
        result = True if True in results else (None if None in results else False)
    else:
        raise _Undecided
    if condition.negated and result is not None:
        result = not result
    return result


class CheckConstraint(models.CheckConstraint):
    """models.CheckConstraint, validated in Python where that is exact (see the module docstring)."""

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS) -> None:
        try:
            result = evaluate(Q(self.condition), _field_values(model, instance, exclude))
        except _Excluded:
            return
        except _Undecided:
            super().validate(model, instance, exclude=exclude, using=using)
            return
        if result is False:
            raise ValidationError(self.get_violation_error_message(), code=self.violation_error_code)

    def deconstruct(self):
        # Same migration state as Django's own class: swapping it in writes no migration.
        path, args, kwargs = super().deconstruct()
        return "django.db.models.CheckConstraint", args, kwargs
