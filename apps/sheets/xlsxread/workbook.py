"""An uploaded .xlsx opened for reading: checked, inflated under the cap, its workbook part, shared
strings and date styles read from streams; each worksheet then read by SheetReader."""

from __future__ import annotations

import io
import posixpath
import warnings
import zipfile
from typing import Any

from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

from ..errors import SheetError
from .events import CELL_XFS, NUM_FMT, NUM_FMTS, R_ID, RELATIONSHIP, RUN, SHEET, SI, UNREADABLE, WORKBOOK_PR, XF, T, parse_events
from .limits import MAX_STYLES, NOT_XLSX, OLD_FORMAT, OLE_MAGIC, TOO_MANY_STRINGS, Progress, check_size, max_cells, max_inflated
from .sheet import Grid, SheetReader, SheetRef
from .unzip import inflate_all

WORKBOOK_PART = "xl/workbook.xml"
STYLES_PART = "xl/styles.xml"  # where openpyxl looks for it too


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
            parse_events(stream, start)
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
            parse_events(stream, start)
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
            parse_events(stream, start, end)
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
            parse_events(stream, start, end, data)
        return strings

    # --- a worksheet ----------------------------------------------------------------------

    def read(self, ref: SheetRef, *, progress: Progress | None = None) -> Grid:
        """The values of one worksheet, reading no further than the row, cell and merge caps."""
        reader = SheetReader(
            ref.title,
            progress,
            strings=self.strings,
            epoch=self.epoch,
            date_formats=self.date_formats,
            timedelta_formats=self.timedelta_formats,
        )
        try:
            with self._open(ref.path) as stream, warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns of a date out of range (it reads as an error)
                parse_events(stream, reader.start, reader.end, reader.data)
            return reader.grid()
        except SheetError:
            raise
        except (*UNREADABLE, RuntimeError, NotImplementedError):
            raise SheetError(NOT_XLSX) from None
