"""The downloadable 调度表 template: a title row and a unit row like the offices' own sheets, the
columns the import understands with Chinese headers, example rows, and a second sheet explaining
each column and listing the names the system knows.

The example rows are named "示例：…" (SAMPLE_PREFIX); the importer skips such rows with a note, so
an office that fills its projects in under them, without deleting them, imports its own only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.core.xlsx import (
    DATE_FORMAT,
    Alignment,
    Column,
    Font,
    Workbook,
    add_heading,
    add_sheet,
    add_table,
    append_row,
    new_workbook,
    print_setup,
    write,
)
from apps.organization.models import Department, Leader, Region, RegionKind
from apps.projects.models import ProjectCategory

from .columns import COLUMNS, ColumnSpec
from .reader import SAMPLE_PREFIX

REQUIRED_MARK = "*"  # stripped when the header is read back


def template_headers(year: int) -> list[str]:
    headers = []
    for spec in COLUMNS:
        text = f"{year}年计划投资" if spec.key == "annual_plan" else spec.header
        if spec.required or spec.for_create:
            text += REQUIRED_MARK
        headers.append(text)
    return headers


def _examples(year: int) -> list[dict[str, object]]:
    """Three example projects that name categories, towns, departments and leaders the system has."""
    categories = list(ProjectCategory.objects.all()[:3])
    towns = list(Region.objects.exclude(kind=RegionKind.COUNTY)[:3]) or list(Region.objects.all()[:3])
    departments = list(Department.objects.filter(is_portfolio_office=False)[:3]) or list(Department.objects.all()[:3])
    leaders = list(Leader.objects.filter(is_principal=False)[:3]) or list(Leader.objects.all()[:3])
    county = towns[0].code[:6] if towns else "433126"
    specs = [
        (f"{SAMPLE_PREFIX}城区主干道提质改造工程", "审批", "政府投资", "新建", "cont", Decimal("28000"), Decimal("12000"), "started"),
        (
            f"{SAMPLE_PREFIX}新能源装备产业园（一期）",
            "备案",
            "民间投资",
            "新建",
            "new",
            Decimal("56000.5"),
            Decimal("20000"),
            "not_started",
        ),
        (f"{SAMPLE_PREFIX}中心医院住院综合楼", "核准", "国有企业投资", "扩建", "complete", Decimal("15000"), Decimal("6000"), "started"),
    ]
    rows = []
    for i, (name, mode, investor, nature, role, total, annual, status) in enumerate(specs, start=1):
        start = dt.date(year - (role != "new"), 3 if role != "new" else 5, 1)
        finish = dt.date(year if role == "complete" else year + 1, 12, 31)
        rows.append(
            {
                "serial": i,
                "name": name,
                "short_name": name.removeprefix(SAMPLE_PREFIX)[:10],
                "code": f"{year - 1}-{county}-48-0{i}-{900000 + i:06d}",
                "legacy": "否",
                "category": categories[(i - 1) % len(categories)].name if categories else "",
                "nature": nature,
                "mode": mode,
                "investor": investor,
                "owner_unit": f"{name.removeprefix(SAMPLE_PREFIX)[:6]}建设单位",
                "region": towns[(i - 1) % len(towns)].name if towns else "",
                "location": towns[(i - 1) % len(towns)].name if towns else "",
                "scale": "建设内容和规模（示例）：新建道路 3.2 公里及配套管网。" if i == 1 else "建设内容和规模（示例）。",
                "years": f"{start.year}-{finish.year}",
                "planned_start": start,
                "planned_finish": finish,
                "actual_start": start if status == "started" else None,
                "status": {"started": "在建", "not_started": "未开工"}[status],
                "total": total,
                "fixed": total,
                "carry_over": Decimal("3500") if role != "new" else Decimal("0"),
                "land_area": Decimal("120.5") if i == 2 else None,
                "annual_plan": annual,
                "annual_role": {"cont": "续建", "new": "新开工", "complete": "竣工"}[role],
                "annual_goal": "年底前完成主体工程（示例）",
                "leader": leaders[(i - 1) % len(leaders)].position if leaders else "",
                "department": departments[(i - 1) % len(departments)].name if departments else "",
                "remarks": f"示例行：项目名称以“{SAMPLE_PREFIX}”开头的行不会导入，可删除",
            }
        )
    return rows


def _column(spec: ColumnSpec, header: str) -> Column:
    return Column(header, width=spec.width, money=spec.kind == "money", number_format=DATE_FORMAT if spec.kind == "date" else None)


def template_workbook(*, year: int) -> Workbook:
    """The 调度表 template for `year` (the annual plan column is "{year}年计划投资")."""
    wb, ws = new_workbook("调度表")
    headers = template_headers(year)
    columns = [_column(spec, header) for spec, header in zip(COLUMNS, headers, strict=True)]
    width = len(columns)
    add_heading(ws, f"{year}年重点项目调度表", row=1, span=width, font=Font(bold=True, size=16), alignment=Alignment(horizontal="center"))
    write(ws, 2, 1, "单位：万元", alignment=Alignment(horizontal="left"))
    write(ws, 2, width - 2, "带 * 的列新增项目必须填写")
    rows = [[row.get(spec.key) for spec in COLUMNS] for row in _examples(year)]
    add_table(ws, columns, rows, start_row=3)
    ws.row_dimensions[3].height = 32
    print_setup(ws)
    _notes_sheet(wb, year)
    return wb


def _notes_sheet(wb: Workbook, year: int) -> None:
    ws = add_sheet(wb, "填写说明")
    append_row(ws, ["列名", "是否必填", "也可写作", "填写说明"], font=Font(bold=True), alignment=Alignment(horizontal="center"))
    wrap = Alignment(wrap_text=True, vertical="top")

    def note(values: list) -> None:
        append_row(ws, values, alignment=wrap)

    for spec, header in zip(COLUMNS, template_headers(year), strict=True):
        required = "必填" if spec.required else "新增项目必填" if spec.for_create else ""
        note([header.rstrip(REQUIRED_MARK), required, "、".join(spec.synonyms), spec.note])
    note([])
    note(["说明", "", "", "表头可以是一行或两行（可合并单元格），列的顺序不限；标题行、“单位：万元/亿元”行、空行会被跳过。"])
    note(["", "", "", "分类行（如“一、产业项目（12个）”）、小计行和合计行不会作为项目导入，但会核对其项目个数和金额与下列项目是否一致。"])
    note(["", "", "", "不能含公式：请先“选择性粘贴—数值”。有任何一行出错，整个文件都不导入，请按错误表改正后重新上传。"])
    note(["", "", "", f"项目名称以“{SAMPLE_PREFIX}”开头的是示例行，导入时跳过（结果中会提示），可以删除，也可以保留。"])
    note(
        [
            "",
            "",
            "",
            "再次导入同一文件会更新已有项目（按项目代码匹配，没有代码时按项目名称完全相同匹配），不会重复新增；表中没有的列、空白的单元格不会改动系统中已有的内容。",
        ]
    )
    note([])
    lists = [
        ("项目类别", [c.name for c in ProjectCategory.objects.all()]),
        ("所在乡镇（街道）", [r.name for r in Region.objects.all()]),
        ("责任单位", [f"{d.name}（{d.short_name}）" if d.short_name else d.name for d in Department.objects.all()]),
        ("包保领导", [le.position for le in Leader.objects.filter(is_active=True)]),
    ]
    for title, names in lists:
        note([f"系统中的{title}", "", "", "、".join(names)])
    for col, width in zip("ABCD", (22, 14, 40, 90), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
