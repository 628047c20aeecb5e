"""The readings of query values every list shares (ids, years, months, amounts, date-times, the light,
the ordering): in the kernel because both ways in (the API and the pages) and the apps' own filter
sets use them, and the apps sit below the ways in."""

from __future__ import annotations

import django_filters as df
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter

from apps.core.datetimes import parse_aware_datetime
from apps.core.models import Light

MAX_ID = 2**63 - 1
YEARS = (1900, 2200)
AMOUNT_LIMIT = 10**12


# Each filter's schema states the range it accepts, so the API's check (strict.ConformsToSchema)
# and the filter refuse the same values.
@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(df.NumberFilter):
    """An object id: a positive integer that fits the database, else a 400 (never an overflow 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1]})
class YearFilter(IdFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", YEARS[0])
        kwargs.setdefault("max_value", YEARS[1])
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 12})
class MonthFilter(IdFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 12)
        super().__init__(*args, **kwargs)


class AwareDateTimeField(forms.Field):
    """An RFC 3339 date-time with its offset (apps.core.datetimes.parse_aware_datetime): the API's reading,
    for the pages too, so an offset PostgreSQL cannot hold is a form error, never a 500."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_aware_datetime(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeFilter(df.Filter):
    field_class = AwareDateTimeField


# A decimal string like the amounts in bodies: "number" would promise 1e-05 and 0.125, which the
# filter refuses (14 digits, 2 decimals).
@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d{1,12}(?:\.\d{1,2})?$"})
class AmountFilter(df.NumberFilter):
    """An amount in 万元 within what the ledger can hold (14 digits, 2 decimals)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -AMOUNT_LIMIT)
        kwargs.setdefault("max_value", AMOUNT_LIMIT)
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


class LightFilterMixin(df.FilterSet):
    light = df.ChoiceFilter(choices=Light.choices, field_name="light", label="预警灯")
    overdue = df.BooleanFilter(method="filter_overdue", label="已逾期（红灯）")

    def filter_overdue(self, qs, name, value):
        return qs.filter(light_rank=2) if value else qs.exclude(light_rank=2)


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=a,-b` over the view's `ordering_fields`; an unknown term is a 400 naming it
    (DRF's own filter drops it silently and returns the default order)."""

    ordering_description = "排序字段，逗号分隔，前加“-”为降序"

    def terms(self, view) -> list[str]:
        return [str(item[0] if isinstance(item, list | tuple) else item) for item in getattr(view, "ordering_fields", None) or ()]

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if not raw:
            return self.get_default_ordering(view)
        # Terms exactly as the schema's enum lists them: " name" is not "name".
        fields = raw.split(",")
        valid = set(self.terms(view))
        unknown = [term for term in fields if term.removeprefix("-") not in valid]
        if unknown:
            accepted = "、".join(self.terms(view)) or "无"
            message = f"不支持的排序字段：{'、'.join(unknown)}。可用：{accepted}（前加“-”为降序）。"
            raise exceptions.ValidationError({"non_field_errors": [message], self.ordering_param: [message]})
        # The id breaks ties: without it, rows with equal amounts come in any order and a page can
        # repeat or skip rows of the previous one.
        if not any(term.removeprefix("-") in ("id", "pk") for term in fields):
            fields.append("id")
        return fields

    def get_schema_operation_parameters(self, view):
        terms = self.terms(view)
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"排序，逗号分隔，前加“-”为降序。可用：{'、'.join(terms)}",
                "schema": {"type": "array", "items": {"type": "string", "enum": [p + t for t in terms for p in ("", "-")]}},
                "style": "form",
                "explode": False,
            }
        ]
