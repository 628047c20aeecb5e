"""Generating the monthly 通报 over the demo portfolio: its figures are the statistics' own, its
versions are kept, and only the office issues one."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.accounts.models import User
from apps.bulletins.content import as_of_day, printed, ranking_rows, rounding_setting
from apps.bulletins.models import Bulletin
from apps.bulletins.services import bulletin_generate
from apps.core.due import DueKindCode
from apps.core.models import Light
from apps.lights.overdue import due_items
from apps.lights.selectors import light_context, period_light_context
from apps.stats.printing import printed_figures
from apps.stats.selectors import period_end, portfolio_figures, portfolio_groups
from apps.stats.speech import speech_lines
from apps.stats.units import unit_board


def _table(bulletin: Bulletin, key: str) -> dict:
    return next(t for t in bulletin.figures["tables"] if t["key"] == key)


def test_the_summary_prints_portfolio_figures_of_the_month_as_the_statistics_api_does(bulletin, demo_month, today):
    # given
    year, month = demo_month
    figures = portfolio_figures(year=year, month=month, today=today)
    # when
    summary = bulletin.figures["summary"]["figures"]
    # then
    assert summary == printed(figures, rounding_setting())
    api = printed_figures(figures, rounding_setting())
    for key, value in summary.items():
        if key != "lights":
            expected = api[key] if api[key] is None or isinstance(api[key], int) else str(api[key])
            assert value == expected, key
    assert summary["lights"] == figures.lights
    assert summary["project_count"] == figures.project_count > 0


def test_the_speech_sentence_is_the_statistics_own_wording_then_the_rates_and_lights(bulletin, demo_month, today):
    year, month = demo_month
    s = bulletin.figures["summary"]
    f = s["figures"]
    sentence = s["sentence"]
    lines = speech_lines(portfolio_figures(year=year, month=month, today=today), rounding_setting())
    assert sentence.startswith("全县" + "".join(lines))
    assert sentence.startswith(f"全县{f['over_5m_count']}个500万元以上重点项目相继开（复）工，总投资达{f['over_5m_investment_yi']}亿元")
    assert f"红灯项目{f['lights']['red']}个、黄灯项目{f['lights']['yellow']}个" in sentence


def test_group_tables_are_portfolio_groups_in_wan_yuan(bulletin, demo_month, today):
    year, month = demo_month
    for group_by, key in (("category", "by_category"), ("department", "by_department")):
        expected = [
            (label, str(f.annual_plan), str(f.ytd_completed), f.project_count, f.lights["red"])
            for _, label, f in portfolio_groups(group_by=group_by, year=year, month=month, today=today)
        ]
        rows = _table(bulletin, key)["rows"]
        assert [(r["label"], r["annual_plan"], r["ytd_completed"], r["project_count"], r["red"]) for r in rows] == expected
        assert _table(bulletin, key)["unit"] == "单位：万元"


def test_the_ranking_is_the_years_department_scoring(bulletin, demo_month, today):
    from apps.scoring.models import AssessmentScheme, TargetKind
    from apps.scoring.selectors import score_board

    year, month = demo_month
    scheme = AssessmentScheme.objects.get(year=year, target_kind=TargetKind.DEPARTMENT)
    board = score_board(scheme, period_kind="month", year=year, number=month, today=today)
    table = _table(bulletin, "ranking")
    assert [(r["rank"], r["name"], r["total"]) for r in table["rows"]] == [(b.rank, b.target_name, str(b.total)) for b in board]
    assert len(board) > 1
    first = board[0]
    assert [table["rows"][0][f"item_{s.item_id}"] for s in first.items] == [str(s.score) for s in first.items]
    assert ranking_rows(year, month, today)["rows"] == table["rows"]


def test_without_a_scheme_the_ranking_is_the_unit_boards(demo_month, today, xmb):
    from apps.scoring.models import AssessmentScheme

    year, month = demo_month
    AssessmentScheme.objects.filter(year=year).delete()
    board = unit_board(ctx=light_context(today=as_of_day(year, month, today)))
    rows = ranking_rows(year, month, today)["rows"]
    assert [(r["rank"], r["name"], r["overdue"]) for r in rows] == [(u.rank, u.name, u.overdue) for u in board.departments]


def test_the_red_and_yellow_lists_agree_with_the_light_counts_and_name_a_reason(bulletin):
    lights = bulletin.figures["summary"]["figures"]["lights"]
    rows = _table(bulletin, "lights")["rows"]
    assert sum(r["light"] == Light.RED for r in rows) == lights[Light.RED]
    assert sum(r["light"] == Light.YELLOW for r in rows) == lights[Light.YELLOW]
    assert all(r["reason"] and r["group"] for r in rows)
    groups = [r["group"] for r in rows]
    assert groups == sorted(groups, key=groups.index), "grouped by department"


def test_overdue_milestones_are_the_registrys_open_milestones_past_due(bulletin, demo_month, today):
    year, month = demo_month
    ctx = period_light_context(year=year, month=month, today=today)
    expected = due_items(ctx=ctx, item_type=DueKindCode.MILESTONE, light=Light.RED)
    rows = _table(bulletin, "overdue_milestones")["rows"]
    assert [(r["title"], r["due_date"], r["days_overdue"]) for r in rows] == [
        (i.title, i.due_date.isoformat(), i.days_overdue) for i in expected
    ]
    assert all(r["days_overdue"] > 0 for r in rows)


def test_a_past_month_counts_to_its_last_day_and_the_current_month_to_today(xmb, today):
    # given: the current month (not over) and last year's December (over)
    current = bulletin_generate(year=today.year, month=today.month, actor=xmb, today=today, send=False)
    past = bulletin_generate(year=today.year - 1, month=12, actor=xmb, today=today, send=False)
    # then
    assert current.as_of == today
    assert "尚未结束，统计到生成当日" in current.figures["as_of_note"]
    assert past.as_of == period_end(today.year - 1, 12)
    assert "尚未结束" not in past.figures["as_of_note"]


def test_regenerating_a_month_adds_a_version_and_keeps_the_earlier_ones(bulletin, xmb, demo_month, today):
    year, month = demo_month
    second = bulletin_generate(year=year, month=month, actor=xmb, today=today, send=False)
    assert (bulletin.version, second.version) == (1, 2)
    kept = Bulletin.objects.filter(year=year, month=month).order_by("version")
    assert [b.pk for b in kept] == [bulletin.pk, second.pk]
    assert bulletin.xlsx.name != second.xlsx.name
    assert all(b.xlsx.storage.exists(b.xlsx.name) and b.html for b in kept)


@pytest.mark.parametrize("username", ["zjj", "cwfqz", "viewer"])
def test_only_the_office_generates_a_bulletin(demo_module, db, demo_month, username):
    year, month = demo_month
    with pytest.raises(PermissionDenied) as exc:
        bulletin_generate(year=year, month=month, actor=User.objects.get(username=username), send=False)
    assert re.search(r"[\u4e00-\u9fff]", str(exc.value))
    assert not Bulletin.objects.exists()


def test_a_month_that_has_not_begun_is_refused(xmb, today):
    nxt = today.replace(day=1) + dt.timedelta(days=32)
    with pytest.raises(ValidationError) as exc:
        bulletin_generate(year=nxt.year, month=nxt.month, actor=xmb, today=today, send=False)
    assert "尚未开始" in str(exc.value)


def test_the_printable_page_is_a4_with_official_fonts_and_no_external_asset(bulletin):
    html = bulletin.html
    assert "@page { size: A4;" in html
    assert '"黑体", "SimHei", "Heiti SC", "WenQuanYi Zen Hei", sans-serif' in html
    assert '"仿宋", "仿宋_GB2312", "FangSong", "STFangsong", "WenQuanYi Zen Hei", serif' in html
    assert bulletin.title in html
    assert "单位：万元" in html
    assert f"/bulletins/{bulletin.pk}/xlsx/" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_an_earlier_months_lists_agree_with_its_light_counts_as_they_stood_at_its_end(xmb, today):
    # given: a month before the latest report period (its lights are those at its end)
    earlier = today.replace(day=1) - dt.timedelta(days=70)
    # when
    bulletin = bulletin_generate(year=earlier.year, month=earlier.month, actor=xmb, today=today, send=False)
    # then
    lights = bulletin.figures["summary"]["figures"]["lights"]
    assert lights == portfolio_figures(year=earlier.year, month=earlier.month, today=today).lights
    rows = _table(bulletin, "lights")["rows"]
    assert sum(r["light"] == Light.RED for r in rows) == lights[Light.RED]
    assert sum(r["light"] == Light.YELLOW for r in rows) == lights[Light.YELLOW]
    assert bulletin.figures["lights_day"] == f"{earlier.year}年{earlier.month}月末"
