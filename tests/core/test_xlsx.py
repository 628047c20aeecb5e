"""The one xlsx writer (apps/core/xlsx.py): text is always a string cell showing the user's text,
formula-looking text is marked quotePrefix, numbers and dates stay numbers and dates, sheet names
are ones Excel accepts — and no module of the system writes a workbook around it.

Every export route, with formula texts planted in the demo, is tests/web/test_exports.py."""

from __future__ import annotations

import ast
import datetime as dt
import io
import logging
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from apps.core.xlsx import Column, add_sheet, add_table, append_row, looks_like_formula, new_workbook, sheet_title, workbook_bytes, write

# Text a spreadsheet would take for a formula (OWASP's CSV-injection list, the full-width forms a
# Chinese input method types, and the same after leading white space).
FORMULA_TEXTS = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "@SUM(1)",
    "＝1+1",
    "-1+2",
    "+1",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "\u3000＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "=",
]
PLAIN_TEXTS = ["新钢转炉升级改造项目", "1-2", "a=b", "—", "#N/A", "#DIV/0!", "", "2026-10-01", "（示例）=1"]


def reloaded(wb):
    return load_workbook(io.BytesIO(workbook_bytes(wb)))


@pytest.mark.parametrize("text", FORMULA_TEXTS)
def test_formula_text_is_a_string_cell_showing_the_text_and_marked_quote_prefix(text):
    # given a sheet
    wb, ws = new_workbook("清单")
    # when a user's text that looks like a formula is written
    write(ws, 1, 1, text)
    # then it comes back as text, exactly, and keeps being text when edited in Excel/WPS
    cell = reloaded(wb).active["A1"]
    assert cell.data_type == "s"
    assert cell.value == text.replace("\r", "\n")  # XML reads a carriage return as a line feed
    assert cell.quotePrefix is True
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", PLAIN_TEXTS)
def test_plain_text_is_a_string_cell_without_a_mark(text):
    wb, ws = new_workbook("清单")
    write(ws, 1, 1, text)
    cell = reloaded(wb).active["A1"]
    assert cell.value == (text or None)  # an empty string is an empty cell
    if text:
        assert cell.data_type == "s"  # "#N/A" stays text, not an error value
    assert not cell.quotePrefix


def test_numbers_and_dates_stay_numbers_and_dates():
    wb, ws = new_workbook("清单")
    write(ws, 1, 1, Decimal("-12.50"))
    write(ws, 1, 2, -3)
    write(ws, 1, 3, dt.date(2026, 10, 1), number_format="yyyy-mm-dd")
    write(ws, 1, 4, None)
    write(ws, 1, 5, gettext_lazy("已开工"))
    row = reloaded(wb).active[1]
    assert (row[0].data_type, row[0].value) == ("n", -12.5)
    assert (row[1].data_type, row[1].value) == ("n", -3)
    assert row[2].is_date
    assert row[2].value.date() == dt.date(2026, 10, 1)
    assert row[3].value is None
    assert (row[4].data_type, row[4].value) == ("s", "已开工")
    assert not any(c.quotePrefix for c in row)


def test_characters_a_workbook_cannot_hold_are_dropped_not_a_failure():
    # openpyxl refuses a whole workbook for one vertical tab pasted from Word
    wb, ws = new_workbook("清单")
    write(ws, 1, 1, "项目\x0b名称\x00")
    write(ws, 2, 1, "\x08=1+1")
    sheet = reloaded(wb).active
    assert sheet["A1"].value == "项目名称"
    assert (sheet["A2"].value, sheet["A2"].data_type, sheet["A2"].quotePrefix) == ("=1+1", "s", True)


def test_table_titles_headers_and_rows_all_go_through_the_writer():
    # given user text in every place a table has text: title, header (a scoring item's name), rows
    wb, ws = new_workbook("清单")
    columns = [Column("=SUM(A1)"), Column("金额", money=True), Column("日期", number_format="yyyy-mm-dd"), Column("灯", light=True)]
    end = add_table(ws, columns, [["@SUM(1)", "12.5", dt.date(2026, 1, 2), "red"], ["-1+2", None, None, None]], title="=A1 项目档案")
    append_row(ws, ["＝1+1", 7])
    # then every text is a marked string, amounts and dates keep their types and formats
    sheet = reloaded(wb).active
    texts = {c.coordinate: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    for coordinate in ("A1", "A2", "A3", "A4", f"A{end}"):
        assert (texts[coordinate].data_type, texts[coordinate].quotePrefix) == ("s", True), coordinate
    assert sheet["A1"].value == "=A1 项目档案"
    assert sheet["B3"].value == 12.5
    assert sheet["B3"].number_format == "#,##0.00"
    assert sheet["C3"].is_date
    assert sheet["C3"].number_format == "yyyy-mm-dd"
    assert sheet["D3"].value == "红灯"
    assert not sheet["D3"].quotePrefix
    assert sheet[f"B{end}"].value == 7


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("基本信息", "基本信息"),
        ("=HYPERLINK(“x”)", "=HYPERLINK(“x”)"),
        ("古城子河[二期]/湿地:公园?*", "古城子河_二期__湿地_公园__"),
        ("'某项目'", "某项目"),
        (
            "高铁新城—中伟世纪城综合体项目建设指挥部关于征地拆迁和安置补偿工作的报告",
            "高铁新城—中伟世纪城综合体项目建设指挥部关于征地拆迁和安置补偿",
        ),
        ("", "Sheet"),
        ("[]", "__"),
        ("\x07", "Sheet"),
    ],
)
def test_sheet_names_from_user_text_are_ones_excel_accepts(text, title):
    assert sheet_title(text) == title
    # and a second sheet of the same name is numbered within Excel's 31 characters
    wb, _ = new_workbook(text)
    add_sheet(wb, text)
    add_sheet(wb, text.upper())
    names = reloaded(wb).sheetnames
    assert names == [title, title[:28] + "(2)", sheet_title(text.upper())[:28] + "(3)"]


def test_a_formula_cell_written_around_the_writer_leaves_as_text(caplog):
    # given a cell written with openpyxl directly (what tests/core/test_xlsx's scan forbids)
    wb, ws = new_workbook("清单")
    ws.cell(row=1, column=1, value="=1+1")
    assert ws["A1"].data_type == "f"
    # when the workbook is given out
    with caplog.at_level(logging.ERROR, logger="apps.core.xlsx"):
        cell = reloaded(wb).active["A1"]
    # then it is text, and the log says where it came from
    assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", "=1+1", True)
    assert "A1" in caplog.text


# --- no workbook is written around the writer -----------------------------------------------

ROOT = Path(settings.BASE_DIR)
WRITER = "apps/core/xlsx.py"
# The import reader opens uploaded workbooks: it may load them and name columns, nothing else.
READER = "apps/sheets/reader.py"
READER_OPENPYXL = {"load_workbook", "get_column_letter"}
# The streaming reader of uploads (apps/sheets/xlsxread) decodes cells with openpyxl's own parser and
# number-format helpers: reading names only, none that makes a workbook or a cell.
STREAM_READER = "apps/sheets/xlsxread/"
STREAM_READER_OPENPYXL = {
    "builtin_format_code",
    "is_date_format",
    "is_timedelta_format",
    "CALENDAR_MAC_1904",
    "WINDOWS_EPOCH",
    "coordinate_to_tuple",
    "range_boundaries",
    "WorkSheetParser",
}
SHEET_MAKERS = {"new_workbook", "add_sheet", "create_sheet"}
# Reading (iter_rows, .value) is free; changing a cell needs one of these or `.value =`.
CELL_CALLS = {"cell", "create_sheet"}


def _sheet_names(tree: ast.AST) -> set[str]:
    """Names that hold a worksheet: from new_workbook(), add_sheet(), create_sheet(), `.active`,
    `.worksheets[...]`, or a parameter annotated Worksheet."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            value, targets = node.value, node.targets
            made = isinstance(value, ast.Call) and getattr(value.func, "id", getattr(value.func, "attr", None)) in SHEET_MAKERS
            made = made or (isinstance(value, ast.Attribute) and value.attr == "active")
            made = made or (isinstance(value, ast.Subscript) and getattr(value.value, "attr", None) == "worksheets")
            if made:
                for target in targets:
                    elements = target.elts if isinstance(target, ast.Tuple) else [target]
                    names |= {e.id for e in elements if isinstance(e, ast.Name)}
        elif isinstance(node, ast.arg) and node.annotation is not None and "Worksheet" in ast.unparse(node.annotation):
            names.add(node.arg)
    return names - {"wb"}


def bypasses(source: str, module: str) -> list[str]:
    """Every place in `source` that makes or fills a workbook without the writer."""
    tree = ast.parse(source)
    sheets = _sheet_names(tree)
    found = []
    for node in ast.walk(tree):
        where = f"{module}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            found += [f"{where} import {a.name}" for a in node.names if a.name.split(".")[0] == "openpyxl"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "openpyxl":
            names = {a.name for a in node.names}
            reads = (module == READER and names <= READER_OPENPYXL) or (
                module.startswith(STREAM_READER) and names <= STREAM_READER_OPENPYXL
            )
            if not reads:
                found.append(f"{where} from {node.module} import …")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr, owner = node.func.attr, node.func.value
            if attr in CELL_CALLS:
                found.append(f"{where} .{attr}()")
            elif attr == "append" and isinstance(owner, ast.Name) and owner.id in sheets:
                found.append(f"{where} {owner.id}.append()")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Workbook":
            found.append(f"{where} Workbook()")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                for t in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(t, ast.Attribute) and t.attr == "value":
                        found.append(f"{where} .value =")
                    elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id in sheets:
                        found.append(f"{where} {t.value.id}[…] =")
    return found


def system_modules() -> list[Path]:
    paths = [p for folder in ("apps", "projects_mgmt", "seeds", "bench") for p in (ROOT / folder).rglob("*.py")]
    return [p for p in paths if "migrations" not in p.parts and str(p.relative_to(ROOT)) != WRITER]


def test_no_module_makes_or_fills_a_workbook_around_the_writer():
    # given every module of the system but the writer itself
    modules = system_modules()
    assert len(modules) > 100
    # then none imports openpyxl (the reader may load uploads), or touches cells or sheets itself
    found = [b for p in modules for b in bypasses(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "from openpyxl import Workbook\nwb = Workbook()",
        "import openpyxl",
        "from openpyxl.styles import Font",
        "def export(ws: Worksheet):\n    ws.append(['=1+1'])",
        "wb, ws = new_workbook('x')\nws.cell(row=1, column=1, value=name)",
        "wb, ws = new_workbook('x')\nws['A1'] = name",
        "wb, ws = new_workbook('x')\nsheet = wb.create_sheet('y')",
        "detail = add_sheet(wb, 'y')\ndetail.append([name])",
        "for row in ws.iter_rows():\n    row[0].value = name",
        "cell.value, cell.number_format = name, '0'",
    ],
)
def test_the_scan_finds_each_way_around_the_writer(source):
    assert bypasses(source, "apps/web/views/new_export.py")


def test_the_scan_lets_the_writer_api_and_the_reader_through():
    good = "wb, ws = new_workbook('x')\nwrite(ws, 1, 1, name)\nappend_row(ws, [name])\nrows.append(1)\nws.freeze_panes = 'A2'"
    assert bypasses(good, "apps/web/views/new_export.py") == []
    assert bypasses("from openpyxl import load_workbook\nfor row in ws.iter_rows(values_only=True): pass", READER) == []
    assert bypasses("from openpyxl import load_workbook", "apps/sheets/history.py")
    assert bypasses("from openpyxl import Workbook", READER)
