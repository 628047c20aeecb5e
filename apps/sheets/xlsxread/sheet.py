"""One worksheet read from its stream of events: rows, cells and merges counted as they start,
values kept, nothing else."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder

from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.worksheet._reader import WorkSheetParser

from ..errors import SheetError
from .events import CELL, IS_TAG, MERGE_CELL, ROW, T_TAG, et_name
from .limits import (
    MAX_CELL_ELEMENTS,
    MAX_COLUMNS,
    MAX_MERGES,
    NOT_XLSX,
    TOO_MANY_CELLS,
    TOO_MANY_MERGES,
    TOO_MANY_ROWS,
    Progress,
    max_cells,
    max_sheet_rows,
)


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


class SheetReader:
    """expat handlers for one worksheet: counts every row and cell as it starts, builds one <c> at
    a time and decodes it with openpyxl's parser, keeps values only."""

    PROGRESS_EVERY = 1000  # rows

    def __init__(
        self, title: str, progress: Progress | None, *, strings: list[str], epoch, date_formats: set[int], timedelta_formats: set[int]
    ) -> None:
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
            None, strings, data_only=False, epoch=epoch, date_formats=date_formats, timedelta_formats=timedelta_formats
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
            self.builder.start(et_name(name), attrs)
        elif name == CELL:
            self.cells += 1
            if self.cells > self.max_cells:
                raise SheetError(TOO_MANY_CELLS.format(title=self.title, cap=self.max_cells))
            self.builder = TreeBuilder()
            self.builder.start(et_name(name), attrs)
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
        self.builder.end(et_name(name))
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
