"""The 通报 as a workbook: a sheet per section, A4, amounts in 万元 as numbers with number formats.

Written from the snapshot (apps.bulletins.content), so every cell is the figure the page prints."""

from __future__ import annotations

from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from apps.sheets.xlsx import MONEY_FORMAT, Column, add_table, new_workbook, print_setup

from .content import DATE, INT, LIGHT, MONEY, NUMERIC_KINDS, POINTS, RATE, YI

SHEET_NAMES = {
    "summary": "总体情况",
    "by_category": "分类别",
    "by_department": "分牵头单位",
    "ranking": "单位排名",
    "lights": "红黄灯项目",
    "overdue_milestones": "逾期要件",
}
WIDTHS = {MONEY: 16, YI: 12, RATE: 12, POINTS: 14, INT: 10, LIGHT: 8, DATE: 12}
EMPTY = "—"


def number_format(kind: str, decimals: int) -> str:
    if kind == MONEY:
        return MONEY_FORMAT
    if kind == INT:
        return "0"
    return "#,##0." + "0" * decimals if decimals else "#,##0"


def cell_value(kind: str, value):
    """A snapshot value as a cell: numbers as numbers (Decimal strings become Decimals), none as "—"."""
    if value is None or value == "":
        return EMPTY if kind in NUMERIC_KINDS else ""
    if kind in (MONEY, YI, RATE, POINTS):
        return Decimal(value)
    return value


def _heading(ws: Worksheet, text: str, row: int, *, size: int = 12, bold: bool = True, span: int = 6) -> int:
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = Font(bold=bold, size=size)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
    return row + 1


def _format_numbers(ws: Worksheet, kinds: list[str], first_row: int, last_row: int, decimals: int) -> None:
    for offset, kind in enumerate(kinds, start=1):
        if kind not in NUMERIC_KINDS:
            continue
        for r in range(first_row, last_row):
            cell = ws.cell(row=r, column=offset)
            if not isinstance(cell.value, str):
                cell.number_format = number_format(kind, decimals)
                cell.alignment = Alignment(horizontal="right", vertical="top")


def _summary_sheet(ws: Worksheet, content: dict, decimals: int) -> None:
    summary = content["summary"]
    r = _heading(ws, content["title"], 1, size=14, span=3)
    r = _heading(ws, f"{content['as_of_note']}；{content['rounding']['label']}。", r, bold=False, size=10, span=3)
    ws.row_dimensions[r].height = 90
    r = _heading(ws, summary["sentence"], r, bold=False, size=11, span=3)
    items = summary["items"]
    first = add_table(
        ws,
        [Column("指标", 30), Column("数值", 18), Column("单位", 10)],
        [(i["label"], cell_value(i["kind"], i["value"]), i["unit"]) for i in items],
        title=summary["title"],
        start_row=r + 1,
    ) - len(items)
    for row, item in enumerate(items, start=first):
        cell = ws.cell(row=row, column=2)
        if not isinstance(cell.value, str):
            cell.number_format = number_format(item["kind"], decimals)
            cell.alignment = Alignment(horizontal="right")
    print_setup(ws, landscape=False)


def _table_sheet(ws: Worksheet, table: dict, content: dict, decimals: int) -> None:
    columns = table["columns"]
    span = max(len(columns), 2)
    r = _heading(ws, f"{content['title']}  {table['title']}", 1, size=13, span=span)
    notes = "；".join(x for x in (table["unit"], content["as_of_note"], table["note"]) if x)
    r = _heading(ws, notes, r, bold=False, size=10, span=span)
    kinds = [c["kind"] for c in columns]
    header = [
        Column(
            c["header"], WIDTHS.get(c["kind"], 28 if c["key"] in ("name", "reason", "title", "project") else 16), light=c["kind"] == LIGHT
        )
        for c in columns
    ]
    rows = [[cell_value(c["kind"], row.get(c["key"])) for c in columns] for row in table["rows"]]
    end = add_table(ws, header, rows, start_row=r)
    _format_numbers(ws, kinds, end - len(rows), end, decimals)
    if not rows:
        ws.cell(row=end, column=1, value="（无）")
    print_setup(ws, landscape=len(columns) > 5)


def bulletin_workbook(content: dict) -> Workbook:
    """One workbook, one sheet per section of the 通报."""
    decimals = content["rounding"]["decimals"]
    wb, ws = new_workbook(SHEET_NAMES["summary"])
    _summary_sheet(ws, content, decimals)
    for table in content["tables"]:
        _table_sheet(wb.create_sheet(SHEET_NAMES.get(table["key"], table["key"])[:31]), table, content, decimals)
    wb.properties.title = content["title"]
    return wb
