"""Reading an uploaded .xlsx without believing what it says about itself.

An .xlsx is a zip of XML parts, and every size in it is the sender's claim: the zip's declared
sizes, the sheet's <dimension>, its row and column numbers. Memory and time here are bounded by
caps counted on what is actually read, never by those claims:

- The zip: at most MAX_MEMBERS members. Before any XML is parsed, every member is inflated once
  through a counting loop (64 KB at a time, nothing kept): the total stops at
  SHEETS_IMPORT_MAX_INFLATED_BYTES; a member that inflates past its declared size (a lying header)
  or past MAX_RATIO times its compressed size (a zip bomb) is refused there. (Python's zipfile
  would quietly cut a member at its declared size; the loop asks it for one byte more.) After the
  loop every declared size is known to be true, so later reads are bounded by the cap.
- The XML: fed to expat as a stream of events, never built into a tree (only one <c> cell's few
  elements at a time). A DTD is refused: OOXML parts have none, and it is how entity-expansion
  bombs get in.
- The worksheet: rows, cells and merged ranges are counted as they stream past and reading stops
  at SHEETS_IMPORT_MAX_ROWS / SHEETS_IMPORT_MAX_CELLS / MAX_MERGES with a Chinese message that
  says the cap. <dimension> is never read. Only values are kept: one list per row that has one.
- Cell values are decoded by openpyxl's own WorkSheetParser.parse_cell (cell types, shared
  strings, dates by number format, the 1904 calendar, formulas), so a good sheet reads exactly as
  it did through openpyxl's load_workbook.

Why not openpyxl's read_only mode, which also streams: it sizes the sheet from <dimension> (a
false small one silently drops every row below it; a false large one pads every row to 16 384
cells and every gap to 1 048 576 rows), builds each <row> whole before yielding it (a row of
millions of cells is one tree), reads no merged cells, and loads the shared strings and styles
before any cap could apply. Its full mode (used before) holds every cell of every sheet as an
object: a 5 MB file of 100 000 rows took 620 MB and half a minute before its row count was known.
"""

from __future__ import annotations

import copy
import io
import posixpath
import warnings
import zipfile
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from django.conf import settings
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH
from openpyxl.worksheet._reader import WorkSheetParser

from .errors import SheetError

MB = 1024 * 1024
CHUNK = 64 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, .et: the pre-2007 binary formats
# A workbook from Excel or WPS has a dozen parts, a few hundred with many sheets and pictures.
MAX_MEMBERS = 1000
# Sheet XML deflates 4–15 to 1 (measured on the template, generated sheets and a sheet of 150 000
# bordered empty cells); a zip bomb 1 000 to 1. Members under RATIO_FREE_BYTES are not judged.
MAX_RATIO = 100
RATIO_FREE_BYTES = 1 * MB
# Columns kept: a 调度表 has a few dozen; a sheet styled out to column XFD must not become
# millions of empty cells.
MAX_COLUMNS = 200
# Merged ranges: a 调度表 merges its title, its header and a leader down a few rows.
MAX_MERGES = 20_000
# Elements inside one <c> (value, formula, rich-text runs of an inline string).
MAX_CELL_ELEMENTS = 1000
# Number formats and cell styles (Excel's own limit is 64 000 cell formats).
MAX_STYLES = 100_000

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
# Element names as expat reports them with namespace_separator="}" (ElementTree adds a "{").
ROW = f"{NS_MAIN}}}row"
CELL = f"{NS_MAIN}}}c"
MERGE_CELL = f"{NS_MAIN}}}mergeCell"
SI = f"{NS_MAIN}}}si"
T = f"{NS_MAIN}}}t"
RUN = f"{NS_MAIN}}}r"
RELATIONSHIP = f"{NS_PKG_REL}}}Relationship"
SHEET = f"{NS_MAIN}}}sheet"
WORKBOOK_PR = f"{NS_MAIN}}}workbookPr"
NUM_FMT = f"{NS_MAIN}}}numFmt"
NUM_FMTS = f"{NS_MAIN}}}numFmts"
CELL_XFS = f"{NS_MAIN}}}cellXfs"
XF = f"{NS_MAIN}}}xf"
R_ID = f"{NS_REL}}}id"
IS_TAG = f"{{{NS_MAIN}}}is"  # as ElementTree names them, inside a built <c>
T_TAG = f"{{{NS_MAIN}}}t"

WORKBOOK_PART = "xl/workbook.xml"
STYLES_PART = "xl/styles.xml"  # where openpyxl looks for it too

NOT_XLSX = "文件不是 Excel 工作簿（.xlsx），无法读取。请上传用 Excel 或 WPS 保存的 .xlsx 文件。"
OLD_FORMAT = "这是旧版 Excel（.xls）或其他 Office 文件，系统只接受 .xlsx：请在 Excel 中“另存为”“Excel 工作簿（*.xlsx）”后再导入。"
DAMAGED = "文件已损坏：其中的“{name}”解压后与文件中记录的大小或校验值不符，无法导入。请在 Excel 中打开并重新保存后再导入。"
TOO_MANY_MEMBERS = "文件中有 {count} 个部件，超过 {cap} 个，不像是一张调度表，无法导入。"
TOO_LARGE_INFLATED = (
    "文件解压后超过 {cap_mb} MB（一次最多解压 {cap_mb} MB），不像是一张调度表，无法导入。请删去无关的工作表、图片后再导入，或分成几个文件。"
)
BOMB = "文件中的“{name}”压缩比超过 {ratio} 倍，不像是 Excel 保存的表格（可能是“压缩炸弹”），无法导入。"
TOO_MANY_ROWS = "工作表“{title}”超过 {cap} 行（第 {row} 行仍有内容），一次最多导入 {cap} 行，请分成几个文件。"
TOO_MANY_CELLS = (
    "工作表“{title}”的单元格超过 {cap} 个（含只设了格式的空单元格），一次最多读取 {cap} 个单元格："
    "请删去无关的行、列和格式后再导入，或分成几个文件。"
)
TOO_MANY_MERGES = "工作表“{title}”的合并单元格超过 {cap} 个，或合并的范围过大，无法导入：请取消不必要的合并单元格后再导入。"
TOO_MANY_STRINGS = "文件中的文字条目超过 {cap} 条，不像是一张调度表，无法导入。"


def max_bytes() -> int:
    return int(getattr(settings, "SHEETS_IMPORT_MAX_BYTES", 10 * MB))


def max_sheet_rows() -> int:
    return int(settings.SHEETS_IMPORT_MAX_ROWS)


def max_cells() -> int:
    return int(settings.SHEETS_IMPORT_MAX_CELLS)


def max_inflated() -> int:
    return int(settings.SHEETS_IMPORT_MAX_INFLATED_BYTES)


def check_size(size: int) -> None:
    """Refuse an empty or oversized upload before reading a byte of it."""
    if size <= 0:
        raise SheetError("文件是空的（0 字节），请选择填好的调度表。")
    limit = max_bytes()
    if size > limit:
        raise SheetError(
            f"文件太大（{size / MB:.1f} MB），一次最多导入 {limit / MB:.0f} MB。请删去无关的工作表、图片后再导入，或分成几个文件。"
        )


class InflateError(SheetError):
    """The zip was refused while (or before) inflating it; `inflated` is how many bytes were."""

    def __init__(self, message: str, inflated: int):
        super().__init__(message)
        self.inflated = inflated


Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass(frozen=True)
class SheetRef:
    title: str
    path: str


@dataclass
class Grid:
    """A worksheet's values: rows[r][c] is the value at Excel row r, column c (both from 1; rows[0]
    and a row without values are EMPTY_ROW; a row's list ends at its last value); merged ranges as
    (min_row, min_col, max_row, max_col); formula cells as (row, coordinate, formula text), their
    value left None."""

    title: str
    rows: list[Any]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas: list[tuple[int, str, str]] = field(default_factory=list)


EMPTY_ROW: tuple = (None,)


def _no_dtd(*args: Any) -> None:
    raise SheetError(NOT_XLSX)


def _parse(stream, start, end=None, data=None) -> None:
    """Feed `stream` to expat in chunks, calling start(name, attrs), end(name) and data(text)."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if data is not None:
        parser.CharacterDataHandler = data
    while chunk := stream.read(CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _et(name: str) -> str:
    """expat's "uri}local" as ElementTree's "{uri}local" (what openpyxl's parser compares)."""
    return "{" + name if "}" in name else name


# Exceptions that mean "this file is not a workbook we can read" (never our own SheetError, never
# a worker's time limit).
UNREADABLE = (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, IndexError, KeyError, TypeError)


class XlsxFile:
    """An uploaded .xlsx, checked: `worksheets` in workbook order, `read()` one of them."""

    def __init__(self, content: bytes) -> None:
        check_size(len(content))
        if content[:8] == OLE_MAGIC:
            raise SheetError(OLD_FORMAT)
        buffer = io.BytesIO(content)
        if not zipfile.is_zipfile(buffer):
            raise SheetError(NOT_XLSX)
        try:
            self.archive = zipfile.ZipFile(buffer)
        except UNREADABLE:
            raise SheetError(NOT_XLSX) from None
        self.inflated = inflate_all(self.archive, cap=max_inflated())
        self.names = set(self.archive.namelist())
        if WORKBOOK_PART not in self.names:
            raise SheetError(NOT_XLSX)
        try:
            self.epoch, sheets = self._workbook()
            self.worksheets = self._worksheets(sheets)
            self.date_formats, self.timedelta_formats = self._styles()
            self.strings = self._strings()
        except SheetError:
            raise
        except (*UNREADABLE, RuntimeError, NotImplementedError):
            raise SheetError(NOT_XLSX) from None

    # --- the workbook's own parts ---------------------------------------------------------

    def _open(self, name: str):
        return self.archive.open(name)

    def _workbook(self) -> tuple[Any, list[tuple[str, str]]]:
        sheets: list[tuple[str, str]] = []
        epoch = [WINDOWS_EPOCH]

        def start(name: str, attrs: dict) -> None:
            if name == SHEET:
                sheets.append((attrs.get("name", ""), attrs.get(R_ID, "")))
            elif name == WORKBOOK_PR and attrs.get("date1904") not in (None, "false", "f", "0"):
                epoch[0] = CALENDAR_MAC_1904

        with self._open(WORKBOOK_PART) as stream:
            _parse(stream, start)
        return epoch[0], sheets

    def _relationships(self) -> dict[str, tuple[str, str]]:
        """Id → (type, part name) of the workbook's relationships, resolved as openpyxl does."""
        rels: dict[str, tuple[str, str]] = {}

        def start(name: str, attrs: dict) -> None:
            if name != RELATIONSHIP or attrs.get("TargetMode") == "External":
                return
            target = attrs.get("Target", "")
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            rels[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

        path = "xl/_rels/workbook.xml.rels"
        if path not in self.names:
            raise SheetError(NOT_XLSX)
        with self._open(path) as stream:
            _parse(stream, start)
        return rels

    def _worksheets(self, sheets: list[tuple[str, str]]) -> list[SheetRef]:
        self.rels = self._relationships()
        found = []
        for title, rid in sheets:
            kind, target = self.rels.get(rid, ("", ""))
            if target in self.names and not kind.endswith("/chartsheet"):
                found.append(SheetRef(title, target))
        return found

    def _styles(self) -> tuple[set[int], set[int]]:
        """Which cell styles show dates (and durations): openpyxl's Stylesheet._normalise_numbers,
        from a stream of <numFmt> and <cellXfs><xf> instead of the whole stylesheet."""
        if STYLES_PART not in self.names:
            return set(), set()
        custom: dict[int, str] = {}
        xfs: list[int] = []
        path: list[str] = []

        def start(name: str, attrs: dict) -> None:
            parent = path[-1] if path else ""
            path.append(name)
            if name == NUM_FMT and parent == NUM_FMTS:  # not the <numFmt> of a conditional format
                custom[int(attrs.get("numFmtId", 0))] = attrs.get("formatCode", "")
            elif name == XF and parent == CELL_XFS:  # not the named styles' <cellStyleXfs>
                xfs.append(int(attrs.get("numFmtId", 0) or 0))
            else:
                return
            if len(custom) + len(xfs) > MAX_STYLES:
                raise SheetError(NOT_XLSX)

        def end(name: str) -> None:
            path.pop()

        with self._open(STYLES_PART) as stream:
            _parse(stream, start, end)
        dates, durations = set(), set()
        for index, fmt_id in enumerate(xfs):
            fmt = custom[fmt_id] if fmt_id in custom else builtin_format_code(fmt_id)
            if is_date_format(fmt):
                dates.add(index)
            if is_timedelta_format(fmt):
                durations.add(index)
        return dates, durations

    def _strings(self) -> list[str]:
        """The shared strings, as openpyxl's read_string_table gives them (Text.content: the plain
        <t> and each run's <t>, phonetic runs left out; "x005F_" dropped), counted as they come."""
        part = next((target for kind, target in self.rels.values() if kind.endswith("/sharedStrings")), "xl/sharedStrings.xml")
        if part not in self.names:
            return []
        strings: list[str] = []
        cap = max_cells()
        path: list[str] = []
        plain: list[str | None] = [None]
        runs: list[str | None] = []
        text: list[str] = []

        def start(name: str, attrs: dict) -> None:
            path.append(name)
            if name == SI:
                plain[0] = None
                runs.clear()
            elif name == RUN and len(path) >= 2 and path[-2] == SI:
                runs.append(None)
            elif name == T:
                text.clear()

        def data(chunk: str) -> None:
            if path and path[-1] == T:
                text.append(chunk)

        def end(name: str) -> None:
            path.pop()
            if name == T and path:
                if path[-1] == SI:
                    plain[0] = "".join(text)
                elif path[-1] == RUN and len(path) >= 2 and path[-2] == SI:
                    runs[-1] = "".join(text)
            elif name == SI:
                pieces = [p for p in (plain[0], *runs) if p is not None]
                strings.append("".join(pieces).replace("x005F_", ""))
                if len(strings) > cap:
                    raise SheetError(TOO_MANY_STRINGS.format(cap=cap))

        with self._open(part) as stream:
            _parse(stream, start, end, data)
        return strings

    # --- a worksheet ----------------------------------------------------------------------

    def read(self, ref: SheetRef, *, progress: Progress | None = None) -> Grid:
        """The values of one worksheet, reading no further than the row, cell and merge caps."""
        reader = _SheetReader(self, ref.title, progress)
        try:
            with self._open(ref.path) as stream, warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns of a date out of range (it reads as an error)
                _parse(stream, reader.start, reader.end, reader.data)
            return reader.grid()
        except SheetError:
            raise
        except (*UNREADABLE, RuntimeError, NotImplementedError):
            raise SheetError(NOT_XLSX) from None


def inflate_all(archive: zipfile.ZipFile, *, cap: int) -> int:
    """Inflate every member once, counting the bytes that come out and keeping none: refuse too
    many members, more than `cap` bytes in all, a member larger than it declared or inflating more
    than MAX_RATIO to 1. Returns the bytes inflated."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise InflateError(TOO_MANY_MEMBERS.format(count=len(infos), cap=MAX_MEMBERS), 0)
    cap_mb = f"{cap / MB:.0f}" if cap >= MB else f"{cap / MB:.2f}"
    # What the zip declares is checked first (refusing costs nothing), then what it really holds.
    if sum(info.file_size for info in infos) > cap:
        raise InflateError(TOO_LARGE_INFLATED.format(cap_mb=cap_mb), 0)
    for info in infos:
        if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InflateError(BOMB.format(name=info.filename[:80], ratio=MAX_RATIO), 0)
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        count = 0
        # zipfile would stop at the declared size (and check the CRC there); asked for one byte
        # more, it shows whether the member really ends where it says.
        probe = copy.copy(info)
        probe.file_size = info.file_size + 1
        try:
            with archive.open(probe) as member:
                while chunk := member.read(CHUNK):
                    count += len(chunk)
                    total += len(chunk)
                    if count > info.file_size:
                        raise InflateError(DAMAGED.format(name=info.filename[:80]), total)
                    if total > cap:
                        raise InflateError(TOO_LARGE_INFLATED.format(cap_mb=cap_mb), total)
                    if count > RATIO_FREE_BYTES and count > MAX_RATIO * max(info.compress_size, 1):
                        raise InflateError(BOMB.format(name=info.filename[:80], ratio=MAX_RATIO), total)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise InflateError(DAMAGED.format(name=info.filename[:80]), total) from None
        except (RuntimeError, NotImplementedError, OSError, ValueError):  # encrypted, an unknown compression
            raise InflateError(NOT_XLSX, total) from None
        if count != info.file_size:
            raise InflateError(DAMAGED.format(name=info.filename[:80]), total)
    return total


class _SheetReader:
    """expat handlers for one worksheet: counts every row and cell as it starts, builds one <c> at
    a time and decodes it with openpyxl's parser, keeps values only."""

    PROGRESS_EVERY = 1000  # rows

    def __init__(self, book: XlsxFile, title: str, progress: Progress | None) -> None:
        self.title = title
        self.progress = progress
        self.max_rows = max_sheet_rows()
        self.max_cells = max_cells()
        self.cells = 0
        self.rows_seen = 0
        self.values: dict[int, list] = {}
        self.formulas: list[tuple[int, int, str, str]] = []
        self.merge_refs: list[str] = []
        # openpyxl's cell decoder, configured as load_workbook(data_only=False) configures it:
        # a formula cell is seen as a formula (and refused), not as a cached value that may be
        # stale or missing.
        self.decoder = WorkSheetParser(
            None,
            book.strings,
            data_only=False,
            epoch=book.epoch,
            date_formats=book.date_formats,
            timedelta_formats=book.timedelta_formats,
        )
        self.builder: TreeBuilder | None = None
        self.depth = 0
        self.elements = 0

    def start(self, name: str, attrs: dict) -> None:
        if self.builder is not None:  # inside a <c>: its value, formula or inline string
            self.depth += 1
            self.elements += 1
            if self.elements > MAX_CELL_ELEMENTS:
                raise SheetError(NOT_XLSX)
            self.builder.start(_et(name), attrs)
        elif name == CELL:
            self.cells += 1
            if self.cells > self.max_cells:
                raise SheetError(TOO_MANY_CELLS.format(title=self.title, cap=self.max_cells))
            self.builder = TreeBuilder()
            self.builder.start(_et(name), attrs)
            self.depth = 1
            self.elements = 0
        elif name == ROW:
            self._row(attrs)
        elif name == MERGE_CELL:
            self.merge_refs.append(attrs.get("ref", ""))
            if len(self.merge_refs) > MAX_MERGES:
                raise SheetError(TOO_MANY_MERGES.format(title=self.title, cap=MAX_MERGES))

    def data(self, text: str) -> None:
        if self.builder is not None:
            self.builder.data(text)
        # Text anywhere else (whitespace between rows, or padding) is dropped as it streams past.

    def end(self, name: str) -> None:
        if self.builder is None:
            return
        self.builder.end(_et(name))
        self.depth -= 1
        if self.depth == 0:
            element = self.builder.close()
            self.builder = None
            self._cell(element)

    def _row(self, attrs: dict) -> None:
        """openpyxl's parse_row: the row number is r (possibly written as a float), else the next."""
        decoder = self.decoder
        if "r" in attrs:
            value = float(attrs["r"])
            if not value.is_integer():
                raise SheetError(NOT_XLSX)
            decoder.row_counter = int(value)
        else:
            decoder.row_counter += 1
        decoder.col_counter = 0
        self.rows_seen += 1
        if self.progress is not None and self.rows_seen % self.PROGRESS_EVERY == 0:
            self.progress("reading", self.rows_seen, 0)

    def _cell(self, element: Element) -> None:
        cell = self._plain_inline_string(element) or self.decoder.parse_cell(element)
        row, column, value = cell["row"], cell["column"], cell["value"]
        if column > MAX_COLUMNS or row < 1:
            return
        if cell["data_type"] == "f":
            value = None
            text = str(getattr(cell["value"], "text", cell["value"]))
            self.formulas.append((row, column, element.get("r") or "", text))
        elif value is None:
            return
        if row > self.max_rows:
            raise SheetError(TOO_MANY_ROWS.format(title=self.title, cap=self.max_rows, row=row))
        values = self.values.get(row)
        if values is None:
            values = self.values[row] = [None]
        if len(values) <= column:
            values.extend([None] * (column + 1 - len(values)))
        values[column] = value

    def _plain_inline_string(self, element: Element) -> dict | None:
        """parse_cell's answer for <c t="inlineStr"><is><t>…</t></is></c>, the way openpyxl writes
        every text cell, without building openpyxl's Text objects (a third of the reading time):
        Text.content of plain <t>s is the last one's text, or "". Anything else: None."""
        if element.get("t") != "inlineStr" or len(element) != 1:
            return None
        inline = element[0]
        if inline.tag != IS_TAG or not all(child.tag == T_TAG and len(child) == 0 for child in inline):
            return None
        decoder = self.decoder
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            decoder.col_counter = column
        else:
            decoder.col_counter += 1
            row, column = decoder.row_counter, decoder.col_counter
        return {"row": row, "column": column, "value": (inline[-1].text if len(inline) else None) or "", "data_type": "s"}

    def grid(self) -> Grid:
        last = max(self.values, default=0)
        rows: list[Any] = [EMPTY_ROW] * (last + 1)
        for number, values in self.values.items():
            rows[number] = values
        merges, covered = self._merges(last)
        formulas = [(r, coordinate, text) for r, c, coordinate, text in self.formulas if (r, c) not in covered]
        return Grid(self.title, rows, merges, formulas)

    def _merges(self, last: int) -> tuple[list[tuple[int, int, int, int]], set[tuple[int, int]]]:
        """The merged ranges, with what full openpyxl does to them: every cell but the top-left
        one is emptied (Excel shows only that one), formulas there included (returned as
        `covered`). Only rows that have values are touched, and the rows all merges span (up to
        the last row with values) are capped: a merge "A1:XFD1048576" costs nothing, a million of
        them are refused."""
        merges = []
        spanned = 0
        for ref in self.merge_refs:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            if None in (min_col, min_row, max_col, max_row):
                raise SheetError(NOT_XLSX)
            min_row, max_row = sorted((min_row, max_row))
            min_col, max_col = sorted((min_col, max_col))
            merges.append((min_row, min_col, max_row, max_col))
            if min_row <= last:
                spanned += min(max_row, last) - min_row + 1
            if spanned > self.max_cells:
                raise SheetError(TOO_MANY_MERGES.format(title=self.title, cap=MAX_MERGES))
        numbers = sorted(self.values)
        formula_columns: dict[int, list[int]] = {}
        for r, c, _coordinate, _text in self.formulas:
            formula_columns.setdefault(r, []).append(c)
        covered: set[tuple[int, int]] = set()
        for min_row, min_col, max_row, max_col in merges:
            for number in numbers[bisect_left(numbers, min_row) : bisect_right(numbers, max_row)]:
                values = self.values[number]
                first = min_col + 1 if number == min_row else min_col
                stop = min(max_col, len(values) - 1)
                if first <= stop:
                    values[first : stop + 1] = [None] * (stop + 1 - first)
                covered.update((number, c) for c in formula_columns.get(number, ()) if first <= c <= max_col)
        return merges, covered
