"""The period figures as printed: rates in per cent and 超（欠）序时 in points with the office's
Rounding, amounts in 万元 to the cent with their 亿元 beside them (`<amount>_yi`, same Rounding).
One definition for the statistics API, the 驾驶舱 and the monthly 通报."""

from __future__ import annotations

from dataclasses import fields

from django.conf import settings

from .formulas import HUNDRED, Rounding, to_yi
from .selectors import PortfolioFigures

RATES = ("completion_rate", "time_progress", "start_rate", "start_resume_rate", "milestone_on_time_rate", "yoy_growth")
AMOUNTS = (
    "annual_plan",
    "ytd_completed",
    "prior_ytd_completed",
    "cumulative_completed",
    "over_5m_investment",
    "over_100m_investment",
    "under_construction_plan",
)


_FIELDS = tuple(f.name for f in fields(PortfolioFigures))


def rounding_setting() -> Rounding:
    """The office's rounding (STATS_ROUNDING, STATS_DECIMALS)."""
    return Rounding(settings.STATS_ROUNDING, settings.STATS_DECIMALS)


def printed_figures(f: PortfolioFigures, rounding: Rounding) -> dict:
    """Every field of `f`, rates and points rounded, 亿元 added; Decimals stay Decimals."""
    # Field by field, not dataclasses.asdict: its deep copy was a third of a grouped summary's time.
    data = {name: getattr(f, name) for name in _FIELDS}
    data["lights"] = dict(f.lights)
    for key in RATES:
        data[key] = rounding(None if data[key] is None else data[key] * HUNDRED)
    data["gap_points"] = rounding(f.gap_points)
    for key in AMOUNTS:
        data[f"{key}_yi"] = rounding(to_yi(data[key]))
    return data
