"""Cell parsers and header names of the 调度表 import."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.sheets.columns import (
    BY_KEY,
    WAN,
    YI,
    CellError,
    match_header,
    normalize_header,
    parse_bool,
    parse_choice,
    parse_date,
    parse_money,
    parse_years,
)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("项目代码", "code"),
        ("项目编码", "code"),
        ("赋码", "code"),
        ("计划总投资\n（万元）", "total"),
        ("总投资", "total"),
        ("其中：固定资产投资", "fixed"),
        ("年度计划投资", "annual_plan"),
        ("责任单位", "department"),
        ("牵头单位", "department"),
        ("包保县领导", "leader"),
        ("属地", "region"),
        ("建设规模及主要建设内容", "scale"),
        ("项目名称*", "name"),
        ("投资管理方式（审批/核准/备案）", "mode"),
    ],
)
def test_headers_are_known_by_their_usual_names(text, key):
    assert match_header(text).spec.key == key


def test_a_year_in_the_header_names_the_plan_year():
    found = match_header("2026年计划投资（亿元）")
    assert (found.spec.key, found.year, found.unit) == ("annual_plan", 2026, YI)
    assert match_header("2027年度计划投资").year == 2027
    assert match_header("计划总投资").spec.key == "total"
    assert match_header("不相干的列") is None


def test_normalize_header_drops_spaces_units_and_marks():
    assert normalize_header(" 计划 总投资\n(亿元) * ") == ("计划总投资", YI)


def test_money_in_yi_is_converted_to_wan_exactly():
    assert parse_money(1.2345, YI) == Decimal("12345.00")
    assert parse_money("0.1", YI) == Decimal("1000.00")
    assert parse_money(12.5, WAN) == Decimal("12.50")
    assert parse_money("1,234.5", WAN) == Decimal("1234.50")
    assert parse_money("１２", WAN) == Decimal("12.00")


@pytest.mark.parametrize(
    ("value", "message"), [(-1, "不能为负数"), ("abc", "不是数字"), ("1.2345678", "超过两位小数"), ("nan", "不是数字")]
)
def test_bad_money_says_why_in_chinese(value, message):
    with pytest.raises(CellError, match=message):
        parse_money(value, YI if value == "1.2345678" else WAN)


def test_years_dates_choices_and_flags():
    assert parse_years("2024-2026") == (2024, 2026)
    assert parse_years("2024年—2026年") == (2024, 2026)
    assert parse_years(2026) == (2026, 2026)
    with pytest.raises(CellError, match="不能早于"):
        parse_years("2027-2025")
    with pytest.raises(CellError, match="不是建设起止年限"):
        parse_years("明年")
    assert parse_date("2026年3月") == dt.date(2026, 3, 1)
    assert parse_date("2026.2", end_of_month=True) == dt.date(2026, 2, 28)
    assert parse_date("2026/3/9") == dt.date(2026, 3, 9)
    assert parse_date(dt.datetime(2026, 3, 9, 0, 0)) == dt.date(2026, 3, 9)
    with pytest.raises(CellError, match="不是有效日期"):
        parse_date("2026-02-30")
    assert parse_choice("核准", BY_KEY["mode"]) == "verify"
    assert parse_choice("续建", BY_KEY["annual_role"]) == "cont"
    assert parse_choice("改建", BY_KEY["nature"]) == "3"
    with pytest.raises(CellError, match="应为：审批"):
        parse_choice("自筹", BY_KEY["mode"])
    assert parse_bool("是") is True
    assert parse_bool(None) is False
