"""A county office's own 调度表 goes in as it is: 县 posts, 新建/续建 in 建设性质, a department the
system lacks, no 乡镇 column, "2026年/1-11月完成" and 形象进度 — no error for any of them, each shown
in the preview; confirming writes the rows, creates what the office ticked and records the month's
figure as the approved report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.organization.models import Department
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import AnnualPlan, Project
from apps.sheets.importer import Decisions, preview_of, sheet_apply, sheet_preview, sheet_validate
from apps.sheets.models import ImportJob, ImportStatus, SheetLayout
from apps.sheets.reader import read_sheet
from apps.sheets.services import import_job_confirm, import_job_create, import_job_map, import_job_run
from apps.stats.models import FigureCorrection
from tests.factories import ProjectFactory
from tests.sheets.conftest import xlsx

pytestmark = pytest.mark.django_db

TOP = ["序号", "项目名称", "建设性质", "项目类别", "计划总投资", "2026年计划投资", "2026年", None, "包保领导", "责任单位", "调度人"]
SUB = [None, None, None, None, None, None, "1-11月完成", "形象进度", None, None, None]
MERGES = ["A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:F4", "G3:H3", "I3:I4", "J3:J4", "K3:K4", "A1:K1"]


def county_sheet(rows, *, month: int = 11) -> bytes:
    sub = [*SUB]
    sub[6] = f"1-{month}月完成"
    return xlsx([["2026年全县重点项目调度表"], ["单位：万元"], TOP, sub, *rows], merges=MERGES)


ROWS = [
    ["一、产业项目（2个）", None, None, None, 30000, 9000, 4000, None, None, None, None],
    [1, "东方天润油茶生产线", "新建", "产业发展项目", 10000, 3000, 1200, "主体厂房封顶", "常务副县长", "林业局", "张三"],
    [2, "县城污水处理厂提标改造", "续建", "产业发展项目", 20000, 6000, 2800, "设备安装", "副县长（农业）", "住建局", None],
    [None, None, None, None, None, None, None, None, None, None, None],
    ["合计", None, None, None, 30000, 9000, 4000, None, None, None, None],
]


@pytest.fixture
def namesake(reference):
    return ProjectFactory(name="东方天润油茶生产线项目", total_investment=Decimal("45000"))


def test_a_county_sheet_previews_without_errors_and_shows_each_choice(office, namesake, frozen_today):
    sheet = read_sheet(county_sheet(ROWS), mapping={"调度人": ""})
    validation = sheet_validate(actor=office, sheet=sheet, year=2026, preview=True, source="县调度表.xlsx")
    preview = preview_of(validation, sheet)

    assert preview["sheet_errors"] == []
    assert [r["reasons"] for r in preview["rows"]] == [[], []]
    assert preview["period"] == "2026年11月"
    # 林业局 is offered for creation, not refused
    assert preview["creations"] == [{"kind": "department", "label": "责任单位", "text": "林业局", "rows": [6]}]
    first, second = preview["rows"]
    assert first["pending"] == ["林业局（新增责任单位）"]
    # the near namesake is flagged for the office to settle
    assert (first["near"]["id"], first["near"]["name"]) == (namesake.pk, "东方天润油茶生产线项目")
    # and what choosing "the same project" would change on it; it keeps its own name
    as_same = sheet_preview(actor=office, sheet=sheet, year=2026)["rows"][0]["near"]["changes"]
    assert {"field": "计划总投资（万元）", "old": "45000", "new": "10000"} in as_same
    assert not [c for c in as_same if c["field"] == "项目名称（全称）"]
    # 县 posts match the 区 posts of the system, by post and by portfolio
    leaders = {r["name"]: next(c["new"] for c in r["changes"] if c["field"] == "包保领导") for r in preview["rows"]}
    assert leaders == {"东方天润油茶生产线": "常务副区长", "县城污水处理厂提标改造": "分管农业副区长"}
    # 新建/续建 read as the year's role
    roles = {r["name"]: next(c["new"] for c in r["changes"] if c["field"].startswith("年度属性")) for r in preview["rows"]}
    assert roles == {"东方天润油茶生产线": "新开工项目", "县城污水处理厂提标改造": "续建项目"}
    assert any("建设性质" in w["message"] and "年度属性" in w["message"] for w in preview["warnings"])
    # no 乡镇 column and no 建设起止年限: defaults with a warning each
    assert any("未填所在乡镇" in w for w in first["warnings"])
    assert any("未填建设起止年限" in w for w in first["warnings"])
    # the completion column lands as November's figure
    figure = next(c for c in second["changes"] if c["field"] == "本月完成投资（万元）")
    assert (figure["old"], figure["new"]) == ("（空）", "2800")
    assert Project.objects.count() == 1  # nothing written


def test_confirming_creates_what_was_ticked_and_records_the_approved_month(office, namesake, frozen_today):
    sheet = read_sheet(county_sheet(ROWS), mapping={"调度人": ""})
    decisions = Decisions(create=frozenset({("department", "林业局")}), new=frozenset({6}))
    validation = sheet_validate(actor=office, sheet=sheet, year=2026, decisions=decisions, source="县调度表.xlsx")
    assert validation.errors == []
    outcome = sheet_apply(actor=office, validation=validation, headers={})
    assert (outcome.created, outcome.updated) == (2, 0), outcome.errors
    forestry = Department.objects.get(name="林业局")
    oil = Project.objects.get(name="东方天润油茶生产线")
    assert oil.responsibilities.filter(department=forestry).exists()
    assert AnnualPlan.objects.get(project=oil, year=2026).annual_role == "new"
    report = ProgressReport.objects.get(project=oil, year=2026, month=11)
    assert (report.status, report.period_completed, report.reviewed_by) == (ReportStatus.APPROVED, Decimal("1200"), office)
    assert report.image_progress_text == "主体厂房封顶"


def test_without_confirmation_an_unknown_department_is_never_created(office, reference, frozen_today):
    sheet = read_sheet(county_sheet(ROWS[1:2]), mapping={"调度人": ""})
    validation = sheet_validate(actor=office, sheet=sheet, year=2026, source="x.xlsx")
    assert any("林业局" in e.message for e in validation.errors)
    assert not Department.objects.filter(name="林业局").exists()


def test_a_cumulative_below_the_approved_months_is_refused_and_a_changed_month_is_a_correction(office, reference, frozen_today):
    project = ProjectFactory(name="县城污水处理厂提标改造")
    one = [[2, "县城污水处理厂提标改造", "续建", "产业发展项目", 20000, 6000, 2800, "设备安装", "常务副县长", "住建局", None]]
    sheet = read_sheet(county_sheet(one, month=10), mapping={"调度人": ""})
    assert sheet_apply(actor=office, validation=sheet_validate(actor=office, sheet=sheet, year=2026), headers={}).ok
    assert ProgressReport.objects.get(project=project, month=10).period_completed == Decimal("2800")

    lower = [[*one[0][:6], 2500, *one[0][7:]]]
    sheet = read_sheet(county_sheet(lower, month=11), mapping={"调度人": ""})
    errors = sheet_validate(actor=office, sheet=sheet, year=2026).errors
    assert [e.message for e in errors] == [
        "1-11月累计完成 2500.00 万元，小于已审核的1-10月合计 2800.00 万元，本月完成投资将为负数，请核对。"
    ]

    sheet = read_sheet(county_sheet(lower, month=10), mapping={"调度人": ""})
    preview = preview_of(sheet_validate(actor=office, sheet=sheet, year=2026, preview=True), sheet)
    change = next(c for c in preview["rows"][0]["changes"] if c["field"] == "本月完成投资（万元）")
    assert (change["old"], change["new"], change["correction"]) == ("2800", "2500", True)
    assert sheet_apply(actor=office, validation=sheet_validate(actor=office, sheet=sheet, year=2026, source="十月表.xlsx"), headers={}).ok
    report = ProgressReport.objects.get(project=project, month=10)
    assert report.period_completed == Decimal("2500")
    correction = FigureCorrection.objects.get(report=report, field="period_completed")
    assert (correction.old_value, correction.new_value) == ("2800.00", "2500.00")
    assert correction.reason.startswith("导入调度表《十月表.xlsx》")


def test_the_job_maps_once_previews_confirms_and_next_month_skips_the_mapping(office, namesake, frozen_today):
    job = import_job_create(actor=office, file_name="11月调度表.xlsx", content=county_sheet(ROWS), year=2026, preview=True)
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportStatus.MAPPING
    assert job.preview_data["unmapped"] == ["调度人"]
    job = import_job_map(actor=office, job=job, mapping={"调度人": ""})
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportStatus.PREVIEW
    assert Project.objects.count() == 1
    job = import_job_confirm(
        actor=office,
        job=job,
        digest=job.preview_data["digest"],
        decisions={"create": [["department", "林业局"]], "match": {"6": namesake.pk}},
    )
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    namesake.refresh_from_db()
    assert namesake.total_investment == Decimal("10000")  # matched by the office's choice
    assert SheetLayout.objects.count() == 1

    nxt = import_job_create(actor=office, file_name="12月调度表.xlsx", content=county_sheet(ROWS, month=11), year=2026, preview=True)
    nxt = import_job_run(job_id=nxt.pk)
    assert nxt.status == ImportStatus.PREVIEW  # same layout: no mapping step
    assert ImportJob.objects.filter(status=ImportStatus.MAPPING).count() == 0
