"""The 通报's workbook loads back with openpyxl and holds exactly the figures the service computed
(and that portfolio_figures returns): a sheet per section, numbers as numbers, A4."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from apps.bulletins.content import NUMERIC_KINDS, printed, rounding_setting
from apps.bulletins.workbook import SHEET_NAMES
from apps.core.models import Light
from apps.stats.selectors import portfolio_figures


def _load(bulletin):
    with bulletin.xlsx.open("rb") as f:
        return load_workbook(io.BytesIO(f.read()))


def _same(cell_value, kind: str, value) -> bool:
    if value is None:
        return cell_value == "—"
    if kind in NUMERIC_KINDS:
        return not isinstance(cell_value, str) and Decimal(str(cell_value)) == Decimal(str(value))
    if kind == "light":
        return cell_value == Light(value).label
    return cell_value == value


def _header_row(ws, first_header: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == first_header)


def test_the_summary_sheet_holds_portfolio_figures(bulletin, demo_month, today):
    # given
    year, month = demo_month
    figures = printed(portfolio_figures(year=year, month=month, today=today), rounding_setting())
    wb = _load(bulletin)
    ws = wb[SHEET_NAMES["summary"]]
    # when
    first = _header_row(ws, "指标") + 1
    cells = {
        ws.cell(row=r, column=1).value: (ws.cell(row=r, column=2).value, ws.cell(row=r, column=3).value)
        for r in range(first, ws.max_row + 1)
    }
    # then: every item, equal to the service's snapshot and to portfolio_figures
    items = bulletin.figures["summary"]["items"]
    assert len([r for r in range(first, ws.max_row + 1) if ws.cell(row=r, column=1).value]) == len(items)
    for offset, item in enumerate(items):
        value = ws.cell(row=first + offset, column=2).value
        assert ws.cell(row=first + offset, column=1).value == item["label"]
        assert _same(value, item["kind"], item["value"]), item
        expected = figures["lights"][item["key"]] if item["key"] in figures["lights"] else figures[item["key"]]
        assert _same(value, item["kind"], expected), item
    assert cells["年度计划投资"][1] == "万元"
    assert ws.cell(row=first + 6, column=2).number_format == "#,##0.00"  # 年度计划投资, 万元
    assert bulletin.figures["summary"]["sentence"] in [ws.cell(row=r, column=1).value for r in range(1, first)]


def test_every_table_sheet_holds_the_snapshot_rows_as_numbers(bulletin):
    wb = _load(bulletin)
    assert wb.sheetnames == [SHEET_NAMES["summary"], *(SHEET_NAMES[t["key"]] for t in bulletin.figures["tables"])]
    for table in bulletin.figures["tables"]:
        ws = wb[SHEET_NAMES[table["key"]]]
        columns = table["columns"]
        header = _header_row(ws, columns[0]["header"])
        assert [ws.cell(row=header, column=c).value for c in range(1, len(columns) + 1)] == [c["header"] for c in columns]
        for i, row in enumerate(table["rows"], start=header + 1):
            for c, col in enumerate(columns, start=1):
                cell = ws.cell(row=i, column=c)
                assert _same(cell.value, col["kind"], row.get(col["key"])), (table["key"], row, col)
                if col["kind"] == "money" and row.get(col["key"]) is not None:
                    assert cell.number_format == "#,##0.00"
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4


def test_the_group_sheets_are_in_wan_yuan_to_the_cent(bulletin):
    wb = _load(bulletin)
    ws = wb[SHEET_NAMES["by_category"]]
    assert "单位：万元" in ws.cell(row=2, column=1).value
    table = next(t for t in bulletin.figures["tables"] if t["key"] == "by_category")
    header = _header_row(ws, "项目类别")
    total = sum(Decimal(str(ws.cell(row=r, column=3).value)) for r in range(header + 1, header + 1 + len(table["rows"])))
    assert total == sum(Decimal(r["annual_plan"]) for r in table["rows"])
