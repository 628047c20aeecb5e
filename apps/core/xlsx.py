"""The one xlsx writer: every workbook the system gives out is made, filled and saved here, with the
styling every export shares (Chinese headers, 万元 amounts, lights as cell colours, a frozen header
row, an A4 print set-up).

Text from users is untrusted wherever it goes (DESIGN.md §2), and a workbook is where it reaches the
office's and the leaders' desks. So every text value is written as a string cell, never a formula:
openpyxl makes any str that begins with "=" a formula (a project named =HYPERLINK("http://…","…")
becomes a live link in the 通报, a problem description =cmd|' /C calc'!A0 a DDE call) and "#N/A" an
error value. Here a str is always a string cell (an inline string with no <f>): no spreadsheet
evaluates it, and it shows exactly the user's text. Text a spreadsheet would read as a formula once
someone edits the cell or saves the sheet as CSV — beginning with = + - @ (OWASP's CSV-injection
list), their full-width forms ＝＋－＠ (what a Chinese input method types), a tab, a carriage return
or a line feed, or one of those signs after leading white space — is also given quotePrefix, the
mark Excel and WPS set themselves when a user types a leading apostrophe: the cell stays text when
edited, and no apostrophe is added to the text. Characters the xlsx format cannot hold (C0 controls
other than tab and line breaks) are dropped; openpyxl would refuse the whole workbook over one.
Numbers, Decimals and dates stay numbers and dates.

Exporters never touch openpyxl themselves: they make workbooks and sheets with new_workbook and
add_sheet, fill them with write, add_heading, add_table and append_row, and give them out through
workbook_bytes or xlsx_response, which check every cell once more on the way out (no formula cell
leaves the system). tests/core/test_xlsx.py holds every module to that.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

# Styles are re-exported: exporters import them from here, never from openpyxl.
__all__ = [
    "Alignment",
    "Column",
    "Font",
    "PatternFill",
    "Styled",
    "Workbook",
    "Worksheet",
    "add_heading",
    "add_sheet",
    "add_table",
    "append_row",
    "looks_like_formula",
    "new_workbook",
    "print_setup",
    "sheet_title",
    "workbook_bytes",
    "write",
    "xlsx_response",
]

logger = logging.getLogger(__name__)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
LIGHT_FILLS = {
    "red": PatternFill("solid", fgColor="F4C7C3"),
    "yellow": PatternFill("solid", fgColor="FCE8B2"),
    "green": PatternFill("solid", fgColor="B7E1CD"),
}
LIGHT_NAMES = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

# First characters that start a formula in Excel, WPS or LibreOffice, or in a CSV made from the
# sheet; the full-width forms are what a Chinese input method gives for the same keys.
FORMULA_SIGNS = frozenset("=+-@＝＋－＠")
# Characters that start a new field or line in a CSV made from the sheet (OWASP lists tab and CR).
FORMULA_BREAKS = frozenset("\t\r\n")
# Excel refuses these in a sheet's name; it is at most 31 characters and not blank.
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
SHEET_TITLE_MAX = 31


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read `text` as a formula if it were typed or imported from CSV."""
    if text[:1] in FORMULA_BREAKS:
        return True
    return text.lstrip()[:1] in FORMULA_SIGNS


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _write_text(cell: Cell, text: str) -> None:
    cell.value = text  # openpyxl may take it for a formula or an error value…
    cell.data_type = "s"  # …but it is text, whatever it begins with
    if looks_like_formula(text):
        cell.quotePrefix = True


def write(
    ws: Worksheet,
    row: int,
    column: int,
    value: Any = None,
    *,
    number_format: str | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
    alignment: Alignment | None = None,
    border: Border | None = None,
) -> Cell:
    """Put `value` in a cell (text as text, numbers and dates as themselves) with the given styles."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, Promise):  # a lazily translated label
        value = str(value)
    if isinstance(value, str):
        _write_text(cell, _text(value))
    else:
        cell.value = value
    for name, style in (("number_format", number_format), ("font", font), ("fill", fill), ("alignment", alignment), ("border", border)):
        if style is not None:
            setattr(cell, name, style)
    return cell


def add_heading(
    ws: Worksheet,
    text: str,
    *,
    row: int,
    span: int,
    font: Font | None = None,
    alignment: Alignment | None = None,
    height: float | None = None,
) -> int:
    """A title or note row: `text` across `span` merged columns; returns the next row."""
    write(ws, row, 1, text, font=font, alignment=alignment)
    if span > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
    if height is not None:
        ws.row_dimensions[row].height = height
    return row + 1


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    money: bool = False  # 万元, two decimals
    light: bool = False  # the value is a light code; shown by name and coloured
    number_format: str | None = None  # for the column's numbers and dates (e.g. DATE_FORMAT, "0.0%")


@dataclass(frozen=True)
class Styled:
    """A table value with a format of its own (a row of a key–value table whose kinds differ)."""

    value: Any
    number_format: str | None = None
    fill: PatternFill | None = None


def _is_number_or_date(value: Any) -> bool:
    return value is not None and not isinstance(value, (str, bool, Promise))


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
        r = add_heading(
            ws, title, row=r, span=max(len(columns), 1), font=Font(bold=True, size=14), alignment=Alignment(horizontal="center")
        )
    header = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for c, col in enumerate(columns, start=1):
        write(ws, r, c, col.header, font=Font(bold=True), fill=HEADER_FILL, border=BORDER, alignment=header)
        ws.column_dimensions[get_column_letter(c)].width = col.width
    header_row = r
    r += 1
    # Each distinct style is built once and copied to the cells that share it: openpyxl hashes every
    # style object assigned to a cell (a 1 219-row export spent 3 of its 4 seconds there).
    alignments = {wrap: Alignment(vertical="top", wrap_text=wrap) for wrap in (True, False)}
    styles: dict[tuple, StyleArray] = {}
    fills: dict[int, PatternFill] = {}  # by id(): the key must not hash the fill either
    for values in rows:
        for c, (col, item) in enumerate(zip(columns, values, strict=False), start=1):
            value, number_format, fill = (item.value, item.number_format, item.fill) if isinstance(item, Styled) else (item, None, None)
            if col.light:
                fill = fill or LIGHT_FILLS.get(value)
                value = LIGHT_NAMES.get(str(value), "") if value else ""
            elif col.money and value is not None:
                value, number_format = Decimal(value), number_format or MONEY_FORMAT
            elif col.number_format and _is_number_or_date(value):
                number_format = number_format or col.number_format
            key = (number_format, None if fill is None else id(fills.setdefault(id(fill), fill)), col.money)
            cell = ws.cell(row=r, column=c)
            if key in styles:
                cell._style = copy(styles[key])
            else:
                for name, style in (
                    ("number_format", number_format),
                    ("fill", fill),
                    ("border", BORDER),
                    ("alignment", alignments[not col.money]),
                ):
                    if style is not None:
                        setattr(cell, name, style)
                styles[key] = copy(cell._style)
            write(ws, r, c, value)  # after the style: a formula-like text's quotePrefix is set on top of it
        r += 1
    if ws.freeze_panes is None or ws.freeze_panes == "A1":
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    return r


def append_row(ws: Worksheet, values: Sequence, *, font: Font | None = None, alignment: Alignment | None = None) -> int:
    """Write `values` in the row after the last one written (an empty list leaves a blank row, as
    openpyxl's append does); returns that row's number."""
    ws.append([None] * len(values))  # only moves openpyxl's row pointer; the values go through write()
    r = ws._current_row
    for c, value in enumerate(values, start=1):
        write(ws, r, c, value, font=font, alignment=alignment)
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


def sheet_title(text: str) -> str:
    """A sheet name Excel accepts for `text` (which may be user text, e.g. a project's name):
    without \\ / * ? : [ ], no apostrophe at either end, at most 31 characters, never blank."""
    title = SHEET_TITLE_FORBIDDEN.sub("_", _text(str(text))).strip().strip("'").strip()[:SHEET_TITLE_MAX].strip()
    return title or "Sheet"


def new_workbook(title: str) -> tuple[Workbook, Worksheet]:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(title)
    return wb, ws


def add_sheet(wb: Workbook, title: str) -> Worksheet:
    """A new sheet at the end; a name already taken (Excel ignores case) gets "(2)", "(3)"… within
    the 31 characters (openpyxl's own numbering would make a 31-character name 32)."""
    name = unique = sheet_title(title)
    taken = {n.lower() for n in wb.sheetnames}
    n = 2
    while unique.lower() in taken:
        suffix = f"({n})"
        unique, n = name[: SHEET_TITLE_MAX - len(suffix)] + suffix, n + 1
    return wb.create_sheet(unique)


def _no_formula_leaves(wb: Workbook) -> None:
    """The last check on the way out: a formula cell can only be text that bypassed write()."""
    for ws in wb.worksheets:
        for cell in list(ws._cells.values()):  # the written cells only (iter_rows would add empty ones)
            if cell.data_type == "f":
                logger.error("导出的工作簿“%s”在 %s 有公式单元格，已按文本写出：请改用 apps.core.xlsx.write。", ws.title, cell.coordinate)
                _write_text(cell, _text(str(cell.value)))


def workbook_bytes(wb: Workbook) -> bytes:
    _no_formula_leaves(wb)
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
