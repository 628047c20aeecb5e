"""Importing a 调度表 into the ledger: every row validated first, then all rows written through the
core services in one transaction, or none.

Validation (no writes): each cell parsed (apps/sheets/columns.py), categories, regions,
departments and leaders looked up in tables loaded once, each row matched to a project (by its
project code, else by its exact name), the policy asked, and the would-be project and annual plan
validated in memory against the models' own rules. All errors are collected as (Excel row,
column header, Chinese message); with any error nothing is written.

Writing: project_create / project_update, annual_plan_create for a year without a plan or
annual_plan_adjust (调整计划, with the plan's version read while validating and the import as its
reason) for one that has it, responsibility_assign / responsibility_update — the services the API
and the admin call — each with the importing user as actor. Only what the sheet carries is written,
and only when it differs, so importing the same file again updates nothing and creates nothing.
Should a service still refuse a row (a race with another writer), that error joins the table and the
whole transaction is rolled back.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.policy import decide, require
from apps.accounts.types import Actor
from apps.lights.services import due_items_deferred
from apps.organization.models import Department, Leader, Region
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects import startfacts
from apps.projects.codes import SHAPE_MESSAGE, check_project_code
from apps.projects.models import (
    AnnualPlan,
    InvestmentMode,
    Project,
    ProjectCategory,
    ProjectResponsibility,
    ResponsibilityRole,
)
from apps.projects.plans import annual_plan_adjust, annual_plan_create
from apps.projects.responsibilities import responsibility_assign, responsibility_update
from apps.projects.services import project_create, project_update
from apps.workcalendar.periods import latest_report_period

from .columns import (
    BY_KEY,
    COLUMNS,
    CellError,
    ColumnSpec,
    cell_text,
    is_blank,
    parse_area,
    parse_bool,
    parse_choice,
    parse_code,
    parse_date,
    parse_money,
    parse_text,
    parse_years,
)
from .models import ImportJob
from .reader import RowError, Sheet, read_sheet

Progress = Callable[[str, int, int], None]  # (phase, done, total)
CHUNK = 500  # ids per IN (...) query: well under SQLite's parameter limit


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


# --- reference data, loaded once per import -------------------------------------------------

KIND_LABELS = {"department": "责任单位", "region": "乡镇（街道）/园区", "leader": "县级领导岗位"}


@dataclass(frozen=True)
class Pending:
    """A department, township or leader post the sheet names and the system lacks: offered for
    creation in the preview, created (apps/organization/services.py) only when the office confirms."""

    kind: str  # department, region, leader
    text: str

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def __str__(self) -> str:
        return f"{self.text}（新增{self.label}）"


class Unknown(CellError):
    def __init__(self, kind: str, text: str, message: str) -> None:
        super().__init__(message)
        self.pending = Pending(kind, text)


@dataclass
class Decisions:
    """What the office chose in the preview."""

    create: frozenset[tuple[str, str]] = frozenset()  # (kind, text) of the Pending to create
    match: dict[int, int] = field(default_factory=dict)  # row → project id: "the same project as …"
    new: frozenset[int] = frozenset()  # rows kept as new projects beside a near namesake

    @classmethod
    def from_json(cls, data: dict | None) -> Decisions:
        data = data or {}
        return cls(
            frozenset((k, t) for k, t in data.get("create", [])),
            {int(r): int(p) for r, p in (data.get("match") or {}).items()},
            frozenset(int(r) for r in data.get("new", [])),
        )


def _post(text: str) -> str:
    """县 and 区 posts alike: 常务副县长 is 常务副区长 (county and district offices share the software)."""
    post = _squash(text).replace("（", "(").replace("）", ")").replace("县", "区")
    # "副区长(农业)" is "分管农业副区长": the two ways offices write a deputy's portfolio.
    m = re.fullmatch(r"(副区长)\((?:分管)?(.+?)\)", post)
    return f"分管{m[2]}{m[1]}" if m else post


def _near_key(name: str) -> str:
    """ "东方天润油茶生产线项目" and "东方天润油茶生产线" are near namesakes."""
    key = re.sub(r"[\s()（）【】\[\]、，,.。·\-—_]", "", name or "")
    for suffix in ("建设项目", "项目", "工程"):
        key = key.removesuffix(suffix)
    return key


@dataclass
class References:
    categories: list[ProjectCategory]
    regions: list[Region]
    departments: list[Department]
    leaders: list[Leader]

    @classmethod
    def load(cls) -> References:
        return cls(
            list(ProjectCategory.objects.all()),
            list(Region.objects.all()),
            list(Department.objects.all()),
            list(Leader.objects.all()),
        )

    def category(self, text: str) -> ProjectCategory:
        word = _squash(text)
        for c in self.categories:
            if word in (c.name, c.code, c.name.removesuffix("项目")):
                return c
        stem = word.removesuffix("项目").removesuffix("类")
        if len(stem) >= 2:
            hits = [c for c in self.categories if c.name.startswith(stem)]
            if len(hits) == 1:
                return hits[0]
        names = "、".join(c.name for c in self.categories)
        raise CellError(f"“{text}”不是系统中的项目类别，应为：{names}。")

    def region(self, text: str) -> Region:
        word = _squash(text)
        exact = [r for r in self.regions if word in (r.name, r.code)]
        if len(exact) == 1:
            return exact[0]
        near = [r for r in self.regions if len(word) >= 2 and r.name.startswith(word)]
        if not exact and len(near) == 1:
            return near[0]
        if len(exact) > 1 or len(near) > 1:
            raise CellError(f"“{text}”对应多个区划，请写全称或行政区划代码。")
        raise Unknown("region", word, f"“{text}”不是系统中的乡镇（街道）或园区：请在导入预览中确认新增，或按系统中的名称填写。")

    def department(self, text: str) -> Department:
        word = _squash(text)
        hits = [d for d in self.departments if word == d.name] or [d for d in self.departments if word == d.short_name]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise CellError(f"简称“{text}”对应多个单位，请写单位全称。")
        raise Unknown("department", word, f"“{text}”不是系统中的责任单位：请在导入预览中确认新增该单位，或写系统中单位的全称或简称。")

    def leader(self, text: str) -> Leader:
        word = _squash(text).removesuffix("同志")
        inside = re.findall(r"[（(]([^()（）]+)[)）]", word)
        outside = re.sub(r"[（(][^()（）]*[)）]", "", word)
        # The system keeps posts, not personal names: "张三（常务副县长）" is matched by its post.
        for same in (lambda a, b: a == _squash(b), lambda a, b: _post(a) == _post(b)):
            for candidate in (word, *inside, outside):
                for leader in self.leaders:
                    if candidate and same(candidate, leader.position):
                        return leader
        post = next((c for c in (*inside, outside, word) if re.search(r"(书记|县长|区长|主任|部长|主席|政委|院长|检察长)", c)), word)
        example = self.leaders[0].position if self.leaders else "常务副县长"
        raise Unknown("leader", post, f"“{text}”不是系统中的县级领导岗位：请在导入预览中确认新增该岗位，或填写已有职务，如“{example}”。")

    def county(self) -> Region | None:
        counties = [r for r in self.regions if r.kind == "county"]
        return counties[0] if len(counties) == 1 else None


# --- validation -----------------------------------------------------------------------------


@dataclass
class RowPlan:
    """What one valid row will write."""

    number: int
    name: str
    project: Project | None
    project_data: dict[str, Any] = field(default_factory=dict)
    plan_data: dict[str, Any] = field(default_factory=dict)
    existing_plan: AnnualPlan | None = None  # the year's plan as read while validating (its version)
    leader: Leader | None = None
    leader_resp: ProjectResponsibility | None = None
    department: Department | None = None
    department_resp: ProjectResponsibility | None = None
    checkable: bool = True  # no error so far: worth validating as a whole
    warnings: list[str] = field(default_factory=list)  # defaults taken, facts brought along
    near: tuple[int, str] | None = None  # (id, name) of a near namesake, for the office to choose
    role_from_nature: bool = False
    progress_values: dict[str, Any] = field(default_factory=dict)  # the completion cells, parsed
    progress_data: dict[str, Any] = field(default_factory=dict)  # what the month's report gets
    report: ProgressReport | None = None  # the month's report as read while validating

    @property
    def changes(self) -> bool:
        return bool(self.project_data or self.plan_data or self.leader or self.department or self.progress_data)


@dataclass
class Validation:
    plans: list[RowPlan]
    errors: list[RowError]
    year: int
    warnings: list[RowError] = field(default_factory=list)
    creations: dict[Pending, list[int]] = field(default_factory=dict)
    report_year: int | None = None
    month: int | None = None  # the month the completion columns write, None without them
    source: str = ""  # the file, named in the reports' history and corrections


# Project fields the import never sets through `project_data` directly.
_FK_FIELDS = ["category", "region", "parent", "created_by"]


def _project_field_header(sheet: Sheet) -> dict[str, str]:
    headers = {}
    for column in sheet.columns.values():
        spec = column.spec
        if spec.target in ("project", "flag") and spec.field:
            headers[spec.field] = column.header
    if "years" in sheet.columns:
        headers["start_year"] = headers["end_year"] = sheet.columns["years"].header
    return headers


def _field_errors(exc: ValidationError, headers: dict[str, str], model) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not hasattr(exc, "error_dict"):
        return [("", m) for m in exc.messages]
    for name, messages in exc.message_dict.items():
        if name in headers:
            column = headers[name]
        elif name in ("__all__", "non_field_errors"):
            column = ""
        else:
            try:
                column = str(model._meta.get_field(name).verbose_name)
            except Exception:  # a key that is no field: show the message alone
                column = ""
        out.extend((column, m) for m in messages)
    return out


def _parse_cell(spec: ColumnSpec, value: Any, unit, refs: References) -> Any:
    kind = spec.kind
    if kind == "text":
        return parse_text(value, spec)
    if kind == "money":
        return parse_money(value, unit)
    if kind == "area":
        return parse_area(value)
    if kind == "code":
        return parse_code(value)
    if kind == "bool":
        return parse_bool(value)
    if kind == "years":
        return parse_years(value)
    if kind == "date":
        return parse_date(value, end_of_month=spec.end_of_month)
    if kind == "choice":
        return parse_choice(value, spec)
    if kind == "category":
        return refs.category(cell_text(value))
    if kind == "region":
        return refs.region(cell_text(value))
    if kind == "department":
        return refs.department(cell_text(value))
    if kind == "leader":
        return refs.leader(cell_text(value))
    return None


def _existing_projects(codes: set[str], names: set[str]) -> tuple[dict[str, Project], dict[str, list[Project]]]:
    by_code: dict[str, Project] = {}
    by_name: dict[str, list[Project]] = {}
    seen: set[int] = set()
    found: list[Project] = []
    for chunk in _chunks(sorted(codes)):
        found.extend(Project.objects.filter(primary_code__in=chunk))
    for chunk in _chunks(sorted(names)):
        found.extend(Project.objects.filter(name__in=chunk))
    for p in found:
        if p.pk in seen:
            continue
        seen.add(p.pk)
        if p.primary_code:
            by_code[p.primary_code] = p
        by_name.setdefault(p.name, []).append(p)
    return by_code, by_name


def _existing_links(project_ids: list[int], year: int) -> tuple[dict[int, AnnualPlan], dict[tuple[int, str], ProjectResponsibility]]:
    plans: dict[int, AnnualPlan] = {}
    resps: dict[tuple[int, str], ProjectResponsibility] = {}
    roles = (ResponsibilityRole.LEAD_LEADER, ResponsibilityRole.LEAD_DEPT)
    for chunk in _chunks(project_ids):
        for plan in AnnualPlan.objects.filter(project_id__in=chunk, year=year):
            plans[plan.project_id] = plan
        for resp in ProjectResponsibility.objects.filter(project_id__in=chunk, role__in=roles).order_by("-is_primary", "id"):
            resps.setdefault((resp.project_id, resp.role), resp)
    return plans, resps


def _differs(obj, name: str, value: Any) -> bool:
    """Would writing `value` change `obj.name`? Foreign keys compare by id (no query per row)."""
    if hasattr(value, "_meta"):
        return getattr(obj, f"{name}_id") != value.pk
    return getattr(obj, name) != value


def _group_value(groups: list[str], parse: Callable[[str], Any]) -> Any:
    """The innermost heading ("一、产业项目（12个）", "二、续建项目") that names a value, if any."""
    for label in reversed(groups):
        try:
            return parse(label)
        except CellError:
            continue
    return None


def _role_from_label(label: str) -> str:
    return parse_choice(label, BY_KEY["annual_role"])


NATURE_AS_ROLE = dataclasses.replace(
    BY_KEY["annual_role"],
    header="建设性质",
    choices=tuple((v, (*words, "新建") if v == "new" else words) for v, words in BY_KEY["annual_role"].choices),
)


def _nature_means_role(sheet: Sheet) -> bool:
    """Offices write 新建/续建 in 建设性质 and mean the year's role: a column holding any role word
    that is no construction nature (续建, 新开工) is read as 年度属性 throughout."""
    if "nature" not in sheet.columns:
        return False
    for row in sheet.rows:
        raw = row.cells.get("nature")
        if is_blank(raw):
            continue
        try:
            parse_choice(raw, BY_KEY["nature"])
        except CellError:
            try:
                parse_choice(raw, NATURE_AS_ROLE)
            except CellError:
                continue
            return True
    return False


def _default_for_new(key: str, data: dict[str, Any], year: int, refs: References, role: str | None = None) -> tuple[Any, str] | None:
    """A sensible value for a field a new project needs and the sheet leaves out, with the warning
    the preview shows; None where no default is sensible (项目类别)."""
    if key == "region":
        county = refs.county()
        if county is None:
            return None
        return county, f"未填所在乡镇（街道），暂记为“{county.name}”（全县），请在项目中补充。"
    if key == "mode":
        gov = data.get("investor_type", "gov") == "gov"
        mode = "approval" if gov else "filing"
        return mode, f"未填投资管理方式，按投资主体暂记为“{dict(InvestmentMode.choices)[mode]}”，请核对。"
    if key == "years":
        dates = [data.get(f) for f in ("actual_start", "planned_start")]
        # A 续建 project began before this year; any other new one this year.
        start = next((d.year for d in dates if d), year - 1 if role == "cont" else year)
        finish = data.get("planned_finish")
        end = max(finish.year if finish else year, start)
        return (start, end), f"未填建设起止年限，暂记为 {start}-{end} 年，请核对。"
    return None


def _shown_value(model, name: str, value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, Pending):
        return str(value)
    try:
        f = model._meta.get_field(name)
    except Exception:
        return str(value)
    if f.choices:
        return str(dict(f.choices).get(value, value))
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def sheet_validate(
    *,
    actor: Actor,
    sheet: Sheet,
    year: int,
    today: dt.date | None = None,
    progress: Progress | None = None,
    preview: bool = False,
    decisions: Decisions | None = None,
    report_month: int | None = None,
    source: str = "",
) -> Validation:
    """Check every row of `sheet`; nothing is written. Errors carry the Excel row and the column header.

    `preview`: unknown departments, townships and leader posts and near namesakes are offered (not
    errors); otherwise they are errors unless `decisions` settles them."""
    refs = References.load()
    today = today or timezone.localdate()
    decisions = decisions or Decisions()
    errors: list[RowError] = list(sheet.errors)
    warnings: list[RowError] = []
    headers = _project_field_header(sheet)
    columns = sheet.columns
    header = sheet.header_of
    year = sheet.plan_year or year
    nature_role = _nature_means_role(sheet)
    if nature_role:
        warnings.append(
            RowError(None, header("nature"), "“建设性质”列填的是新建/续建等，按本年度的年度属性（新开工/续建）导入，不改项目的建设性质。")
        )
    creations: dict[Pending, list[int]] = {}

    # Pass 1: parse the cells of every row.
    parsed: list[tuple[int, dict[str, Any], list[str], set[str]]] = []
    codes: set[str] = set()
    names: set[str] = set()
    for i, row in enumerate(sheet.rows, start=1):
        if progress is not None:
            progress("validating", i, len(sheet.rows))  # the worker's sign of life, too
        values: dict[str, Any] = {}
        failed: set[str] = set()
        for key, raw in row.cells.items():
            if is_blank(raw):
                continue
            spec = BY_KEY[key]
            try:
                if key == "nature" and nature_role:
                    role = parse_choice(raw, NATURE_AS_ROLE)
                    if is_blank(row.cells.get("annual_role")):
                        values["annual_role"] = role
                        values["_role_from_nature"] = True
                    continue
                values[key] = _parse_cell(spec, raw, columns[key].unit, refs)
            except Unknown as exc:
                pending = exc.pending
                if preview or (pending.kind, pending.text) in decisions.create:
                    values[key] = pending
                    creations.setdefault(pending, []).append(row.number)
                else:
                    failed.add(key)
                    errors.append(RowError(row.number, header(key), str(exc)))
            except CellError as exc:
                failed.add(key)
                errors.append(RowError(row.number, header(key), str(exc)))
        if values.get("code"):
            codes.add(values["code"])
        if values.get("name"):
            names.add(values["name"])
        parsed.append((row.number, values, row.groups, failed))

    by_code, by_name = _existing_projects(codes, names)
    near_index: dict[str, list[tuple[int, str]]] = {}
    for pk, existing_name in Project.objects.values_list("pk", "name"):
        near_index.setdefault(_near_key(existing_name), []).append((pk, existing_name))
    matched_by_choice = {p.pk: p for p in Project.objects.filter(pk__in=list(decisions.match.values()))}

    # The month the completion columns report.
    # The header's month ("1-11月完成") first, then the month chosen at upload, else the month
    # whose report is due now (the month before this one).
    report_year, header_month = sheet.report_period
    if header_month:
        report_year, month = report_year or year, header_month
    elif report_month:
        report_year, month = report_year or year, report_month
    else:
        due = latest_report_period(today)
        report_year, month = report_year or due.year, due.month
    has_progress = any(c.spec.target == "progress" for c in columns.values())
    if has_progress and (report_year, month) > (today.year, today.month):
        errors.append(RowError(None, "", f"完成投资的报告期 {report_year}年{month}月 还没到，不能导入未来月份的完成投资。"))
        month = None
    elif not has_progress:
        month = None

    # Pass 2: match, check and build what each row writes.
    plans: list[RowPlan] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    missing_for_create: dict[str, list[int]] = {}
    for number, values, groups, failed in parsed:
        row_errors: list[RowError] = []
        row_warnings: list[str] = []

        def fail(key_or_header: str, message: str, number: int = number, row_errors: list = row_errors) -> None:
            column = header(key_or_header) if key_or_header in BY_KEY else key_or_header
            row_errors.append(RowError(number, column, message))

        name = values.get("name", "")
        if not name:
            fail("name", "项目名称不能为空。")
        code = values.get("code") or None
        legacy = values.get("legacy", False)
        if code:
            try:
                code = check_project_code(code, allow_legacy=legacy, today=today).code
            except ValidationError as exc:
                message = exc.messages[0]
                if getattr(exc, "code", "") == "shape":
                    message = SHAPE_MESSAGE + "如为旧编码，请在“是否旧编码”列填“是”。"
                fail("code", message)
                code = None
            if code and code in seen_codes:
                fail("code", f"项目代码与第 {seen_codes[code]} 行重复。")
            elif code:
                seen_codes[code] = number
        if name and not code and "code" not in values:
            if name in seen_names:
                fail("name", f"项目名称与第 {seen_names[name]} 行重复（两行都没有项目代码，无法区分）。")
            else:
                seen_names[name] = number

        project: Project | None = None
        near: tuple[int, str] | None = None
        if code and code in by_code:
            project = by_code[code]
        elif name:
            same = by_name.get(name, [])
            if len(same) > 1:
                fail("name", f"系统中有 {len(same)} 个同名项目，请填写项目代码以区分。")
            elif same:
                candidate = same[0]
                if code and candidate.primary_code and not candidate.code_is_legacy and candidate.primary_code != code:
                    fail(
                        "code",
                        f"系统中已有同名项目，但其项目代码为 {candidate.primary_code}，与表中的 {code} 不同；"
                        "如是同一项目，请先在系统中更正代码；如是不同项目，请修改项目名称。",
                    )
                else:
                    project = candidate
            elif number in decisions.match and decisions.match[number] in matched_by_choice:
                project = matched_by_choice[decisions.match[number]]
            elif number not in decisions.new:
                namesakes = [n for n in near_index.get(_near_key(name), []) if n[1] != name]
                if namesakes and preview:
                    near = namesakes[0]
                elif namesakes:
                    fail("name", f"系统中已有名称相近的项目“{namesakes[0][1]}”：请在导入预览中选择“是同一项目”或“新增项目”。")
        if project is not None:
            decision = decide(actor, "change", project)
            if not decision:
                fail("name", f"不能更新项目“{project.name}”：{decision.reason}")

        # The project's fields, as the sheet gives them.
        data: dict[str, Any] = {}
        for key, value in values.items():
            spec = BY_KEY.get(key)
            if spec is None or (spec.target != "project" and spec.target != "flag"):
                continue
            if key == "years":
                data["start_year"], data["end_year"] = value
            elif key == "code":
                data["primary_code"] = code
            elif key == "legacy":
                data["code_is_legacy"] = value
            elif spec.field:
                data[spec.field] = value
        if project is not None and number in decisions.match:
            data.pop("name", None)  # "the same project": it keeps the name it has in the ledger
        if "category" not in data and project is None:
            group_category = _group_value(groups, refs.category)
            if group_category is not None:
                data["category"] = group_category

        # A row already in error (a cell unreadable, an ambiguous match) is not checked further:
        # its first error is the one to fix.
        checkable = not row_errors and not failed
        if project is None:
            for key in ("category", "region", "mode", "years"):
                spec = BY_KEY[key]
                if spec.field not in data and key not in failed and not row_errors:
                    default = _default_for_new(key, data, year, refs, role=values.get("annual_role"))
                    if default is not None:
                        value, warning = default
                        if key == "years":
                            data["start_year"], data["end_year"] = value
                        else:
                            data[spec.field] = value
                        row_warnings.append(warning)
                    elif key in columns or (key == "category" and groups):
                        fail(key, f"新增项目必须填写“{spec.header}”。")
                    else:
                        missing_for_create.setdefault(key, []).append(number)
            if "code_is_legacy" in data and not data.get("primary_code"):
                data.pop("code_is_legacy")
            candidate = Project(**{k: v for k, v in data.items() if not isinstance(v, Pending)})
        else:
            data = {k: v for k, v in data.items() if isinstance(v, Pending) or _differs(project, k, v)}
            candidate = copy.copy(project)
            for k, v in data.items():
                if not isinstance(v, Pending):
                    setattr(candidate, k, v)
        # The 开工 facts (apps/projects/startfacts.py): a start date on a 未开工 project starts it, as
        # the project service does — shown in the preview; any other contradiction refuses the row.
        touched = {"actual_start", "build_status", "actual_finish"} & set(data)
        if touched:
            before_status = candidate.build_status
            startfacts.bring_status_along(candidate, touched)
            if candidate.build_status != before_status:
                data["build_status"] = candidate.build_status
                row_warnings.append("填写了开工时间，建设状态随之由“未开工”改为“已开工（在建）”。")
            if checkable:
                for found in startfacts.project_level(candidate, today=today):
                    fail(headers.get(found.project_field, ""), found.message)
        if checkable and (project is None or data):
            try:
                candidate.full_clean(exclude=_FK_FIELDS, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                for column, message in _field_errors(exc, headers, Project):
                    row_errors.append(RowError(number, column, message))

        plan_data = {BY_KEY[k].field: v for k, v in values.items() if k in BY_KEY and BY_KEY[k].target == "plan"}
        if plan_data and "annual_role" not in plan_data:
            role = _group_value(groups, _role_from_label)
            if role is not None:
                plan_data["annual_role"] = role

        progress_values = {k: v for k, v in values.items() if k in BY_KEY and BY_KEY[k].target == "progress"}
        plans.append(
            RowPlan(
                number,
                name,
                project,
                data,
                plan_data,
                leader=values.get("leader"),
                department=values.get("department"),
                checkable=checkable and not row_errors,
                warnings=row_warnings,
                near=near,
                role_from_nature=bool(values.get("_role_from_nature")),
                progress_values=progress_values if month else {},
            )
        )
        errors.extend(row_errors)

    for key, rows in missing_for_create.items():
        spec = BY_KEY[key]
        listed = "、".join(str(r) for r in rows[:10]) + ("等" if len(rows) > 10 else "")
        errors.append(
            RowError(
                None,
                spec.header,
                f"表中没有“{spec.header}”列，而第 {listed} 行（共 {len(rows)} 行）是系统中没有的新项目，新增项目必须填写“{spec.header}”。",
            )
        )

    # Annual plans, responsibilities and the month's reports of the matched projects, in one read each.
    matched = [p.project.pk for p in plans if p.project is not None]
    existing_plans, existing_resps = _existing_links(matched, year)
    reports = _existing_reports(matched) if month else {}
    for plan in plans:
        pid = plan.project.pk if plan.project is not None else None
        if plan.plan_data:
            current = existing_plans.get(pid) if pid else None
            missing = not plan.checkable
            if current is None and plan.role_from_nature and "annual_plan" not in plan.plan_data:
                # 新建/续建 without a plan amount: no plan to hang the role on this year.
                plan.plan_data.pop("annual_role", None)
                if not plan.plan_data:
                    plan.warnings.append(f"没有 {year} 年度计划投资，“建设性质”中的新建/续建未记入年度属性。")
            if not plan.plan_data:
                pass
            elif current is None:
                for key in ("annual_role", "annual_plan"):
                    if plan.checkable and BY_KEY[key].field not in plan.plan_data:
                        missing = True
                        errors.append(
                            RowError(plan.number, sheet.header_of(key), f"本行要新建 {year} 年度计划，必须填写“{BY_KEY[key].header}”。")
                        )
                candidate_plan = AnnualPlan(year=year, **plan.plan_data)
            else:
                plan.existing_plan = current
                plan.plan_data = {k: v for k, v in plan.plan_data.items() if _differs(current, k, v)}
                candidate_plan = copy.copy(current)
                for k, v in plan.plan_data.items():
                    setattr(candidate_plan, k, v)
            if plan.plan_data and not missing:
                plan_headers = {BY_KEY[k].field: sheet.header_of(k) for k in ("annual_plan", "annual_role", "annual_goal")}
                try:
                    candidate_plan.full_clean(exclude=["project"], validate_unique=False, validate_constraints=False)
                except ValidationError as exc:
                    errors.extend(RowError(plan.number, c, m) for c, m in _field_errors(exc, plan_headers, AnnualPlan))
        if pid:
            plan.leader_resp = existing_resps.get((pid, ResponsibilityRole.LEAD_LEADER))
            plan.department_resp = existing_resps.get((pid, ResponsibilityRole.LEAD_DEPT))
            if isinstance(plan.leader, Leader) and plan.leader_resp is not None and plan.leader_resp.leader_id == plan.leader.pk:
                plan.leader = None
            if (
                isinstance(plan.department, Department)
                and plan.department_resp is not None
                and plan.department_resp.department_id == plan.department.pk
            ):
                plan.department = None
        if plan.progress_values and month:
            error = _plan_completion(plan, sheet, report_year, month, reports.get(pid, []) if pid else [])
            if error:
                errors.append(error)

    errors.sort(key=lambda e: (e.row is not None, e.row or 0))
    return Validation(
        plans, errors, year, warnings=warnings, creations=creations, report_year=report_year if month else None, month=month, source=source
    )


def _existing_reports(project_ids: list[int]) -> dict[int, list[ProgressReport]]:
    found: dict[int, list[ProgressReport]] = {}
    for chunk in _chunks(project_ids):
        for report in ProgressReport.objects.filter(project_id__in=chunk).order_by("year", "month"):
            found.setdefault(report.project_id, []).append(report)
    return found


def _plan_completion(plan: RowPlan, sheet: Sheet, year: int, month: int, reports: list[ProgressReport]) -> RowError | None:
    """The month's figure from the completion columns: 本月完成 as it is; 1-N月/本年累计 less the
    approved months before it this year; 自开工累计 less the 期初累计 and every approved month
    before it. A figure that would be negative is refused, saying why."""
    values = plan.progress_values
    before = [r for r in reports if r.status == ReportStatus.APPROVED and (r.year, r.month) < (year, month)]
    current = next((r for r in reports if (r.year, r.month) == (year, month)), None)
    data: dict[str, Any] = {}
    if "done_month" in values:
        data["period_completed"] = values["done_month"]
    elif "done_year" in values:
        earlier = sum((r.period_completed for r in before if r.year == year), Decimal("0"))
        amount = values["done_year"] - earlier
        if amount < 0:
            return RowError(
                plan.number,
                sheet.header_of("done_year"),
                f"1-{month}月累计完成 {values['done_year']} 万元，小于已审核的1-{month - 1}月合计 {earlier} 万元，"
                "本月完成投资将为负数，请核对。",
            )
        data["period_completed"] = amount
    elif "done_since_start" in values:
        base = plan.project_data.get("carry_over_completed")
        if base is None:
            base = plan.project.carry_over_completed if plan.project is not None else Decimal("0")
        earlier = base + sum((r.period_completed for r in before), Decimal("0"))
        amount = values["done_since_start"] - earlier
        if amount < 0:
            return RowError(
                plan.number,
                sheet.header_of("done_since_start"),
                f"自开工累计完成 {values['done_since_start']} 万元，小于期初累计与已审核月份之和 {earlier} 万元，"
                "本月完成投资将为负数，请核对。",
            )
        data["period_completed"] = amount
    if values.get("image"):
        data["image_progress_text"] = values["image"]
    if not data:
        return None
    plan.report = current
    if current is not None:
        data = {k: v for k, v in data.items() if getattr(current, k) != v}
        if current.status == ReportStatus.SUBMITTED and data:
            return RowError(
                plan.number,
                sheet.header_of("done_year") if "done_year" in sheet.columns else "",
                f"{year}年{month}月的月报已由责任单位提交、待审核（本月完成 {current.period_completed} 万元），与表中的数字不同："
                "请先审核或退回该月报，再导入。",
            )
        if not data and current.status != ReportStatus.APPROVED:
            data = {"period_completed": current.period_completed}  # approve the figure as it stands
    plan.progress_data = data
    return None


# --- writing --------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0
    year: int | None = None
    sheet_name: str = ""
    unit: str = ""
    ignored_headers: list[str] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _create_confirmed(*, actor: Actor, creations: Iterable[Pending]) -> dict[Pending, Any]:
    """The departments, townships and leader posts the office confirmed in the preview."""
    from apps.organization.services import department_create, leader_create, region_create

    made: dict[Pending, Any] = {}
    for pending in creations:
        if pending.kind == "department":
            made[pending] = department_create(actor=actor, name=pending.text)
        elif pending.kind == "region":
            made[pending] = region_create(actor=actor, name=pending.text)
        else:
            made[pending] = leader_create(actor=actor, position=pending.text)
    return made


def _resolve(plan: RowPlan, made: dict[Pending, Any]) -> None:
    """Put the created rows where the plan holds their Pending."""
    for key, value in list(plan.project_data.items()):
        if isinstance(value, Pending):
            plan.project_data[key] = made[value]
    if isinstance(plan.leader, Pending):
        plan.leader = made[plan.leader]
    if isinstance(plan.department, Pending):
        plan.department = made[plan.department]


def _apply_row(*, actor: Actor, plan: RowPlan, year: int, generate_milestones: bool, validation: Validation | None = None) -> str:
    """Write one validated row through the services; return "created", "updated" or "unchanged"."""
    if not plan.changes:
        return "unchanged"
    # The row's project and plan are one change of the 开工 facts, judged together at the row's end
    # (a 开工时间 of last year and 续建 this year agree; each alone would not).
    with startfacts.checked_together():
        outcome, project = _write_row(actor=actor, plan=plan, year=year, generate_milestones=generate_milestones)
    if plan.progress_data and validation is not None and validation.month:
        # The month's figure through the monthly report's own services (apps/progress/services.py):
        # the office is the reviewer, so the imported figure is the approved one.
        from apps.progress.services import progress_report_import

        progress_report_import(
            actor=actor,
            project=project,
            year=validation.report_year,
            month=validation.month,
            data=plan.progress_data,
            source=f"导入调度表《{validation.source or '调度表'}》第{plan.number}行"[:200],
        )
    return outcome


def _write_row(*, actor: Actor, plan: RowPlan, year: int, generate_milestones: bool) -> tuple[str, Project]:
    if plan.project is None:
        project = project_create(actor=actor, data=plan.project_data, generate_milestones=generate_milestones).project
        outcome = "created"
    else:
        project = plan.project
        if plan.project_data:
            # The version read while validating: a project saved since is refused, not overwritten.
            project = project_update(actor=actor, project=project, data=plan.project_data, seen=project.version).project
        outcome = "updated"
    if plan.plan_data and plan.existing_plan is None:
        annual_plan_create(actor=actor, project=project, year=year, data=plan.plan_data, reason=f"Excel 调度表导入（第{plan.number}行）")
    elif plan.plan_data:
        # The version read while validating: a plan adjusted since then is refused, not overwritten.
        annual_plan_adjust(
            actor=actor,
            plan=plan.existing_plan,
            data=plan.plan_data,
            reason=f"Excel 调度表导入（第{plan.number}行）",
            expected=plan.existing_plan.revision,
        )
    for role, who, attr, existing in (
        (ResponsibilityRole.LEAD_LEADER, plan.leader, "leader", plan.leader_resp),
        (ResponsibilityRole.LEAD_DEPT, plan.department, "department", plan.department_resp),
    ):
        if who is None:
            continue
        if existing is None:
            responsibility_assign(actor=actor, project=project, data={"role": role, attr: who, "is_primary": True})
        else:
            # The sheet names the one 包保领导 / 牵头单位: the primary row changes hands, as the admin does it.
            responsibility_update(actor=actor, responsibility=existing, data={attr: who})
    return outcome, project


def sheet_apply(
    *,
    actor: Actor,
    validation: Validation,
    generate_milestones: bool = False,
    progress: Progress | None = None,
    headers: dict[str, str],
    skip: frozenset[int] | set[int] = frozenset(),
) -> ImportOutcome:
    """Write every row (but the refused ones in `skip`) in one transaction; a row a service refuses
    rolls all of them back."""
    outcome = ImportOutcome(total_rows=len(validation.plans), year=validation.year)
    plans = [p for p in validation.plans if p.number not in skip]
    total = len(plans)
    # The stored due items of the projects imported, written once at the end, in this transaction.
    with transaction.atomic(), due_items_deferred():
        try:
            made = _create_confirmed(actor=actor, creations=[p for p, rows in validation.creations.items() if set(rows) - skip])
        except (ValidationError, PermissionDenied) as exc:
            outcome.errors.append(RowError(None, "", "；".join(getattr(exc, "messages", [str(exc)]))))
            transaction.set_rollback(True)
            return outcome
        for i, plan in enumerate(plans, start=1):
            _resolve(plan, made)
            # No savepoint per row: a refusing service rolls back its own atomic block, and any
            # refusal rolls the whole import back below.
            try:
                result = _apply_row(
                    actor=actor, plan=plan, year=validation.year, generate_milestones=generate_milestones, validation=validation
                )
            except ValidationError as exc:
                outcome.errors.extend(RowError(plan.number, c, m) for c, m in _field_errors(exc, headers, Project))
            except PermissionDenied as exc:
                outcome.errors.append(RowError(plan.number, "", str(exc) or "没有权限。"))
            else:
                setattr(outcome, result, getattr(outcome, result) + 1)
            if progress is not None:
                progress("importing", i, total)
        if outcome.errors:
            transaction.set_rollback(True)
            outcome.created = outcome.updated = outcome.unchanged = 0
    return outcome


def sheet_import(
    *,
    actor: Actor,
    content: bytes,
    year: int | None = None,
    generate_milestones: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ImportOutcome:
    """Import a 调度表 (only the office may); raises SheetError when the file as a whole is refused."""
    require(actor, "create", ImportJob)
    today = today or timezone.localdate()
    sheet = read_sheet(content, progress=progress)
    if progress is not None:
        progress("validating", 0, len(sheet.rows))
    validation = sheet_validate(actor=actor, sheet=sheet, year=year or today.year, today=today, progress=progress)
    base = {
        "total_rows": len(sheet.rows),
        "year": validation.year,
        "sheet_name": sheet.name,
        "unit": sheet.unit_label,
        "ignored_headers": sheet.ignored_headers,
        "notes": sheet.notes,
    }
    if validation.errors:
        return ImportOutcome(errors=validation.errors, **base)
    outcome = sheet_apply(
        actor=actor,
        validation=validation,
        generate_milestones=generate_milestones,
        progress=progress,
        headers=_project_field_header(sheet),
    )
    for key, value in base.items():
        setattr(outcome, key, value)
    return outcome


# --- preview ----------------------------------------------------------------------------------

TARGET_CHOICES: list[tuple[str, str]] = [(c.key, c.header) for c in COLUMNS if c.target != "none"]


def _row_changes(plan: RowPlan) -> list[dict[str, str]]:
    """Each field the row changes, old → new, as the office reads them."""
    out: list[dict[str, str]] = []
    project = plan.project
    for name, value in plan.project_data.items():
        old = getattr(project, name, None) if project is not None else None
        if project is not None and name in ("category", "region"):
            old = getattr(project, name)
        out.append({"field": _label(Project, name), "old": _shown_value(Project, name, old), "new": _shown_value(Project, name, value)})
    existing = plan.existing_plan
    for name, value in plan.plan_data.items():
        old = getattr(existing, name) if existing is not None else None
        label = f"{_label(AnnualPlan, name)}（{existing.year if existing else '本'}年）"
        out.append({"field": label, "old": _shown_value(AnnualPlan, name, old), "new": _shown_value(AnnualPlan, name, value)})
    for who, resp, attr, label in (
        (plan.leader, plan.leader_resp, "leader", "包保领导"),
        (plan.department, plan.department_resp, "department", "责任单位"),
    ):
        if who is not None:
            old = getattr(resp, attr) if resp is not None else None
            out.append({"field": label, "old": "（空）" if old is None else str(old), "new": str(who)})
    report = plan.report
    for name, value in plan.progress_data.items():
        old = getattr(report, name) if report is not None else None
        out.append(
            {
                "field": _label(ProgressReport, name),
                "old": _shown_value(ProgressReport, name, old),
                "new": _shown_value(ProgressReport, name, value),
                "correction": bool(report is not None and report.status == ReportStatus.APPROVED),
            }
        )
    return out


def sheet_preview(*, actor: Actor, sheet: Sheet, **kwargs) -> dict[str, Any]:
    """The preview of `sheet` (nothing written). A row with a near namesake also shows what
    choosing "the same project" would change on it (old → new), so neither choice is blind."""
    validation = sheet_validate(actor=actor, sheet=sheet, preview=True, **kwargs)
    near = {p.number: p.near[0] for p in validation.plans if p.near}
    as_same: dict[int, list[dict[str, str]]] = {}
    if near:
        again = sheet_validate(actor=actor, sheet=sheet, preview=True, decisions=Decisions(match=near), **kwargs)
        as_same = {p.number: _row_changes(p) for p in again.plans if p.number in near and p.project is not None}
    return preview_of(validation, sheet, as_same=as_same)


def preview_of(validation: Validation, sheet: Sheet, as_same: dict[int, list[dict[str, str]]] | None = None) -> dict[str, Any]:
    """What confirming would write, row by row (new / changed / unchanged / refused), the
    references to create, the near namesakes to settle and the warnings; with a digest of it all so
    that confirming applies exactly what was shown (the data must not have changed since)."""
    by_row: dict[int, list[dict[str, str]]] = {}
    sheet_errors: list[dict] = []
    numbers = {p.number for p in validation.plans}
    for e in validation.errors:
        if e.row in numbers:
            by_row.setdefault(e.row, []).append(e.as_dict())
        else:
            sheet_errors.append(e.as_dict())
    rows = []
    counts = {"new": 0, "changed": 0, "unchanged": 0, "refused": 0}
    for plan in validation.plans:
        if plan.number in by_row:
            status = "refused"
        elif plan.project is None:
            status = "new"
        elif plan.changes:
            status = "changed"
        else:
            status = "unchanged"
        counts[status] += 1
        pending = sorted({str(v) for v in (*plan.project_data.values(), plan.leader, plan.department) if isinstance(v, Pending)})
        rows.append(
            {
                "row": plan.number,
                "name": plan.name,
                "status": status,
                "project": plan.project.pk if plan.project is not None else None,
                # In the digest: a project saved by anyone since the preview sends the office back
                # to a fresh preview instead of writing over what it did not see.
                "version": plan.project.version if plan.project is not None else None,
                "project_name": plan.project.name if plan.project is not None else "",
                "changes": [] if status == "refused" else _row_changes(plan),
                "reasons": [e["message"] if not e["column"] else f"{e['column']}：{e['message']}" for e in by_row.get(plan.number, [])],
                "warnings": plan.warnings,
                "pending": pending,
                "near": {"id": plan.near[0], "name": plan.near[1], "changes": (as_same or {}).get(plan.number, [])} if plan.near else None,
            }
        )
    columns = [{"header": c.header, "target": c.spec.header} for c in sorted(sheet.columns.values(), key=lambda c: c.index)]
    data = {
        "rows": rows,
        "counts": counts,
        "creations": [
            {"kind": p.kind, "label": p.label, "text": p.text, "rows": rows_of}
            for p, rows_of in sorted(validation.creations.items(), key=lambda i: (i[0].kind, i[0].text))
        ],
        "warnings": [w.as_dict() for w in validation.warnings],
        "sheet_errors": sheet_errors,
        "columns": columns,
        "ignored": list(sheet.ignored_headers),
        "year": validation.year,
        "period": f"{validation.report_year}年{validation.month}月" if validation.month else "",
    }
    data["digest"] = hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()
    return data
