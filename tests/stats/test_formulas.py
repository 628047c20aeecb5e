"""Every formula against its published example (DOMAIN.md §11)."""

from decimal import ROUND_DOWN, Decimal

import pytest

from apps.stats import formulas


def test_time_progress_in_month_8_is_66_67_percent():
    # Sanming 三元区 1–8月: 序时进度 66.67 %.
    assert formulas.quantize(formulas.time_progress(8) * 100, 2) == Decimal("66.67")


def test_start_rate_206_of_255_is_80_8_percent():
    # "计划开工255项…已开工206项，完成年度计划开工的80.8%".
    assert formulas.percent(206, 255) == Decimal("80.8")
    assert formulas.quantize(formulas.start_rate(206, 255) * 100) == Decimal("80.8")


def test_sanming_74_percent_in_month_8_is_7_33_points_ahead():
    # "1–8月完成年度计划的74%，超序时进度7.33个百分点".
    gap = formulas.schedule_gap_points(Decimal("74"), Decimal("100"), 8)
    assert formulas.quantize(gap, 2) == Decimal("7.33")


def test_jiangmen_q1_30_90_percent_is_5_90_points_ahead():
    # Jiangmen Q1: 30.90 % of plan, "超过时间进度5.90个百分点".
    gap = formulas.schedule_gap_points(Decimal("30.90"), Decimal("100"), 3)
    assert formulas.quantize(gap, 2) == Decimal("5.90")


def test_jiangmen_jan_oct_97_2_percent_is_13_8_points_ahead_when_truncated():
    # Published "超13.8个百分点": 97.2 − 83.33 = 13.87, truncated.
    gap = formulas.schedule_gap_points(Decimal("97.2"), Decimal("100"), 10)
    assert formulas.quantize(gap, 1, ROUND_DOWN) == Decimal("13.8")
    assert formulas.quantize(gap, 1) == Decimal("13.9")


def test_start_resume_rate_44_of_65_is_published_as_67_6_by_truncation():
    assert formulas.percent(44, 65, rounding=ROUND_DOWN) == Decimal("67.6")
    assert formulas.quantize(formulas.start_resume_rate(30, 14, 40, 25) * 100, 1, ROUND_DOWN) == Decimal("67.6")


def test_liannan_33_of_50_projects_started_is_66_percent():
    assert formulas.percent(33, 50, places=0) == Decimal("66")


def test_129_of_270_truncated_to_an_integer_is_47_percent():
    assert formulas.percent(129, 270, places=0, rounding=ROUND_DOWN) == Decimal("47")


def test_completion_rate_and_behind_schedule_is_negative():
    assert formulas.completion_rate(Decimal("500"), Decimal("1000")) == Decimal("0.5")
    assert formulas.quantize(formulas.schedule_gap_points(Decimal("500"), Decimal("1000"), 9), 2) == Decimal("-25.00")


def test_a_zero_denominator_gives_no_rate_instead_of_an_error():
    assert formulas.completion_rate(Decimal("5"), Decimal("0")) is None
    assert formulas.schedule_gap_points(Decimal("5"), Decimal("0"), 3) is None
    assert formulas.percent(1, 0) is None


def test_yuan_conversion_wan_to_yi():
    # "总投资达73.7亿元" = 737 000 万元.
    assert formulas.to_yi(Decimal("737000")) == Decimal("73.7")


@pytest.mark.parametrize("month", [-1, 13])
def test_time_progress_rejects_impossible_months(month):
    with pytest.raises(ValueError, match="月份"):
        formulas.time_progress(month)
