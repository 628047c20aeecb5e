"""The arithmetic of each scoring method against the examples of DOMAIN.md §15, and the params'
validation messages."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from apps.scoring import methods

BANDS = [{"from": D(100), "to": D(130), "per_point": D("0.2")}, {"from": D(130), "to": None, "per_point": D("0.1")}]


def band(pct: str) -> D:
    return methods.band_delta(D(pct) / 100, below_per_point=D("0.1"), bands=BANDS)


@pytest.mark.parametrize(
    ("done", "expected"),
    [("106", "3"), ("100", "0"), ("94", "-3"), ("105", "2.5"), ("150", "25")],
)
def test_ratio_step_adds_one_point_per_two_percent_over_plan(done, expected):
    rate = D(done) / D(100)  # plan 100
    assert methods.ratio_step_delta(rate, step_pct=D(2), step_points=D(1)) == D(expected)


def test_ratio_step_counts_whole_steps_only_when_asked():
    assert methods.ratio_step_delta(D("1.05"), step_pct=D(2), step_points=D(1), whole_steps=True) == 2
    assert methods.ratio_step_delta(D("0.95"), step_pct=D(2), step_points=D(1), whole_steps=True) == -2


def test_ratio_is_capped_at_fifteen_points_either_way():
    over = methods.ratio_step_delta(D("1.5"), step_pct=D(2), step_points=D(1))
    under = methods.ratio_step_delta(D("0.5"), step_pct=D(2), step_points=D(1))
    assert methods.clamp(over, cap_plus=D(15), cap_minus=D(15)) == 15
    assert methods.clamp(under, cap_plus=D(15), cap_minus=D(15)) == -15
    assert methods.clamp(over, cap_plus=None, cap_minus=None) == 25


def test_ratio_proportional_is_base_times_completion():
    # 60 分 × 完成投资占年度计划的比: 75 % → 45, i.e. 15 below the base
    assert D(60) + methods.ratio_proportional_delta(D("0.75"), base=D(60)) == 45


@pytest.mark.parametrize(("pct", "expected"), [("95", "-0.5"), ("100", "0"), ("120", "4"), ("130", "6"), ("140", "7"), ("99.5", "-0.05")])
def test_band_examples(pct, expected):
    assert band(pct) == D(expected)


def test_band_is_capped_at_ten():
    assert band("200") == D(13)  # 30 × 0.2 + 70 × 0.1
    assert methods.clamp(band("200"), cap_plus=D(10), cap_minus=D(10)) == 10
    assert methods.clamp(band("0"), cap_plus=D(10), cap_minus=D(10)) == -10


def test_ranks_share_on_ties_and_skip_the_next():
    ranks = methods.competition_ranks({"a": D("0.9"), "b": D("0.8"), "c": D("0.9"), "d": D("0.7"), "e": None})
    assert ranks == {"a": 1, "c": 1, "b": 3, "d": 4, "e": None}


def test_rank_points_by_band():
    bands = [{"to_rank": 3, "points": D(5)}, {"to_rank": 6, "points": D(3)}, {"to_rank": 10, "points": D(1)}]
    assert [methods.rank_points(r, bands) for r in (1, 3, 4, 6, 7, 10, 11, None)] == [5, 5, 3, 3, 1, 1, 0, 0]


def test_size_points_by_annual_plan():
    bands = [
        {"min": D(100000), "points": D(20)},
        {"min": D(50000), "points": D(10)},
        {"min": D(10000), "points": D(6)},
        {"min": D(0), "points": D(3)},
    ]
    assert [methods.size_points(D(a), bands) for a in (100000, 99999, 50000, 10000, 9999, 0)] == [20, 10, 10, 6, 3, 3]


def test_score_round_is_half_up_to_the_hundredth():
    assert methods.score_round(D("1.005")) == D("1.01")


def test_params_parse_into_decimals():
    parsed = methods.parse_params(
        "band", {"measure": "completion_rate", "below_per_point": 0.1, "bands": [{"from": 100, "to": None, "per_point": 0.2}]}
    )
    assert parsed["below_per_point"] == D("0.1")
    assert parsed["bands"] == [{"from": D(100), "to": None, "per_point": D("0.2")}]


@pytest.mark.parametrize(
    ("method", "params", "message"),
    [
        ("ratio", {"measure": "nope", "step_pct": 2, "step_points": 1}, "考核指标"),
        ("ratio", {"measure": "ytd_completed", "step_pct": 2, "step_points": 1}, "考核指标"),
        ("ratio", {"measure": "completion_rate", "step_pct": 0, "step_points": 1}, "大于0"),
        ("ratio", {"measure": "completion_rate", "step_pct": "x", "step_points": 1}, "应为数字"),
        ("ratio", {"measure": "completion_rate", "step_pct": 2, "step_points": 1, "extra": 1}, "不认识的参数"),
        ("band", {"measure": "completion_rate", "below_per_point": 0.1, "bands": []}, "非空的对象列表"),
        ("band", {"measure": "completion_rate", "below_per_point": 0.1, "bands": [{"from": 90, "to": None, "per_point": 1}]}, "不低于100"),
        (
            "band",
            {
                "measure": "completion_rate",
                "below_per_point": 0.1,
                "bands": [{"from": 100, "to": 130, "per_point": 1}, {"from": 120, "to": None, "per_point": 1}],
            },
            "重叠",
        ),
        ("rank", {"measure": "completion_rate", "bands": [{"to_rank": 6, "points": 3}, {"to_rank": 3, "points": 5}]}, "大于上一档"),
        ("per_project", {"by": "role", "points": {"other": 1}}, "new（新开工）"),
        ("per_project", {"by": "size", "bands": [{"min": 0, "points": 3}, {"min": 10000, "points": 6}]}, "从高到低"),
        ("deduct", {}, "自动扣分规则"),
        ("deduct", {"rule": "late_start"}, "points_each"),
        ("ratio", [1, 2], "JSON 对象"),
    ],
)
def test_bad_params_are_refused_with_a_chinese_message(method, params, message):
    with pytest.raises(ValidationError) as exc:
        methods.parse_params(method, params)
    assert any(message in m for m in exc.value.message_dict["params"]), exc.value.message_dict
