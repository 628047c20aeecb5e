"""Reading an office's own 调度表: not a tidy table.

What offices send (and what this reads):
- a title row, a "单位：万元" (or 亿元) row, sometimes a "填报单位" line, above the header;
- a header of one or two rows with merged cells ("计划总投资" over "合计 | 其中：固定资产投资"),
  columns in any order, known by their names (apps/sheets/columns.py);
- category headings ("一、产业项目（12个）", "（一）交通项目"), "小计" rows and a 合计 row, before or
  after the rows they sum; they are checked (count and amounts) against the project rows they cover
  and never imported as projects;
- blank rows and notes under the table ("注：…", "制表人：…"), skipped;
- cells merged down a column (one 包保领导 for three projects) read as the value on every row.

Refused with a Chinese message, before anything is read into the ledger: not an .xlsx, an old .xls,
a file over the size limit, a zip bomb, a sheet over the row or cell caps (apps/sheets/xlsxread.py
reads the file and counts), an empty sheet, no recognisable header, a missing required column, a
column named twice, and any formula cell (its value is whatever Excel last computed, or nothing).

The template's example rows (项目名称 "示例：…", apps/sheets/template.py) are never projects: they
are skipped with a note, and a sheet with nothing else is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter

from .columns import (
    BY_KEY,
    COLUMNS,
    WAN,
    YI,
    CellError,
    ColumnSpec,
    HeaderMatch,
    cell_text,
    is_blank,
    match_header,
    normalize_header,
    parse_money,
    to_decimal,
)
from .errors import RowError, SheetError
from .xlsxread import MAX_COLUMNS, MB, NOT_XLSX, Grid, Progress, XlsxFile, check_size, max_bytes, max_sheet_rows

__all__ = ["MB", "NOT_XLSX", "RowError", "Sheet", "SheetError", "check_size", "max_bytes", "max_sheet_rows", "read_sheet"]

HEADER_SCAN_ROWS = 20
MAX_HEADER_ROWS = 3
MAX_FORMULA_ERRORS = 50
# The template's example rows are named "示例：…" (apps/sheets/template.py writes SAMPLE_PREFIX);
# "（示例）…" and "[示例]…" are read the same. A name that merely begins with the word (示例性…)
# is not one.
SAMPLE_PREFIX = "示例："
SAMPLE_NAME = re.compile(r"^(?:[（(【\[]\s*示例\s*[）)】\]]|示例\s*[：:])")


@dataclass
class Column:
    index: int  # 1-based, as in Excel
    spec: ColumnSpec
    header: str  # as written in the sheet (parent and child joined)
    unit: Decimal = WAN  # multiplier to 万元 for money columns
    year: int | None = None  # "2026年计划投资"
    month: int | None = None  # "1-11月完成": the report month of a completion column

    @property
    def letter(self) -> str:
        return get_column_letter(self.index)


@dataclass
class DataRow:
    number: int
    cells: dict[str, Any]
    groups: list[str] = field(default_factory=list)  # labels of the headings above it, outermost first


@dataclass
class Summary:
    number: int
    kind: str  # group, subtotal, total
    label: str
    level: int = 1
    declared_count: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    members: list[int] = field(default_factory=list)


@dataclass
class Sheet:
    name: str
    columns: dict[str, Column]
    rows: list[DataRow]
    summaries: list[Summary]
    unit: Decimal
    unit_label: str
    header_rows: tuple[int, int]
    errors: list[RowError] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)  # told, not refused: the example rows skipped
    headers: list[str] = field(default_factory=list)  # every header, in order
    layout: str = ""  # layout_fingerprint(headers)

    def header_of(self, key: str) -> str:
        column = self.columns.get(key)
        return column.header if column else BY_KEY[key].header

    @property
    def report_period(self) -> tuple[int | None, int | None]:
        """(year, month) the completion columns' headers name ("2026年/1-11月完成"), where they do."""
        found = [c for c in self.columns.values() if c.spec.target == "progress" and (c.year or c.month)]
        years = {c.year for c in found if c.year}
        months = {c.month for c in found if c.month}
        return (years.pop() if len(years) == 1 else None, months.pop() if len(months) == 1 else None)

    @property
    def plan_year(self) -> int | None:
        years = {c.year for c in self.columns.values() if c.spec.target == "plan" and c.year}
        return years.pop() if len(years) == 1 else None


# --- reading ------------------------------------------------------------------------------


def _formula_errors(grid: Grid) -> list[RowError]:
    """One error per formula cell (the first MAX_FORMULA_ERRORS), then how many more there are."""
    errors = [
        RowError(
            row,
            coordinate,
            f"单元格 {coordinate} 是公式（{text[:40]}），不能导入公式：请把整张表复制后“选择性粘贴—数值”，再导入。",
        )
        for row, coordinate, text in grid.formulas[:MAX_FORMULA_ERRORS]
    ]
    count = len(grid.formulas)
    if count > MAX_FORMULA_ERRORS:
        errors.append(RowError(None, "", f"另有 {count - MAX_FORMULA_ERRORS} 个公式单元格未逐一列出（共 {count} 个）。"))
    return errors


def _value(grid: list[list[Any]], r: int, c: int) -> Any:
    if r < 1 or r >= len(grid):
        return None
    row = grid[r]
    return row[c] if c < len(row) else None


class HeaderMerges:
    """The merged ranges that reach into the rows a header may occupy, and each such cell's
    top-left cell. Built once: the header search asks every cell of the first rows, and a sheet
    may hold thousands of merges further down."""

    def __init__(self, merges: list[tuple[int, int, int, int]], title: str) -> None:
        window = HEADER_SCAN_ROWS + MAX_HEADER_ROWS
        self.ranges = [m for m in merges if m[0] <= window and m[1] <= MAX_COLUMNS]
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        area = 0
        for r1, c1, r2, c2 in self.ranges:
            for r in range(r1, min(r2, window) + 1):
                for c in range(c1, min(c2, MAX_COLUMNS) + 1):
                    self.anchor.setdefault((r, c), (r1, c1))
                area += min(c2, MAX_COLUMNS) - c1 + 1
            if area > window * MAX_COLUMNS:  # ranges that do not overlap cannot cover more
                raise SheetError(f"工作表“{title}”表头处的合并单元格互相重叠，文件可能已损坏：请在 Excel 中取消合并后重新保存再导入。")

    def __iter__(self):
        return iter(self.ranges)


def _header_value(grid, merges: HeaderMerges, r: int, c: int) -> Any:
    """A header cell, reading a merged cell's value wherever the merge covers."""
    anchor = merges.anchor.get((r, c))
    return _value(grid, *anchor) if anchor else _value(grid, r, c)


def _width(grid) -> int:
    return max((len(row) - 1 for row in grid), default=0)


def _find_header_row(grid, merges) -> int | None:
    best, best_score = None, 0
    width = _width(grid)
    for r in range(1, min(len(grid), HEADER_SCAN_ROWS + 1)):
        keys = {m.spec.key for c in range(1, width + 1) if (m := match_header(_header_value(grid, merges, r, c)))}
        score = len(keys)
        if "name" in keys and score >= 2 and score > best_score:
            best, best_score = r, score
    return best


def _header_block(grid, merges, row: int, name_col: int) -> tuple[int, int]:
    """The rows of the header: the found row, plus rows joined to it by vertical merges, plus a
    sub-header row under it (no project name, some text, no numbers)."""
    top = bottom = row
    for _ in range(MAX_HEADER_ROWS - 1):
        if any(r1 < top <= r2 for r1, _c1, r2, _c2 in merges):
            top = min(r1 for r1, _c1, r2, _c2 in merges if r1 < top <= r2)
        elif any(r1 <= bottom < r2 for r1, _c1, r2, _c2 in merges):
            bottom = max(r2 for r1, _c1, r2, _c2 in merges if r1 <= bottom < r2)
        else:
            nxt = bottom + 1
            cells = [_value(grid, nxt, c) for c in range(1, _width(grid) + 1)]
            texts = [v for v in cells if isinstance(v, str) and v.strip()]
            numbers = [v for v in cells if isinstance(v, int | float | Decimal) and not isinstance(v, bool)]
            summary_like = any(_is_summary_text(t.strip()) or HEADING_1_ALONE.match(t.strip()) for t in texts)
            if texts and not numbers and is_blank(_value(grid, nxt, name_col)) and not summary_like:
                bottom = nxt
            else:
                break
        if bottom - top + 1 >= MAX_HEADER_ROWS:
            break
    return top, min(bottom, top + MAX_HEADER_ROWS - 1)


GENERIC_CHILD = re.compile(r"^(合计|小计|总计|总额|金额|合计数|计|总数|数额)$")
YEAR_IN = re.compile(r"(\d{4})年")


def _column_match(texts: list[str]):
    """Match a column from its header texts, top to bottom: the child alone, parent+child, the parent."""
    parents, child = texts[:-1], texts[-1]
    parent_year = next((int(m[1]) for t in parents if (m := YEAR_IN.search(t))), None)
    found = match_header(child) if child else None
    if found is None and parent_year and child:
        found = match_header(f"年度{child}")
    if found is not None:
        if found.spec.target in ("plan", "progress") and found.year is None and parent_year:
            found = type(found)(found.spec, found.unit, parent_year, found.month)
        return found
    if parents:
        joined = match_header("".join(texts))
        if joined is not None:
            return joined
        if not child or GENERIC_CHILD.match(re.sub(r"\s+", "", child)):
            return match_header(parents[-1])
    return None


def layout_fingerprint(headers: list[str]) -> str:
    """One sheet layout: the normalised header texts in order. Next month's sheet of the same
    layout has the same fingerprint, whatever its rows (and "2026年/1-11月完成" becoming "1-12月")."""
    import hashlib

    norm = [re.sub(r"\d+", "#", normalize_header(h)[0]) for h in headers]
    return hashlib.sha256("|".join(norm).encode()).hexdigest()[:32]


def _columns(
    grid, merges, top: int, bottom: int, sheet_unit: Decimal, mapping: dict[str, str] | None = None
) -> tuple[dict[str, Column], list[str], list[str]]:
    """The columns the sheet's header names; `mapping` (header → column key, "" to ignore) is the
    office's choice for the headers not recognised by name. Returns (columns, ignored, all headers)."""
    columns: dict[str, Column] = {}
    ignored: list[str] = []
    headers: list[str] = []
    mapping = mapping or {}
    duplicates: list[RowError] = []
    previous: list[str] = []
    for c in range(1, _width(grid) + 1):
        texts: list[str] = []
        for r in range(top, bottom + 1):
            text = cell_text(_header_value(grid, merges, r, c))
            if text and (not texts or texts[-1] != text):
                texts.append(text)
        widened = texts == previous and any(r1 <= bottom and r2 >= top and c1 < c <= c2 for r1, c1, r2, c2 in merges)
        previous = texts
        if not texts or widened:
            continue  # no header, or the second column of a header merged across two (one wide "项目名称")
        found = _column_match(texts)
        header = "／".join(texts)
        headers.append(header)
        if found is None and mapping.get(header) in BY_KEY:
            found = HeaderMatch(BY_KEY[mapping[header]])
        if found is None:
            ignored.append(header)
            continue
        unit = YI if any("亿元" in t for t in texts) else WAN if any("万元" in t for t in texts) else sheet_unit
        column = Column(c, found.spec, header, unit, found.year, found.month)
        if found.spec.key in columns:
            first = columns[found.spec.key]
            duplicates.append(
                RowError(
                    top,
                    found.spec.header,
                    f"表头中有两列都是“{found.spec.header}”（第 {first.letter} 列“{first.header}”和第 {column.letter} 列“{header}”），请只保留一列。",
                )
            )
            continue
        columns[found.spec.key] = column
    if duplicates:
        raise SheetError(duplicates)
    return columns, ignored, headers


UNIT_RE = re.compile(r"单位\s*[:：]?\s*(万元|亿元)")


def _sheet_unit(grid, top: int) -> tuple[Decimal, str]:
    for r in range(1, top):
        for value in grid[r][1:]:
            m = UNIT_RE.search(cell_text(value))
            if m:
                return (YI, "亿元") if m[1] == "亿元" else (WAN, "万元")
    return WAN, "万元"


CN_NUM = "一二三四五六七八九十百"
HEADING_1 = re.compile(rf"^[{CN_NUM}]+\s*[、.．,，]")
HEADING_1_ALONE = re.compile(rf"^[{CN_NUM}]+\s*[、.．]?$")
HEADING_2 = re.compile(rf"^[（(]\s*[{CN_NUM}]+\s*[)）]")
TOTAL_RE = re.compile(r"^(合\s*计|总\s*计|共\s*计|全部项目合计|总合计|全县合计|全区合计|汇总)")
SUBTOTAL_RE = re.compile(r"^小\s*计")
BREAKDOWN_RE = re.compile(r"^其中\s*[:：]")  # "其中：新开工项目 10 个" under 合计: a breakdown, neither project nor checkable
COUNT_RE = re.compile(r"[（(]\s*(?:共\s*)?(\d+)\s*(?:个|项)[^)）]*[)）]|共\s*(\d+)\s*(?:个|项)")


def _is_summary_text(text: str) -> bool:
    return bool(TOTAL_RE.match(text) or SUBTOTAL_RE.match(text) or HEADING_1.match(text) or HEADING_2.match(text))


def _declared_count(text: str) -> int | None:
    m = COUNT_RE.search(text)
    return int(m[1] or m[2]) if m else None


def _label(text: str) -> str:
    """ "一、产业项目（12个）" → "产业项目"."""
    text = COUNT_RE.sub("", text)
    text = HEADING_1.sub("", text)
    text = HEADING_2.sub("", text)
    return text.strip(" ：:")


def _classify(serial: str, name: str) -> tuple[str, int, str] | None:
    """(kind, level, full text) of a summary row, or None for a project row."""
    full = (serial + name) if serial and not serial.isdigit() else name
    if (name and BREAKDOWN_RE.match(name)) or (serial and BREAKDOWN_RE.match(serial)):
        return "breakdown", 0, full
    for text in (serial, name, full):
        if text and TOTAL_RE.match(text):
            return "total", 0, full or text
        if text and SUBTOTAL_RE.match(text):
            return "subtotal", 9, full or text
    if serial and HEADING_1_ALONE.match(serial):
        return "group", 1, f"{serial.rstrip('、.．')}、{name}" if name else serial
    if full and HEADING_1.match(full):
        return "group", 1, full
    if (serial and HEADING_2.match(serial)) or (name and HEADING_2.match(name)):
        return "group", 2, full
    return None


def _fill_vertical_merges(grid, merges, columns: dict[str, Column], first_data_row: int) -> None:
    """A cell merged down a column (one leader for three projects) counts on every row it covers.
    Amounts are not copied down: a merged amount is one figure, not one per row."""
    text_cols = {c.index for c in columns.values() if c.spec.kind not in ("money", "area")}
    for r1, c1, r2, _c2 in merges:
        if r2 > r1 and r1 >= first_data_row and c1 in text_cols:
            value = _value(grid, r1, c1)
            for r in range(r1 + 1, min(r2, len(grid) - 1) + 1):  # a merge down to row 1 048 576 stops at the last row read
                if all(is_blank(v) for v in grid[r]):
                    continue  # a blank row inside the merge stays blank
                while len(grid[r]) <= c1:
                    grid[r].append(None)
                grid[r][c1] = value


def _find_sheet(book: XlsxFile, progress: Progress | None = None) -> tuple[Grid, HeaderMerges, int]:
    """The first worksheet with a recognisable header, else why none can be read."""
    any_content = False
    for ref in book.worksheets:
        grid = book.read(ref, progress=progress)
        if not any(not is_blank(v) for row in grid.rows for v in row):
            continue
        any_content = True
        merges = HeaderMerges(grid.merges, grid.title)
        header_row = _find_header_row(grid.rows, merges)
        if header_row is not None:
            if grid.formulas:
                raise SheetError(_formula_errors(grid))
            return grid, merges, header_row
    if not any_content:
        raise SheetError("文件是空的：工作表中没有任何内容。请使用“下载导入模板”填写后再导入。")
    wanted = "、".join(f"“{c.header}”" for c in COLUMNS if c.required)
    raise SheetError(
        f"没有找到表头：前 {HEADER_SCAN_ROWS} 行中没有一行同时写有{wanted}等列名。请使用“下载导入模板”，或把表头改成模板中的列名。"
    )


def read_sheet(content: bytes, *, progress: Progress | None = None, mapping: dict[str, str] | None = None) -> Sheet:
    """Read the 调度表 in `content`; raise SheetError when the file as a whole cannot be imported.
    `mapping`: the office's column mapping for headers not recognised by name."""
    book = XlsxFile(content)
    found, merges, header_row = _find_sheet(book, progress)
    grid = found.rows
    width = _width(grid)
    name_col = next(
        c for c in range(1, width + 1) if (m := match_header(_header_value(grid, merges, header_row, c))) and m.spec.key == "name"
    )
    top, bottom = _header_block(grid, merges, header_row, name_col)
    unit, unit_label = _sheet_unit(grid, top)
    columns, ignored, headers = _columns(grid, merges, top, bottom, unit, mapping)
    missing = [c.header for c in COLUMNS if c.required and c.key not in columns]
    if missing:
        found_columns = "、".join(c.header for c in columns.values()) or "（无）"
        raise SheetError(
            [RowError(top, m, f"表头中缺少必需的列“{m}”。识别出的列：{found_columns}。请使用“下载导入模板”中的列名。") for m in missing]
        )
    _fill_vertical_merges(grid, found.merges, columns, bottom + 1)
    sheet = Sheet(found.title, columns, [], [], unit, unit_label, (top, bottom), ignored_headers=ignored)
    sheet.headers = headers
    sheet.layout = layout_fingerprint(headers)
    _read_rows(sheet, grid, bottom + 1, name_col)
    _check_summaries(sheet)
    return sheet


def _read_rows(sheet: Sheet, grid, first: int, name_col: int) -> None:
    columns = sheet.columns
    serial_col = columns["serial"].index if "serial" in columns else (1 if name_col > 1 else None)
    data_cols = {key: c.index for key, c in columns.items() if key != "serial"}
    open_groups: list[Summary] = []
    since_subtotal: list[int] = []
    projects: list[int] = []
    totals: list[Summary] = []
    samples: list[int] = []
    for r in range(first, len(grid)):
        row = grid[r]
        if all(is_blank(v) for v in row):
            continue
        serial = cell_text(_value(grid, r, serial_col)) if serial_col else ""
        name = cell_text(_value(grid, r, name_col))
        cells = {key: _value(grid, r, c) for key, c in data_cols.items()}
        kind = _classify(serial, name)
        if kind is not None:
            what, level, text = kind
            if what == "breakdown":
                continue
            summary = Summary(r, what, text, level, _declared_count(text), {k: v for k, v in cells.items() if k != "name"})
            if what == "group":
                open_groups = [g for g in open_groups if g.level < level]
                open_groups.append(summary)
                since_subtotal = []
            elif what == "subtotal":
                summary.members = list(since_subtotal)
                since_subtotal = []
            else:
                open_groups, since_subtotal = [], []
                totals.append(summary)
            sheet.summaries.append(summary)
            continue
        if all(is_blank(v) for v in cells.values()):
            continue  # a note under the table ("注：…", "制表人：…") or a serial number alone
        if SAMPLE_NAME.match(name):
            samples.append(r)
            continue
        for group in open_groups:
            group.members.append(r)
        since_subtotal.append(r)
        projects.append(r)
        sheet.rows.append(DataRow(r, cells, [_label(g.label) for g in open_groups]))
    for total in totals:
        total.members = list(projects)
    rows = "、".join(str(r) for r in samples[:10]) + ("等" if len(samples) > 10 else "")
    if not sheet.rows and samples:
        raise SheetError(
            [
                RowError(
                    None,
                    "",
                    f"表中只有模板的示例行（第 {rows} 行，项目名称以“{SAMPLE_PREFIX}”开头），没有要导入的项目："
                    "请填写本单位的项目（示例行可以删除）后再导入。",
                )
            ]
        )
    if not sheet.rows:
        raise SheetError([RowError(None, "", "表中没有项目行：表头下面只有空行、小计或合计行。")])
    if samples:
        sheet.notes.append(
            RowError(
                None,
                sheet.header_of("name"),
                f"第 {rows} 行（共 {len(samples)} 行）是模板的示例行（项目名称以“{SAMPLE_PREFIX}”开头），没有导入。",
            )
        )


def _money_sum(sheet: Sheet, key: str, members: list[int], by_number: dict[int, DataRow]) -> Decimal | None:
    unit = sheet.columns[key].unit
    total = Decimal("0")
    for number in members:
        value = by_number[number].cells.get(key)
        if is_blank(value):
            continue
        try:
            total += parse_money(value, unit)
        except CellError:
            return None  # the row's own error says what is wrong; a sum over it proves nothing
    return total


def _shown(amount: Decimal, unit: Decimal) -> str:
    return f"{(amount / unit).normalize():,f} {'亿元' if unit == YI else '万元'}"


def _check_summaries(sheet: Sheet) -> None:
    """Each heading, 小计 and 合计 against the project rows under it: count and every amount."""
    by_number = {row.number: row for row in sheet.rows}
    money_keys = [key for key, c in sheet.columns.items() if c.spec.kind == "money"]
    name_header = sheet.header_of("name")
    for summary in sheet.summaries:
        what = {"group": "分类行", "subtotal": "小计行", "total": "合计行"}[summary.kind]
        actual = len(summary.members)
        if summary.declared_count is not None and summary.declared_count != actual:
            sheet.errors.append(
                RowError(
                    summary.number,
                    name_header,
                    f"{what}“{summary.label}”写明 {summary.declared_count} 个项目，但其下实际有 {actual} 个项目行，请核对。",
                )
            )
        for key in money_keys:
            value = summary.values.get(key)
            if is_blank(value):
                continue
            column = sheet.columns[key]
            try:
                declared = parse_money(value, column.unit)
                exponent = to_decimal(value).as_tuple().exponent
            except CellError as exc:
                sheet.errors.append(RowError(summary.number, column.header, f"{what}的金额无法读取：{exc}"))
                continue
            counted = _money_sum(sheet, key, summary.members, by_number)
            if counted is None:
                continue
            # A figure shown to d decimals (in the sheet's unit) was rounded: allow half a unit of
            # its last digit, and never less than half a cent of a 万元.
            places = min(int(exponent), 0) if isinstance(exponent, int) else 0
            tolerance = max(Decimal("0.005"), Decimal(5).scaleb(places - 1) * column.unit)
            if abs(declared - counted) > tolerance:
                sheet.errors.append(
                    RowError(
                        summary.number,
                        column.header,
                        f"{what}“{summary.label}”的{column.spec.header}为 {_shown(declared, column.unit)}，"
                        f"与其下 {actual} 个项目逐项相加的 {_shown(counted, column.unit)}不符，请核对。",
                    )
                )
