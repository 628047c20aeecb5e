"""Helpers for the 调度表 tests: workbooks built in the test with openpyxl, as offices make them."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest
from openpyxl import Workbook

from tests.factories import UserFactory


def xlsx(rows: Sequence[Sequence], *, merges: Sequence[str] = (), title: str = "调度表") -> bytes:
    """A workbook whose first sheet holds `rows` from A1 (None = empty cell), with merged ranges."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEADER = [
    "序号",
    "项目名称",
    "项目代码",
    "项目类别",
    "投资管理方式",
    "所在乡镇（街道）",
    "建设起止年限",
    "计划总投资",
    "2026年计划投资",
    "年度属性",
    "包保领导",
    "责任单位",
]


def row(
    n: int,
    name: str,
    *,
    code: str | None = None,
    total=10000,
    annual=3000,
    category="基础设施项目",
    region="古阳镇",
    leader="常务副区长",
    dept="住建局",
):
    return [n, name, code, category, "审批", region, "2025-2027", total, annual, "续建", leader, dept]


def tidy(rows: Sequence[Sequence], header: Sequence[str] = HEADER) -> bytes:
    return xlsx([["2026年重点项目调度表"], ["单位：万元"], list(header), *rows], merges=[f"A1:{chr(64 + len(header))}1"])


@pytest.fixture
def office(reference):
    return UserFactory(username="xmb-sheets", role="office")


@pytest.fixture
def dept_user(reference):
    from apps.organization.models import Department

    return UserFactory(username="zjj-sheets", role="department", department=Department.objects.get(short_name="住建局"))
