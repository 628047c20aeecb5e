"""A 5 000-row 调度表, generated here with openpyxl, imports through the Celery task in one go.
The time is printed and written to test-artifacts/sheets/import-5000.txt."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.db import connection
from openpyxl import Workbook

from apps.projects.models import AnnualPlan, Project, ProjectResponsibility
from apps.sheets.models import ImportStatus
from apps.sheets.services import import_job_create
from apps.sheets.tasks import import_sheet_task

pytestmark = pytest.mark.heavy  # its own stage of bin/test and .ci/run

N = 5000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "sheets"
CATEGORIES = ["基础设施项目", "城市建设项目", "产业发展项目", "社会民生项目"]
REGIONS = ["古阳镇", "默戎镇", "罗依溪镇", "红石林镇", "塔峪镇", "工业集中区", "经济开发区"]
LEADERS = ["常务副区长", "分管工业副区长", "分管城建副区长", "分管交通副区长"]
DEPTS = ["住建局", "交通局", "工信局", "水利局", "城投公司"]
MODES = ["审批", "核准", "备案"]
ROLES = ["新开工", "续建", "竣工"]


def generated_sheet(n: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["2026年重点项目调度表（生成）"])
    ws.append(["单位：万元"])
    ws.append(
        [
            "序号",
            "项目名称",
            "项目代码",
            "项目类别",
            "建设性质",
            "投资管理方式",
            "所在乡镇（街道）",
            "建设规模及主要建设内容",
            "建设起止年限",
        ]
        + ["计划开工日期", "计划总投资", "其中：固定资产投资", "2026年计划投资", "年度属性", "包保领导", "责任单位"]
    )
    for i in range(1, n + 1):
        total = 500 + (i * 37) % 90000
        ws.append(
            [i, f"生成项目{i:05d}", f"2025-433126-48-0{i % 3 + 1}-{i:06d}", CATEGORIES[i % 4], "新建", MODES[i % 3], REGIONS[i % 7]]
            + [f"建设内容{i}", "2025-2027", "2025-03-01", total, total, total // 3, ROLES[i % 3], LEADERS[i % 4], DEPTS[i % 5]]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_5000_row_sheet_imports_and_the_time_is_recorded(office):
    # given a generated 调度表 of N projects
    content = generated_sheet(N)
    job = import_job_create(actor=office, file_name="生成的5000行调度表.xlsx", content=content)
    # when the worker's task imports it
    started = time.perf_counter()
    status = import_sheet_task(job.pk)
    seconds = time.perf_counter() - started
    # then every project, plan and responsibility is there
    job.refresh_from_db()
    assert status == ImportStatus.SUCCEEDED, job.errors[:5]
    assert (job.created_count, job.total_rows) == (N, N)
    assert Project.objects.count() == N
    assert AnnualPlan.objects.filter(year=2026).count() == N
    assert ProjectResponsibility.objects.count() == 2 * N
    note = (
        f"{N} 行调度表导入（{connection.vendor}）：{seconds:.1f} 秒，每行 {seconds / N * 1000:.1f} 毫秒；文件 {len(content) / 1024:.0f} KB"
    )
    print("\n" + note)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"import-{N}-{connection.vendor}.txt").write_text(note + "\n", encoding="utf-8")
