"""The streaming reader (apps/sheets/xlsxread.py) reads a good workbook exactly as openpyxl's
load_workbook did (values, dates, shared strings, formulas, merges), so that the importer's
behaviour for good sheets does not change. Its caps: tests/sheets/test_reader.py."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from apps.sheets.xlsxread import XlsxFile
from tests.sheets.rawxlsx import raw_sheet, workbook


def ours(content: bytes) -> dict[str, dict]:
    """Every worksheet as {title: {"values": {(row, col): value}, "formulas": [...], "merges": {...}}}."""
    book = XlsxFile(content)
    out = {}
    for ref in book.worksheets:
        grid = book.read(ref)
        values = {(r, c): v for r, row in enumerate(grid.rows) for c, v in enumerate(row) if c and v is not None}
        out[ref.title] = {"values": values, "formulas": sorted(f[1] for f in grid.formulas), "merges": set(grid.merges)}
    return out


def openpyxls(content: bytes) -> dict[str, dict]:
    """The same, as openpyxl's full load_workbook (what the import read before) gives it."""
    wb = load_workbook(io.BytesIO(content), data_only=False)
    out = {}
    for ws in wb.worksheets:
        values, formulas = {}, []
        for row in ws.iter_rows():
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    formulas.append(cell.coordinate)
                elif cell.value is not None:
                    values[(cell.row, cell.column)] = cell.value
        merges = {(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges}
        out[ws.title] = {"values": values, "formulas": sorted(formulas), "merges": merges}
    return out


# --- the values are openpyxl's ------------------------------------------------------------


def test_a_workbook_written_by_openpyxl_reads_as_openpyxl_reads_it():
    wb = Workbook()
    ws = wb.active
    ws.title = "调度表"
    ws.append(["2026年重点项目调度表"])
    ws.append(["项目名称", "计划总投资", "开工", "竣工", "比例", "是否", "时刻", "公式", "空"])
    ws.append(["古阳河风光带", 12000, dt.date(2026, 3, 1), dt.datetime(2026, 12, 31, 8, 30), 0.25, True, dt.time(9, 15), "=B3*2", ""])
    ws.append(["带 &<> 的名称", Decimal("56000.5"), "2026-05", None, -1.5e-3, False, None, None, "  "])
    ws["C4"] = dt.date(2026, 5, 1)
    ws["C4"].number_format = "yyyy年m月d日"
    ws["E3"].number_format = "0.00%"
    ws.merge_cells("A1:I1")
    ws.cell(row=40, column=2, value="远处的一格")
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden["B2"] = 7
    buf = io.BytesIO()
    wb.save(buf)
    content = buf.getvalue()
    assert ours(content) == openpyxls(content)
    assert [ref.title for ref in XlsxFile(content).worksheets] == ["调度表", "隐藏"]


def test_a_1904_workbook_reads_its_dates_as_openpyxl_does():
    wb = Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.active.append(["项目名称", "开工"])
    wb.active.append(["甲", dt.date(2026, 3, 1)])
    buf = io.BytesIO()
    wb.save(buf)
    assert ours(buf.getvalue()) == openpyxls(buf.getvalue())
    assert ours(buf.getvalue())["Sheet"]["values"][(2, 2)] == dt.datetime(2026, 3, 1)


def test_shared_strings_styles_and_odd_cells_as_excel_and_wps_write_them_read_as_openpyxl_reads_them():
    # given the parts openpyxl never writes: shared strings (plain, rich runs, a phonetic run, the
    # _x005F_ escape), a stylesheet with a custom date format and a conditional format's numFmt,
    # cells without a reference, a row numbered "5.0", every cell type, a shared formula, and a
    # merged range whose hidden cells still hold values
    strings = (
        "<si><t>项目名称</t></si><si><t>计划总投资</t></si>"
        "<si><r><t>古阳</t></r><r><rPr><b/></rPr><t>河</t></r><rPh sb='0' eb='1'><t>gu</t></rPh></si>"
        "<si><t xml:space='preserve'> 前后空格 </t></si><si><t>a_x005F_x000D_b</t></si><si><t/></si>"
    )
    styles = (
        "<numFmts count='2'><numFmt numFmtId='164' formatCode='yyyy&quot;年&quot;m&quot;月&quot;'/>"
        "<numFmt numFmtId='165' formatCode='0.0'/></numFmts>"
        "<cellStyleXfs count='1'><xf numFmtId='14'/></cellStyleXfs>"
        "<cellXfs count='4'><xf numFmtId='0'/><xf numFmtId='14'/><xf numFmtId='164'/><xf numFmtId='165'/></cellXfs>"
        "<dxfs count='1'><dxf><numFmt numFmtId='165' formatCode='yyyy-mm-dd'/></dxf></dxfs>"
    )
    body = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
        '<row r="2"><c t="s"><v>3</v></c><c><v>12000</v></c><c s="1"><v>46082</v></c><c s="2"><v>46082.5</v></c>'
        '<c s="3"><v>46082</v></c><c t="b"><v>1</v></c><c t="e"><v>#DIV/0!</v></c><c t="str"><v>算出的文字</v></c></row>'
        '<row r="3.0"><c r="A3" t="s"><v>4</v></c><c r="B3" t="s"><v>5</v></c><c r="C3" t="d"><v>2026-03-01T00:00:00</v></c>'
        '<c r="D3" t="inlineStr"><is><r><t>内联</t></r><r><t>富文本</t></r></is></c><c r="E3"><v>1.5E3</v></c></row>'
        '<row><c r="A4"><f t="shared" ref="A4:A5" si="0">B4*2</f><v>2</v></c><c r="B4"><v>1</v></c></row>'
        '<row r="5"><c r="A5"><f t="shared" si="0"/><v>4</v></c><c r="B5"><v>2</v></c></row>'
        '<row r="7"><c r="A7" t="s"><v>0</v></c><c r="B7" t="s"><v>1</v></c><c r="C7"><f>A7</f></c></row>'
    )
    merges = '<mergeCells count="1"><mergeCell ref="A7:C7"/></mergeCells>'
    content = workbook(raw_sheet(body, after=merges), shared_strings=strings, styles=styles)
    # then every value, formula and merge is what openpyxl reads
    got, expected = ours(content), openpyxls(content)
    assert got == expected
    values = got["调度表"]["values"]
    assert values[(1, 3)] == "古阳河"  # the phonetic run is not part of the text
    assert values[(2, 3)] == dt.datetime(2026, 3, 1)
    assert values[(2, 5)] == 46082  # format 165 is "0.0" in cellXfs' numFmts; the dxf's date format is not
    assert (7, 2) not in values  # hidden under the merge, as Excel shows it
    assert got["调度表"]["formulas"] == ["A4", "A5"]  # C7 is covered by the merge
