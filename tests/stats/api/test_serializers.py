"""The grouped summary's fast representation gives exactly what the serializer gives, for every kind
of value a group's figures can hold (None, negative, long, float-like and whole amounts)."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest

from apps.stats.api.serializers import GroupFiguresSerializer, represent_groups
from apps.stats.formulas import Rounding
from apps.stats.live import Totals
from apps.stats.printing import printed_figures
from apps.stats.selectors import figures_from_totals


def _group(key: int, totals: Totals, rounding: Rounding) -> dict:
    return {"key": str(key), "label": f"单位{key}", **printed_figures(figures_from_totals(totals, year=2026, month=10), rounding)}


GROUPS = [
    Totals(),  # nothing: every rate None
    Totals(project_count=3, annual_plan=Decimal("1200.00"), ytd=Decimal("100.00"), prior_ytd=Decimal("80.00"), red=1, green=2),
    Totals(project_count=1, annual_plan=Decimal("0.01"), ytd=Decimal("99999999999999.99"), prior_ytd=Decimal("0")),
    Totals(project_count=2, annual_plan=Decimal("3"), ytd=Decimal("-2.005"), carry_over=Decimal("1.5"), until_period=Decimal("7")),
    Totals(project_count=4, over_5m_count=2, over_5m_investment=Decimal("12345.675"), milestones_due=7, milestones_on_time=5),
]


@pytest.mark.parametrize("rounding", [Rounding(), Rounding("truncate", 2), Rounding("half_up", 0), Rounding("truncate", 4)])
def test_represent_groups_is_the_serializers_output(rounding):
    groups = [_group(key, totals, rounding) for key, totals in enumerate(GROUPS)]
    assert represent_groups(groups) == GroupFiguresSerializer(groups, many=True).data


def test_represent_groups_keeps_the_serializers_output_under_another_decimal_context():
    groups = [_group(key, totals, Rounding()) for key, totals in enumerate(GROUPS)]
    with decimal.localcontext(rounding=decimal.ROUND_DOWN, prec=6):
        assert represent_groups(groups) == GroupFiguresSerializer(groups, many=True).data
