"""Filters shared by the lists of items that belong to a project (milestones, problems, reports, land)."""

from __future__ import annotations

import django_filters as df
from django import forms
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter

from apps.core.models import Light
from apps.projects.models import ProjectResponsibility, ResponsibilityRole

MAX_ID = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT64)
class IdFilter(df.NumberFilter):
    """An object id: a positive integer that fits the database, else a 400 (never an overflow 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(IdFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2200)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class MonthFilter(IdFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 12)
        super().__init__(*args, **kwargs)


class AmountFilter(df.NumberFilter):
    """An amount in 万元 within what the ledger can hold (14 digits, 2 decimals)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -(10**12))
        kwargs.setdefault("max_value", 10**12)
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


class ProjectItemFilter(df.FilterSet):
    """Filters by the owning project: its id, category, leader, region, and free text on it."""

    project = IdFilter(field_name="project_id", label="项目ID")
    category = df.CharFilter(field_name="project__category__code", label="项目类别编码")
    leader = IdFilter(method="filter_leader", label="包保领导ID")
    region = IdFilter(method="filter_region", label="区划ID（含下级）")
    updated_since = df.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt", label="此时间之后更新")

    def filter_leader(self, qs, name, value):
        return qs.filter(
            Exists(
                ProjectResponsibility.objects.filter(project=OuterRef("project_id"), role=ResponsibilityRole.LEAD_LEADER, leader_id=value)
            )
        )

    def filter_project_department(self, qs, name, value):
        return qs.filter(
            Exists(
                ProjectResponsibility.objects.filter(
                    project=OuterRef("project_id"),
                    department_id=value,
                    role__in=(ResponsibilityRole.LEAD_DEPT, ResponsibilityRole.COOP_DEPT, ResponsibilityRole.TOWNSHIP),
                )
            )
        )

    def filter_region(self, qs, name, value):
        return qs.filter(Q(project__region_id=value) | Q(project__region__parent_id=value))


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
        if raw is None or not raw.strip():
            return self.get_default_ordering(view)
        fields = [term.strip() for term in raw.split(",")]
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
