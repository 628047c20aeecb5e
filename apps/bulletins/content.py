"""What a 通报 says, read from the existing selectors (no formula is defined here).

- 总体情况: `apps.stats.selectors.portfolio_figures` over the active ledger.
- 分类别 / 分牵头单位: `portfolio_groups` (each group's figures are portfolio_figures over its projects).
- 排名: `ranking_rows` — today the department ranking of `apps.stats.units.unit_board`; the
  scoring app's ranking replaces it there, and only there (it returns a self-describing table).
- 红黄灯项目: `annotate_project_lights`, grouped by each project's first 牵头单位 (`lead_responsible`).
- 逾期要件: the due-item registry's open milestones past due (`apps.lights.overdue.due_items`).
- 更正: the office's corrections of earlier months recorded during the 通报's month (so each appears
  in exactly one 通报, the next after it: a correction of November made in December is in December's).

A closed month (`apps.stats.closing`) reads its frozen rows: the figures and groups (period_rows),
the red and yellow list with its reasons (`light_rows`) and the overdue milestones
(`overdue_milestone_rows`), all as of the period end, so regenerating it gives the same content.

Which day: the statistics selectors are given the real `today` and bound themselves to the period
— investment and milestones count to min(today, the period's last day) (`as_of`, printed on the
page), and the lights are `period_light_context`'s: for a month that is over, the lights as they
stood at its end (a November 通报 generated in December never shows December's lights); for the
month still running, today's. The red and yellow list, the ranking and the overdue milestones read
that same light context, so they agree with the summary's light counts. A closed month reads its
frozen rows (apps.stats.closing), so regenerating it gives the same content.

The result is a JSON-ready snapshot: Decimals become strings, printed with the rounding setting
(apps.stats.formulas.Rounding from STATS_ROUNDING / STATS_DECIMALS); amounts stay in 万元 to the
cent, with their 亿元 printed beside them. The printable page and the workbook are both rendered
from this snapshot, so they cannot disagree with each other or with what is kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from apps.core.due import DueKindCode
from apps.core.models import Light
from apps.lights.overdue import due_items
from apps.lights.selectors import INVESTMENT, LightContext, light_context, part_reasons, period_light_context
from apps.organization.models import Department
from apps.projects.due import lead_responsible
from apps.projects.models import Project, ResponsibilityRole
from apps.stats.closing import (
    closed_period,
    correction_list,
    frozen_items,
    frozen_unit_board,
    item_as_overdue,
    narrow_items,
    period_end_context,
)
from apps.stats.formulas import Rounding
from apps.stats.models import CorrectionKind
from apps.stats.printing import AMOUNTS, RATES, printed_figures, rounding_setting
from apps.stats.selectors import (
    PortfolioFigures,
    ProjectPeriodFigures,
    active_projects,
    figures_of,
    period_end,
    period_rows,
    portfolio_groups,
)
from apps.stats.speech import speech_lines
from apps.stats.units import unit_board
from apps.workcalendar.periods import Period

# Column kinds: how a value is stored in the snapshot, printed and written to Excel.
TEXT, INT, MONEY, YI, RATE, POINTS, LIGHT, DATE = "text", "int", "money", "yi", "rate", "points", "light", "date"
NUMERIC_KINDS = (INT, MONEY, YI, RATE, POINTS)
NO_DEPARTMENT = "未明确牵头单位"


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


COUNTS = (
    "project_count",
    "under_construction",
    "new_start_planned",
    "new_start_started",
    "continuing",
    "continuing_resumed",
    "over_5m_count",
    "over_100m_count",
    "milestones_due",
    "milestones_on_time",
    "milestones_done_late",
)


def printed(f: PortfolioFigures, rounding: Rounding) -> dict:
    """The statistics' own printing (apps.stats.printing) of the figures the 通报 shows, with
    Decimals as strings for the JSON snapshot."""
    data = printed_figures(f, rounding)
    shown = {key: data[key] for key in COUNTS}
    shown["lights"] = {light.value: f.lights.get(light.value, 0) for light in Light}
    for key in (*AMOUNTS, *(f"{a}_yi" for a in AMOUNTS), *RATES, "gap_points"):
        shown[key] = _s(data[key])
    return shown


def speech_sentence(f: PortfolioFigures, p: dict, rounding: Rounding) -> str:
    """总体情况 in the words of the county's speeches: the statistics' own sentences
    (apps.stats.speech), then the rates and lights the 通报 adds, from the printed figures."""
    text = "全县" + "".join(speech_lines(f, rounding))
    rates = []
    if p["start_rate"] is not None:
        rates.append(f"新开工项目开工率{p['start_rate']}%")
    if p["start_resume_rate"] is not None:
        rates.append(f"开复工率{p['start_resume_rate']}%")
    if p["milestone_on_time_rate"] is not None:
        rates.append(f"审批要件按期办结率{p['milestone_on_time_rate']}%")
    if rates:
        text += "，".join(rates) + "。"
    lights = p["lights"]
    text += f"红灯项目{lights[Light.RED]}个、黄灯项目{lights[Light.YELLOW]}个，请相关单位对照清单抓紧整改。"
    return text


def _col(key: str, header: str, kind: str = TEXT) -> dict:
    return {"key": key, "header": header, "kind": kind}


def _table(key: str, title: str, columns: list[dict], rows: list[dict], *, unit: str = "", note: str = "", group: str = "") -> dict:
    """A self-describing table: the page and the workbook print any table of this shape."""
    return {"key": key, "title": title, "unit": unit, "note": note, "group": group, "columns": columns, "rows": rows}


SUMMARY_ITEMS = [
    ("project_count", "重点项目", INT, "个"),
    ("under_construction", "在建项目", INT, "个"),
    ("over_5m_count", "500万元以上开（复）工项目", INT, "个"),
    ("over_5m_investment_yi", "500万元以上项目总投资", YI, "亿元"),
    ("over_100m_count", "亿元以上开（复）工项目", INT, "个"),
    ("over_100m_investment_yi", "亿元以上项目总投资", YI, "亿元"),
    ("annual_plan", "年度计划投资", MONEY, "万元"),
    ("ytd_completed", "年初至今完成投资", MONEY, "万元"),
    ("prior_ytd_completed", "上年同期完成投资", MONEY, "万元"),
    ("yoy_growth", "同比增长", RATE, "%"),
    ("completion_rate", "年度投资完成率", RATE, "%"),
    ("time_progress", "序时进度", RATE, "%"),
    ("gap_points", "超（欠）序时进度", POINTS, "个百分点"),
    ("new_start_planned", "计划新开工项目", INT, "个"),
    ("new_start_started", "其中已开工", INT, "个"),
    ("start_rate", "开工率", RATE, "%"),
    ("continuing", "续建（含当年竣工）项目", INT, "个"),
    ("continuing_resumed", "其中已复工", INT, "个"),
    ("start_resume_rate", "开复工率", RATE, "%"),
    ("milestones_due", "应办结审批要件和节点", INT, "项"),
    ("milestones_on_time", "其中按期办结", INT, "项"),
    ("milestones_done_late", "其中逾期办结", INT, "项"),
    ("milestone_on_time_rate", "要件按期办结率", RATE, "%"),
    ("red", "红灯项目", INT, "个"),
    ("yellow", "黄灯项目", INT, "个"),
    ("green", "绿灯项目", INT, "个"),
]


def summary_items(p: dict) -> list[dict]:
    values = {**p, **p["lights"]}
    return [{"key": key, "label": label, "kind": kind, "unit": unit, "value": values[key]} for key, label, kind, unit in SUMMARY_ITEMS]


GROUP_COLUMNS = [
    _col("project_count", "项目数（个）", INT),
    _col("annual_plan", "年度计划投资", MONEY),
    _col("ytd_completed", "年初至今完成", MONEY),
    _col("completion_rate", "完成率（%）", RATE),
    _col("gap_points", "超（欠）序时（百分点）", POINTS),
    _col("start_resume_rate", "开复工率（%）", RATE),
    _col("red", "红灯（个）", INT),
    _col("yellow", "黄灯（个）", INT),
]


def _group_rows(groups: Iterable, rounding: Rounding) -> list[dict]:
    rows = []
    for _key, label, figures in groups:
        p = printed(figures, rounding)
        rows.append({"label": label, **{c["key"]: p.get(c["key"]) for c in GROUP_COLUMNS[:-2]}, **p["lights"]})
    return rows


def ranking_rows(year: int, month: int, today: dt.date) -> dict:
    """The ranking the 通报 prints, as a self-describing table: the department scheme of the year's
    绩效考核 (apps.scoring) scored for the month, with each item's score; without a scheme for the
    year, the unit board's department ranking (按期完成率)."""
    from apps.scoring.models import TargetKind
    from apps.scoring.selectors import scheme_for, score_board

    scheme = scheme_for(year=year, target_kind=TargetKind.DEPARTMENT)
    if scheme is None:
        return _unit_ranking(year, month, today)
    board = score_board(scheme, period_kind="month", year=year, number=month, today=today)
    items = sorted(scheme.items.all(), key=lambda i: (i.order, i.pk))
    columns = [
        _col("rank", "名次", INT),
        _col("name", "责任单位"),
        _col("project_count", "项目数（个）", INT),
        _col("total", "总分", POINTS),
    ]
    columns += [_col(f"item_{item.pk}", item.name, POINTS) for item in items]
    rows = []
    for row in board:
        scores = {s.item_id: s.score for s in row.items}
        rows.append(
            {
                "rank": row.rank,
                "name": row.target_name,
                "project_count": row.project_count,
                "total": _s(row.total),
                **{f"item_{item.pk}": _s(scores.get(item.pk)) for item in items},
            }
        )
    note = f"按“{scheme.name}”计分：{year}年1—{month}月的数字，各项得分依据见“绩效考核”页面；总分相同名次并列。考核方案由项目办在后台维护。"
    return _table("ranking", "四、责任单位绩效考核排名", columns, rows, note=note)


def _unit_ranking(year: int, month: int, today: dt.date) -> dict:
    """The department ranking of the unit board (按期完成率, then fewer overdue items) on the day the
    bulletin counts to (`as_of_day`): the ranking when the year has no scoring scheme."""
    rounding = rounding_setting()
    # The board counts the year of its own day (1 January to that day), so it is read on the
    # period's last day — or today, before the period is over — never in the following year.
    # A closed month: the ranking frozen at its close (read on the same day, its last).
    frozen = frozen_unit_board(year, month)
    units = frozen if frozen is not None else unit_board(ctx=light_context(today=as_of_day(year, month, today))).departments
    rows = [
        {
            "rank": unit.rank,
            "name": unit.name,
            "project_count": unit.project_count,
            "due_count": unit.due_count,
            "on_time_count": unit.on_time_count,
            "on_time_rate": _s(rounding(unit.on_time_rate)),
            "overdue": unit.overdue,
            "due_soon": unit.due_soon,
        }
        for unit in units
    ]
    columns = [
        _col("rank", "排名", INT),
        _col("name", "责任单位"),
        _col("project_count", "项目数（个）", INT),
        _col("due_count", "应办结事项（项）", INT),
        _col("on_time_count", "按期办结（项）", INT),
        _col("on_time_rate", "按期完成率（%）", RATE),
        _col("overdue", "逾期未办（项）", INT),
        _col("due_soon", "临期（项）", INT),
    ]
    note = (
        f"按期完成率：{year}年1月1日至统计截至日到期的审批要件、节点和问题中，按期办结的比例；"
        "按完成率从高到低排名，完成率相同的逾期事项少者在前；没有到期事项的单位排在最后。"
    )
    return _table("ranking", "四、责任单位排名", columns, rows, note=note)


def _reasons(row: ProjectPeriodFigures) -> str:
    """Why a project is red or yellow: its partial lights, worst first (the light's own parts)."""
    labels = part_labels()
    parts: list[tuple[int, str]] = []
    for rank, label in part_reasons(row.light_parts, row.light_past_due):
        if label == labels.get(INVESTMENT):
            gap = row.gap_points
            behind = f"（欠序时{-rounding_setting()(gap)}个百分点）" if gap is not None and gap < 0 else ""
            parts.append((rank, f"投资完成滞后序时进度{behind}"))
        else:
            parts.append((rank, label))
    parts.sort(key=lambda part: -part[0])
    return "；".join(text for _, text in parts)


def bulletin_light_context(year: int, month: int, today: dt.date) -> LightContext:
    """The lights a 通报 reads: for a closed month, those as of its end (the ones frozen at the close,
    whatever day it is generated); otherwise `period_light_context`'s."""
    if closed_period(year, month) is not None:
        return period_end_context(Period(year, month))
    return period_light_context(year=year, month=month, today=today)


def part_labels() -> dict[str, str]:
    """The Chinese reason of each part of a project's light (apps.lights.selectors.PART_LABELS)."""
    from apps.lights.selectors import PART_LABELS

    return PART_LABELS


def light_rows(rows: dict[int, ProjectPeriodFigures]) -> list[dict]:
    """Red and yellow projects of the period's rows grouped by 牵头单位 (in the departments' own
    order), red first — the same rows the summary counts its lights from."""
    lit = {pk: r for pk, r in rows.items() if r.light in (Light.RED, Light.YELLOW)}
    # A closed month's rows carry the 牵头单位 frozen at its close; live rows ask the ledger.
    live = [pk for pk, r in lit.items() if r.lead_department_id is None]
    lead = dict(
        Project.objects.filter(pk__in=live)
        .annotate(lead_dept=lead_responsible("pk", ResponsibilityRole.LEAD_DEPT, "department_id"))
        .values_list("pk", "lead_dept")
    )
    lead.update({pk: r.lead_department_id for pk, r in lit.items() if r.lead_department_id is not None})
    departments = {
        pk: (i, name) for i, (pk, name) in enumerate(Department.objects.order_by("sort_order", "name").values_list("pk", "name"))
    }
    result = []
    for pk, row in lit.items():
        order, department = departments.get(lead.get(pk), (len(departments), NO_DEPARTMENT))
        result.append(
            {
                "sort": (order, row.light != Light.RED, row.name, pk),
                "group": department,
                "name": row.name,
                "light": row.light,
                "reason": _reasons(row),
            }
        )
    result.sort(key=lambda r: r.pop("sort"))
    return result


def overdue_milestone_rows(ctx: LightContext) -> list[dict]:
    """Open approval milestones and construction nodes past due (the registry), most overdue first;
    for a closed month (a past `ctx` of a closed period), those frozen at its close."""
    frozen = frozen_items(year=ctx.period_year, month=ctx.period_month) if ctx.past else None
    if frozen is not None:
        items = [item_as_overdue(i) for i in narrow_items(frozen, item_type=DueKindCode.MILESTONE, light=Light.RED)]
    else:
        items = due_items(ctx=ctx, item_type=DueKindCode.MILESTONE, light=Light.RED)
    return [
        {
            "project": item.project_name or "",
            "title": item.title,
            "due_date": item.due_date.isoformat(),
            "days_overdue": item.days_overdue,
            "working_days_overdue": item.working_days_overdue,
            "department": item.department_name or "未指定",
        }
        for item in items
    ]


def correction_window(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """When the corrections a (year, month) 通报 lists were recorded: during that calendar month. Each
    correction appears in exactly one 通报 (the next one after it, for a correction of an earlier month
    made after that month's 通报), whichever versions are generated and when."""
    period, tz = Period(year, month), timezone.get_current_timezone()
    start = dt.datetime.combine(period.first_day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(period.next.first_day, dt.time.min, tzinfo=tz)


def correction_rows(year: int, month: int) -> list[dict]:
    """更正: the office's corrections of earlier months (approved reports, 统计局 figures) recorded
    during the month, oldest first (one query)."""
    start, end = correction_window(year, month)
    earlier = Q(year__lt=year) | Q(year=year, month__lt=month)
    kinds = (CorrectionKind.REPORT, CorrectionKind.FIGURE)
    window = Q(corrected_at__gte=start, corrected_at__lt=end)
    corrections = correction_list().filter(earlier, window, kind__in=kinds).order_by("corrected_at", "id")
    return [
        {
            "project": c.project.name,
            "period": c.period_label,
            "figure": c.field_label,
            "old": c.old_value,
            "new": c.new_value,
            "reason": c.reason,
            "by": str(c.corrected_by) if c.corrected_by else "系统",
            "at": timezone.localtime(c.corrected_at).strftime("%Y-%m-%d %H:%M"),
        }
        for c in corrections
    ]


def correction_table(year: int, month: int) -> dict:
    return _table(
        "corrections",
        "七、更正",
        [
            _col("project", "项目名称"),
            _col("period", "报告期"),
            _col("figure", "更正内容"),
            _col("old", "原数"),
            _col("new", "更正为"),
            _col("reason", "更正原因"),
            _col("by", "更正人"),
            _col("at", "更正时间"),
        ],
        correction_rows(year, month),
        note=f"{year}年{month}月内项目办对以前月份数字的更正（审核通过的月报、统计局联网直报数），每项更正只在其后的一期通报中列出；已关账月份的冻结数字随之更正。",
    )


def _date_cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def as_of_day(year: int, month: int, today: dt.date) -> dt.date:
    """The day a bulletin counts to: the period's last day, or today when the period is not over."""
    return min(today, period_end(year, month))


def bulletin_content(*, year: int, month: int, today: dt.date) -> dict:
    """Everything a 通报 for (year, month) prints, as a JSON-ready snapshot (see the module docstring)."""
    rounding = rounding_setting()
    as_of = as_of_day(year, month, today)
    projects = active_projects()
    # The selectors bound themselves to the period; given the real day, a month that is over has the
    # lights as they stood at its end (period_light_context), and the lists below read the same
    # context. One set of period rows (frozen for a closed month) behind every figure and list.
    ctx = bulletin_light_context(year, month, today)
    rows = period_rows(year=year, month=month, today=today, projects=projects)
    figures = figures_of(list(rows.values()), year=year, month=month)
    total = printed(figures, rounding)
    groups = {
        group_by: _group_rows(
            portfolio_groups(group_by=group_by, year=year, month=month, today=today, projects=projects, rows=rows), rounding
        )
        for group_by in ("category", "department")
    }
    period_over = as_of == period_end(year, month)
    as_of_note = f"统计截至{_date_cn(as_of)}" + ("" if period_over else f"（{year}年{month}月尚未结束，统计到生成当日）")
    lights_day = f"{year}年{month}月末" if ctx.past else _date_cn(ctx.today)
    money_unit = "单位：万元"
    tables = [
        _table("by_category", "二、分类别推进情况", [_col("label", "项目类别"), *GROUP_COLUMNS], groups["category"], unit=money_unit),
        _table(
            "by_department",
            "三、分牵头单位推进情况",
            [_col("label", "牵头单位"), *GROUP_COLUMNS],
            groups["department"],
            unit=money_unit,
            note="按项目的牵头（责任）单位统计；一个项目有多个牵头单位的，分别计入。",
        ),
        ranking_rows(year, month, today),
        _table(
            "lights",
            "五、红黄灯项目（按牵头单位）",
            [_col("group", "牵头单位"), _col("name", "项目名称"), _col("light", "预警", LIGHT), _col("reason", "原因")],
            light_rows(rows),
            group="group",
            note=f"{lights_day}的红黄绿灯（与总体情况中的红黄灯数一致）；同一单位内红灯在前。",
        ),
        _table(
            "overdue_milestones",
            "六、逾期未办结的审批要件和建设节点",
            [
                _col("project", "项目名称"),
                _col("title", "要件/节点"),
                _col("due_date", "计划完成日期", DATE),
                _col("days_overdue", "逾期（天）", INT),
                _col("working_days_overdue", "逾期（工作日）", INT),
                _col("department", "责任单位"),
            ],
            overdue_milestone_rows(ctx),
            note=f"{lights_day}已过计划完成日期、尚未办结的事项{'（其后才办结的也列入）' if ctx.past else ''}，逾期最久的在前。",
        ),
        correction_table(year, month),
    ]
    return {
        "year": year,
        "month": month,
        "title": f"全县重点项目推进情况通报（{year}年{month}月）",
        "as_of": as_of.isoformat(),
        "as_of_note": as_of_note,
        "lights_day": lights_day,
        "rounding": {"mode": rounding.mode, "decimals": rounding.decimals, "label": rounding.label},
        "summary": {
            "title": "一、全县重点项目总体情况",
            "sentence": speech_sentence(figures, total, rounding),
            "figures": total,
            "items": summary_items(total),
        },
        "tables": tables,
    }
