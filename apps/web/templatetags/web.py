"""Formatting shared by every page: amounts in 万元/亿元, percentages, lights."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.utils.html import format_html

from apps.core.models import Light
from apps.core.uploads import display_name
from apps.lights.overdue import time_left_label
from apps.stats.formulas import Rounding

register = template.Library()

LIGHT_LABELS = dict(Light.choices)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def wan(value, places: int = 2) -> str:
    """An amount in 万元 with thousands separators: 12,345.60."""
    d = _decimal(value)
    if d is None:
        return "—"
    q = Decimal(1).scaleb(-int(places))
    return f"{d.quantize(q, rounding=ROUND_HALF_UP):,}"


@register.filter
def yi(value, places: int = 2) -> str:
    """万元 shown in 亿元: 73700 → 7.37."""
    d = _decimal(value)
    if d is None:
        return "—"
    q = Decimal(1).scaleb(-int(places))
    return f"{(d / 10000).quantize(q, rounding=ROUND_HALF_UP):,}"


def _rounding(places) -> Rounding:
    """The office's rounding setting (STATS_ROUNDING, STATS_DECIMALS), as the statistics API prints."""
    decimals = settings.STATS_DECIMALS if places is None else int(places)
    return Rounding(settings.STATS_ROUNDING, decimals)


@register.filter
def pct(value, places: int | None = None) -> str:
    """A percentage already in points, printed with the office's rounding: 71.153 → 71.2%."""
    d = _decimal(value)
    if d is None:
        return "—"
    return f"{_rounding(places)(d)}%"


@register.filter
def rate(value, places: int | None = None) -> str:
    """A ratio as the formulas return it (0.6655…) shown in per cent: 66.6%."""
    d = _decimal(value)
    if d is None:
        return "—"
    return pct(d * 100, places)


@register.filter
def light_label(value) -> str:
    return LIGHT_LABELS.get(str(value), "—")


@register.simple_tag
def light_badge(value) -> str:
    """A coloured dot and the light's name; the colour is also a class for print and screen readers."""
    name = str(value or "")
    if name not in LIGHT_LABELS:
        return format_html('<span class="light light-none">—</span>')
    return format_html('<span class="light light-{}" title="{}">{}</span>', name, LIGHT_LABELS[name], LIGHT_LABELS[name])


@register.filter
def time_left(days_left) -> str:
    """今天到期 / 剩余 N 天 (apps.lights.overdue.time_left_label)."""
    try:
        return time_left_label(int(days_left))
    except (TypeError, ValueError):
        return ""


@register.filter
def milestone_status(milestone) -> str:
    """The milestone's status as users read it: 已办结 after its planned date reads 逾期办结."""
    from apps.milestones.notions import DONE_LATE_LABEL, is_done_late

    return DONE_LATE_LABEL if is_done_late(milestone) else milestone.get_status_display()


@register.filter
def upload_name(stored) -> str:
    """A stored attachment's link text: the uploader's file name, not the random stored one."""
    return display_name(stored.instance, stored.field) if stored else ""
