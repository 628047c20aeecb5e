"""往年完成投资 workbooks: the completed investment of the years before the system was used, one row
per project and year, one column per month, for the year-on-year figures (同比).

The sheet: 项目代码 and/or 项目名称 (matched as the 调度表 import matches them: the code first,
else the exact name), 年度, then 1月 … 12月 in 万元 (a blank month is not entered). A file with any
bad row imports nothing and lists every error with its row number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.policy import require
from apps.accounts.types import Actor
from apps.core.xlsx import Column, Workbook, add_table, new_workbook, print_setup
from apps.progress.models import HistoricalCompletion
from apps.progress.services import historical_completions_save
from apps.projects.models import Project
from apps.projects.notions import live_projects

from .columns import WAN, CellError, cell_text, is_blank, parse_code, parse_money
from .errors import RowError, SheetError
from .xlsxread import Progress, XlsxFile

MONTHS = tuple(range(1, 13))
SAVE_CHUNK = 500  # monthly figures per call of the progress service
HEADERS = {"项目代码": "code", "项目编码": "code", "项目名称": "name", "年度": "year", "年份": "year"}
MONTH_HEADER = re.compile(r"^(\d{1,2})月(?:完成(?:投资)?)?(?:（万元）|\(万元\))?$")


@dataclass
class HistoryImport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: dict = field(default_factory=dict)  # with preview=True: what confirming would write


def history_template(*, year: int) -> Workbook:
    """The sheet the import reads: one example row per live project, months left blank."""
    wb, ws = new_workbook(f"{year}年完成投资")
    columns = [Column("项目代码", 26), Column("项目名称", 36), Column("年度", 8)] + [Column(f"{m}月", 12, money=True) for m in MONTHS]
    projects = live_projects().order_by("id").values_list("primary_code", "name")
    add_table(ws, columns, [(code or "", name, year) for code, name in projects], title=f"{year}年重点项目逐月完成投资（万元）")
    print_setup(ws)
    return wb


def _header(grid: list) -> tuple[int, dict[str, int], dict[int, int]]:
    """The header row (within the first 10) and the columns of each field and month."""
    for r in range(1, min(len(grid), 11)):
        fields: dict[str, int] = {}
        months: dict[int, int] = {}
        for c, value in enumerate(grid[r][1:], start=1):
            text = re.sub(r"\s+", "", cell_text(value)).replace("*", "")
            if text in HEADERS:
                fields.setdefault(HEADERS[text], c)
            elif (m := MONTH_HEADER.match(text)) and 1 <= int(m.group(1)) <= 12:
                months[int(m.group(1))] = c
        if "year" in fields and months and ("code" in fields or "name" in fields):
            return r, fields, months
    raise SheetError("找不到表头：需要“项目代码”或“项目名称”、“年度”和“1月”至“12月”列（可只填部分月份）。请先下载模板。")


def _year(value: Any) -> int:
    text = cell_text(value).removesuffix("年")
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise CellError("年度应为四位数字，如 2025。")
    return int(text)


def _history_preview(rows: list[dict], numbers: list[tuple[int, Project]], errors: list[RowError]) -> dict:
    """Per project row: 新增 / 更新 (each month old → new) / 未变化 / 不能导入, as the 调度表 preview."""
    import hashlib
    import json

    existing = {
        (h.project_id, h.year, h.month): h.completed for h in HistoricalCompletion.objects.filter(project_id__in={p.pk for _, p in numbers})
    }
    by_row: dict[int, list[dict]] = {}
    for item in rows:
        by_row.setdefault(item["row"], []).append(item)
    out = []
    counts = {"new": 0, "changed": 0, "unchanged": 0, "refused": 0}
    for r, project in numbers:
        changes = []
        fresh = False
        for item in by_row.get(r, []):
            old = existing.get((project.pk, item["year"], item["month"]))
            if old == item["completed"]:
                continue
            fresh = fresh or old is None
            changes.append(
                {
                    "field": f"{item['year']}年{item['month']}月",
                    "old": "（空）" if old is None else f"{old.normalize():f}",
                    "new": f"{item['completed'].normalize():f}",
                }
            )
        status = "unchanged" if not changes else ("new" if fresh and all(c["old"] == "（空）" for c in changes) else "changed")
        counts[status] += 1
        out.append({"row": r, "name": project.name, "status": status, "changes": changes, "reasons": [], "warnings": []})
    for e in errors:
        counts["refused"] += 1
        out.append(
            {
                "row": e.row,
                "name": "",
                "status": "refused",
                "changes": [],
                "reasons": [f"{e.column}：{e.message}" if e.column else e.message],
                "warnings": [],
            }
        )
    out.sort(key=lambda x: x["row"] or 0)
    data = {"rows": out, "counts": counts, "creations": [], "warnings": [], "sheet_errors": [], "history": True}
    data["digest"] = hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return data


def history_import(
    *, actor: Actor, content: bytes, file_name: str = "", progress: Progress | None = None, preview: bool = False
) -> HistoryImport:
    """Read the workbook and enter every row through the progress service, or nothing. With
    `preview`, nothing is written: the result carries what would be (HistoryImport.preview)."""
    require(actor, "change", HistoricalCompletion)  # before a byte of the file is read
    book = XlsxFile(content)  # the same caps as the 调度表: zip, rows, cells, merges
    if not book.worksheets:
        raise SheetError("文件是空的：工作表中没有任何内容。请先下载模板。")
    grid = book.read(book.worksheets[0], progress=progress).rows
    top, fields, months = _header(grid)
    result = HistoryImport()
    parsed: list[tuple[int, str, str, int, dict[int, Decimal]]] = []
    for r in range(top + 1, len(grid)):
        row = grid[r]
        if all(is_blank(v) for v in row):
            continue
        if progress is not None:
            progress("validating", r - top, len(grid) - top - 1)

        def cell(c: int | None, row: tuple = row) -> Any:
            return row[c] if c and c < len(row) else None

        errors_before = len(result.errors)
        code = name = ""
        year = 0
        amounts: dict[int, Decimal] = {}
        try:
            code = parse_code(cell(fields.get("code"))) if not is_blank(cell(fields.get("code"))) else ""
        except CellError as exc:
            result.errors.append(RowError(r, "项目代码", str(exc)))
        name = cell_text(cell(fields.get("name"))).strip()
        if not code and not name:
            result.errors.append(RowError(r, "项目名称", "请填写项目代码或项目名称。"))
        try:
            year = _year(cell(fields["year"]))
        except CellError as exc:
            result.errors.append(RowError(r, "年度", str(exc)))
        for m, c in months.items():
            value = cell(c)
            if is_blank(value):
                continue
            try:
                amounts[m] = parse_money(value, WAN)
            except CellError as exc:
                result.errors.append(RowError(r, f"{m}月", str(exc)))
        if len(result.errors) == errors_before:
            parsed.append((r, code, name, year, amounts))
    by_code = {p.primary_code: p for p in Project.objects.filter(primary_code__in={c for _, c, _, _, _ in parsed if c})}
    by_name: dict[str, list[Project]] = {}
    for p in Project.objects.filter(name__in={n for _, _, n, _, _ in parsed if n}):
        by_name.setdefault(p.name, []).append(p)
    rows = []
    matched: list[tuple[int, Project]] = []
    for r, code, name, year, amounts in parsed:
        project = by_code.get(code) if code else None
        if project is None and name:
            matches = by_name.get(name, [])
            if len(matches) > 1:
                result.errors.append(RowError(r, "项目名称", f"有{len(matches)}个项目名为“{name}”，请填写项目代码。"))
                continue
            project = matches[0] if matches else None
        if project is None:
            result.errors.append(
                RowError(r, "项目代码" if code else "项目名称", f"台账中没有项目“{code or name}”，请先导入调度表或核对代码、名称。")
            )
            continue
        rows += [{"project": project, "year": year, "month": m, "completed": a, "row": r} for m, a in sorted(amounts.items())]
        matched.append((r, project))
        result.rows += 1
    if not result.errors and not rows:
        result.errors.append(RowError(None, "", "表中没有可导入的完成投资（各月均为空）。"))
    this_year = timezone.localdate().year
    for item in rows if preview else ():  # the service says the same when writing
        if item["year"] >= this_year:
            result.errors.append(
                RowError(item["row"], "年度", f"{item['year']}年的完成投资以月报为准，往年完成投资只能录入{this_year}年以前的年度。")
            )
            break
    if preview:
        result.preview = _history_preview(rows, matched, result.errors)
        return result
    if result.errors:
        result.rows = 0
        return result
    rows = [{k: v for k, v in item.items() if k != "row"} for item in rows]
    source = f"{timezone.localdate().isoformat()}导入{file_name}"[:100]
    try:
        # In chunks inside one transaction (all or none, as before), so that a worker reports
        # progress, its heartbeat, between them: a province's file is a quarter of a million figures.
        with transaction.atomic():
            for start in range(0, len(rows), SAVE_CHUNK):
                created, updated = historical_completions_save(actor=actor, rows=rows[start : start + SAVE_CHUNK], source=source)
                result.created += created
                result.updated += updated
                if progress is not None:
                    progress("importing", min(start + SAVE_CHUNK, len(rows)), len(rows))
    except ValidationError as exc:
        result.rows = result.created = result.updated = 0
        result.errors += [RowError(None, "", m) for m in exc.messages]
    return result
