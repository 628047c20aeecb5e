"""How the 通报 page prints a snapshot value of each column kind (apps.bulletins.content)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from apps.core.models import Light

from ..content import INT, LIGHT, MONEY, NUMERIC_KINDS

register = template.Library()
LIGHT_NAMES = dict(Light.choices)


@register.filter
def bulletin_cell(value, kind: str) -> str:
    """万元 with thousands separators and two decimals; rates and 亿元 as already rounded; none as —."""
    if value is None or value == "":
        return "—" if kind in NUMERIC_KINDS else ""
    if kind == MONEY:
        return f"{Decimal(value):,.2f}"
    if kind == INT:
        return str(value)
    if kind == LIGHT:
        return LIGHT_NAMES.get(value, value)
    return str(value)


@register.filter
def is_numeric(kind: str) -> bool:
    return kind in NUMERIC_KINDS


@register.filter
def get_item(row: dict, key: str):
    return row.get(key)
