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
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.policy import decide, require
from apps.organization.models import Department, Leader, Region
from apps.projects import startfacts
from apps.projects.codes import SHAPE_MESSAGE, check_project_code
from apps.projects.models import AnnualPlan, Project, ProjectCategory, ProjectResponsibility, ResponsibilityRole
from apps.projects.plans import annual_plan_adjust, annual_plan_create
from apps.projects.responsibilities import responsibility_assign, responsibility_update
from apps.projects.services import project_create, project_update

from .columns import (
    BY_KEY,
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
        raise CellError(f"“{text}”不是系统中的乡镇（街道）或园区，请按系统中的名称填写（或先由管理员在后台添加该区划）。")

    def department(self, text: str) -> Department:
        word = _squash(text)
        hits = [d for d in self.departments if word == d.name] or [d for d in self.departments if word == d.short_name]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise CellError(f"简称“{text}”对应多个单位，请写单位全称。")
        raise CellError(f"“{text}”不是系统中的责任单位，请写单位全称或简称（或先由管理员在后台添加该单位）。")

    def leader(self, text: str) -> Leader:
        word = _squash(text).removesuffix("同志")
        inside = re.findall(r"[（(]([^()（）]+)[)）]", word)
        outside = re.sub(r"[（(][^()（）]*[)）]", "", word)
        for candidate in (word, *inside, outside):
            for leader in self.leaders:
                if candidate and candidate == leader.position:
                    return leader
        raise CellError(f"“{text}”不是系统中的县级领导岗位，请填写职务，如“{self.leaders[0].position if self.leaders else '常务副区长'}”。")


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

    @property
    def changes(self) -> bool:
        return bool(self.project_data or self.plan_data or self.leader or self.department)


@dataclass
class Validation:
    plans: list[RowPlan]
    errors: list[RowError]
    year: int


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


def sheet_validate(*, actor, sheet: Sheet, year: int, today: dt.date | None = None, progress: Progress | None = None) -> Validation:
    """Check every row of `sheet`; nothing is written. Errors carry the Excel row and the column header."""
    refs = References.load()
    errors: list[RowError] = list(sheet.errors)
    headers = _project_field_header(sheet)
    columns = sheet.columns
    header = sheet.header_of
    year = sheet.plan_year or year

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
                values[key] = _parse_cell(spec, raw, columns[key].unit, refs)
            except CellError as exc:
                failed.add(key)
                errors.append(RowError(row.number, header(key), str(exc)))
        if values.get("code"):
            codes.add(values["code"])
        if values.get("name"):
            names.add(values["name"])
        parsed.append((row.number, values, row.groups, failed))

    by_code, by_name = _existing_projects(codes, names)

    # Pass 2: match, check and build what each row writes.
    plans: list[RowPlan] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    missing_for_create: dict[str, list[int]] = {}
    for number, values, groups, failed in parsed:
        row_errors: list[RowError] = []

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
        if project is not None:
            decision = decide(actor, "change", project)
            if not decision:
                fail("name", f"不能更新项目“{project.name}”：{decision.reason}")

        # The project's fields, as the sheet gives them.
        data: dict[str, Any] = {}
        for key, value in values.items():
            spec = BY_KEY[key]
            if spec.target != "project" and spec.target != "flag":
                continue
            if key == "years":
                data["start_year"], data["end_year"] = value
            elif key == "code":
                data["primary_code"] = code
            elif key == "legacy":
                data["code_is_legacy"] = value
            elif spec.field:
                data[spec.field] = value
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
                    if key in columns or (key == "category" and groups):
                        fail(key, f"新增项目必须填写“{spec.header}”。")
                    else:
                        missing_for_create.setdefault(key, []).append(number)
            if "code_is_legacy" in data and not data.get("primary_code"):
                data.pop("code_is_legacy")
            candidate = Project(**data)
        else:
            data = {k: v for k, v in data.items() if _differs(project, k, v)}
            candidate = copy.copy(project)
            for k, v in data.items():
                setattr(candidate, k, v)
        if checkable and (project is None or data):
            try:
                candidate.full_clean(exclude=_FK_FIELDS, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                for column, message in _field_errors(exc, headers, Project):
                    row_errors.append(RowError(number, column, message))

        plan_data = {BY_KEY[k].field: v for k, v in values.items() if BY_KEY[k].target == "plan"}
        if plan_data and "annual_role" not in plan_data:
            role = _group_value(groups, _role_from_label)
            if role is not None:
                plan_data["annual_role"] = role

        plans.append(
            RowPlan(
                number,
                name,
                project,
                data,
                plan_data,
                leader=values.get("leader"),
                department=values.get("department"),
                checkable=checkable,
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

    # Annual plans and responsibilities of the matched projects, in one read each.
    matched = [p.project.pk for p in plans if p.project is not None]
    existing_plans, existing_resps = _existing_links(matched, year)
    for plan in plans:
        pid = plan.project.pk if plan.project is not None else None
        if plan.plan_data:
            current = existing_plans.get(pid) if pid else None
            missing = not plan.checkable
            if current is None:
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
            if plan.leader is not None and plan.leader_resp is not None and plan.leader_resp.leader_id == plan.leader.pk:
                plan.leader = None
            if (
                plan.department is not None
                and plan.department_resp is not None
                and plan.department_resp.department_id == plan.department.pk
            ):
                plan.department = None

    errors.sort(key=lambda e: (e.row is not None, e.row or 0))
    return Validation(plans, errors, year)


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


def _apply_row(*, actor, plan: RowPlan, year: int, generate_milestones: bool) -> str:
    """Write one validated row through the services; return "created", "updated" or "unchanged"."""
    if not plan.changes:
        return "unchanged"
    # The row's project and plan are one change of the 开工 facts, judged together at the row's end
    # (a 开工时间 of last year and 续建 this year agree; each alone would not).
    with startfacts.checked_together():
        return _write_row(actor=actor, plan=plan, year=year, generate_milestones=generate_milestones)


def _write_row(*, actor, plan: RowPlan, year: int, generate_milestones: bool) -> str:
    if plan.project is None:
        project = project_create(actor=actor, data=plan.project_data, generate_milestones=generate_milestones).project
        outcome = "created"
    else:
        project = plan.project
        if plan.project_data:
            project = project_update(actor=actor, project=project, data=plan.project_data).project
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
    return outcome


def sheet_apply(
    *, actor, validation: Validation, generate_milestones: bool = False, progress: Progress | None = None, headers: dict[str, str]
) -> ImportOutcome:
    """Write every row in one transaction; a row a service refuses rolls all of them back."""
    outcome = ImportOutcome(total_rows=len(validation.plans), year=validation.year)
    total = len(validation.plans)
    with transaction.atomic():
        for i, plan in enumerate(validation.plans, start=1):
            # No savepoint per row: a refusing service rolls back its own atomic block, and any
            # refusal rolls the whole import back below.
            try:
                result = _apply_row(actor=actor, plan=plan, year=validation.year, generate_milestones=generate_milestones)
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
    actor,
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
