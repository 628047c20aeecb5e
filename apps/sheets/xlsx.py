"""Workbook styling shared by every export: Chinese headers, 万元 amounts, lights as cell colours,
a frozen header row and an A4 print set-up."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
LIGHT_FILLS = {
    "red": PatternFill("solid", fgColor="F4C7C3"),
    "yellow": PatternFill("solid", fgColor="FCE8B2"),
    "green": PatternFill("solid", fgColor="B7E1CD"),
}
LIGHT_NAMES = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    money: bool = False  # 万元, two decimals
    light: bool = False  # the value is a light code; shown by name and coloured


def add_table(
    ws: Worksheet,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    *,
    title: str | None = None,
    start_row: int = 1,
) -> int:
    """Write an optional title row, a header row and the rows; return the next free row number."""
    r = start_row
    if title:
        ws.cell(row=r, column=1, value=title).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=max(len(columns), 1))
        ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
        r += 1
    for c, col in enumerate(columns, start=1):
        cell = ws.cell(row=r, column=c, value=col.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = col.width
    header_row = r
    r += 1
    for values in rows:
        for c, (col, value) in enumerate(zip(columns, values, strict=False), start=1):
            if col.light:
                cell = ws.cell(row=r, column=c, value=LIGHT_NAMES.get(str(value), "") if value else "")
                if value in LIGHT_FILLS:
                    cell.fill = LIGHT_FILLS[value]
            else:
                cell = ws.cell(row=r, column=c, value=value)
            if col.money and value is not None:
                cell.value = Decimal(value)
                cell.number_format = MONEY_FORMAT
            cell.border = BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=not col.money)
        r += 1
    if ws.freeze_panes is None or ws.freeze_panes == "A1":
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    return r


def print_setup(ws: Worksheet, *, landscape: bool = True) -> None:
    """A4, fit to the page width, header row repeated on each page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def new_workbook(sheet_title: str) -> tuple[Workbook, Worksheet]:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title[:31]
    return wb, ws


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(wb: Workbook, filename: str):
    """An HttpResponse that downloads `wb` as `filename` (Chinese names kept via RFC 5987)."""
    from urllib.parse import quote

    from django.http import HttpResponse

    response = HttpResponse(workbook_bytes(wb), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return response
