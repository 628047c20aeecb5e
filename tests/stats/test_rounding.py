"""Rounding is a setting (half up to 1 decimal by default) that a request may override; every
published example of DOMAIN.md §11 printed in both modes, and the summary says which it used."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.stats import formulas
from apps.stats.formulas import Rounding
from tests.factories import UserFactory

HALF_UP = Rounding("half_up", 1)
TRUNCATE = Rounding("truncate", 1)


@pytest.mark.parametrize(
    ("value", "half_up", "truncated"),
    [
        (formulas.percent(37, 52, places=6), "71.2", "71.1"),  # 71.153…
        (formulas.percent(206, 255, places=6), "80.8", "80.7"),  # 80.784…
        (formulas.percent(44, 65, places=6), "67.7", "67.6"),  # 67.692…: the bulletin's 67.6 % truncates
        (formulas.percent(33, 50, places=6), "66.0", "66.0"),
        (formulas.percent(129, 270, places=6), "47.8", "47.7"),  # 47.777…
        (Decimal("97.2") - formulas.time_progress(10) * 100, "13.9", "13.8"),  # "13.8 个百分点" by truncation
        (formulas.time_progress(8) * 100, "66.7", "66.6"),
    ],
)
def test_published_examples_in_both_modes(value, half_up, truncated):
    assert str(HALF_UP(value)) == half_up
    assert str(TRUNCATE(value)) == truncated


def test_truncation_goes_toward_zero_for_points_behind():
    assert str(TRUNCATE(Decimal("-13.86"))) == "-13.8"
    assert str(HALF_UP(Decimal("-13.86"))) == "-13.9"


def test_a_bad_mode_or_decimals_is_refused_in_chinese():
    with pytest.raises(ValueError, match="取舍方式"):
        Rounding("bankers", 1)
    with pytest.raises(ValueError, match="小数位数"):
        Rounding("half_up", 9)


@pytest.mark.django_db
def test_the_summary_uses_the_setting_and_a_request_may_choose(settings):
    client = APIClient()
    client.force_authenticate(UserFactory(role="viewer"))
    body = client.get("/api/v1/stats/summary/", {"year": 2026, "month": 8}).json()
    assert body["rounding"] == {"mode": "half_up", "decimals": 1, "label": "四舍五入，保留1位小数"}
    assert body["total"]["time_progress"] == "66.7"
    settings.STATS_ROUNDING = "truncate"
    body = client.get("/api/v1/stats/summary/", {"year": 2026, "month": 8}).json()
    assert body["total"]["time_progress"] == "66.6"
    body = client.get("/api/v1/stats/summary/", {"year": 2026, "month": 8, "rounding": "half_up", "decimals": 2}).json()
    assert body["total"]["time_progress"] == "66.67"
    assert client.get("/api/v1/stats/summary/", {"rounding": "bankers"}).status_code == 400
    assert client.get("/api/v1/stats/summary/", {"decimals": 9}).status_code == 400
