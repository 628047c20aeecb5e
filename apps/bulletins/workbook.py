"""The 通报 as a workbook: a sheet per section, A4, amounts in 万元 as numbers with number formats.

Written from the snapshot (apps.bulletins.content), so every cell is the figure the page prints."""

from __future__ import annotations

from decimal import Decimal

from apps.core.xlsx import (
    MONEY_FORMAT,
    Alignment,
    Column,
    Font,
    Styled,
    Workbook,
    Worksheet,
    add_heading,
    add_sheet,
    add_table,
    new_workbook,
    print_setup,
    write,
)

from .content import DATE, INT, LIGHT, MONEY, NUMERIC_KINDS, POINTS, RATE, YI

SHEET_NAMES = {
    "summary": "总体情况",
    "by_category": "分类别",
    "by_department": "分牵头单位",
    "ranking": "单位排名",
    "lights": "红黄灯项目",
    "overdue_milestones": "逾期要件",
    "corrections": "更正",
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


def _heading(ws: Worksheet, text: str, row: int, *, size: int = 12, bold: bool = True, span: int = 6, height: float | None = None) -> int:
    return add_heading(
        ws, text, row=row, span=span, font=Font(bold=bold, size=size), alignment=Alignment(wrap_text=True, vertical="top"), height=height
    )


def _summary_sheet(ws: Worksheet, content: dict, decimals: int) -> None:
    summary = content["summary"]
    r = _heading(ws, content["title"], 1, size=14, span=3)
    r = _heading(ws, f"{content['as_of_note']}；{content['rounding']['label']}。", r, bold=False, size=10, span=3)
    r = _heading(ws, summary["sentence"], r, bold=False, size=11, span=3, height=90)
    items = summary["items"]

    def value(item: dict):
        v = cell_value(item["kind"], item["value"])
        return v if isinstance(v, str) else Styled(v, number_format=number_format(item["kind"], decimals))

    add_table(
        ws,
        [Column("指标", 30), Column("数值", 18), Column("单位", 10)],
        [(i["label"], value(i), i["unit"]) for i in items],
        title=summary["title"],
        start_row=r + 1,
    )
    print_setup(ws, landscape=False)


def _table_sheet(ws: Worksheet, table: dict, content: dict, decimals: int) -> None:
    columns = table["columns"]
    span = max(len(columns), 2)
    r = _heading(ws, f"{content['title']}  {table['title']}", 1, size=13, span=span)
    notes = "；".join(x for x in (table["unit"], content["as_of_note"], table["note"]) if x)
    r = _heading(ws, notes, r, bold=False, size=10, span=span)
    header = [
        Column(
            c["header"],
            WIDTHS.get(c["kind"], 28 if c["key"] in ("name", "reason", "title", "project") else 16),
            light=c["kind"] == LIGHT,
            number_format=number_format(c["kind"], decimals) if c["kind"] in NUMERIC_KINDS else None,
        )
        for c in columns
    ]
    rows = [[cell_value(c["kind"], row.get(c["key"])) for c in columns] for row in table["rows"]]
    end = add_table(ws, header, rows, start_row=r)
    if not rows:
        write(ws, end, 1, "（无）")
    print_setup(ws, landscape=len(columns) > 5)


def bulletin_workbook(content: dict) -> Workbook:
    """One workbook, one sheet per section of the 通报."""
    decimals = content["rounding"]["decimals"]
    wb, ws = new_workbook(SHEET_NAMES["summary"])
    _summary_sheet(ws, content, decimals)
    for table in content["tables"]:
        _table_sheet(add_sheet(wb, SHEET_NAMES.get(table["key"], table["key"])), table, content, decimals)
    wb.properties.title = content["title"]
    return wb
