"""A county office imports its own 调度表 as it keeps it, at 1280×800 and at 390×844: title row, unit
row, two-row merged headers, category headings, 小计, blank rows, 合计, 县 posts, 新建/续建 in
建设性质, a department the system lacks, no 乡镇 column, "2026年/1-11月完成" and 形象进度, and one
column the importer does not know. The office maps that column once, reads the preview, confirms;
the November figure lands as the approved report (in the database and on the dossier). Next month's
sheet of the same layout goes straight to the preview."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from apps.organization.models import Department
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import Project
from apps.sheets.models import SheetLayout
from tests.browser.conftest import PHONE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LAPTOP = {"width": 1280, "height": 800}
OIL = "县调度：东方天润油茶精深加工生产线"
SEWAGE = "县调度：县城污水处理厂提标改造"
ROAD = "县调度：城南环线道路工程"


def county_sheet(month: int, done: tuple[int, int, int]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "重点项目"
    top = ["序号", "项目名称", "建设性质", "计划总投资", "2026年计划投资", "2026年", None, "包保领导", "责任单位", "项目主体", "调度人"]
    sub = [None, None, None, None, None, f"1-{month}月完成", "形象进度", None, None, None, None]
    ws.append(["2026年全县重点项目建设调度表"])
    ws.append(["单位：万元"])
    ws.append(top)
    ws.append(sub)
    ws.append(["一、产业发展项目（2个）", None, None, 30000, 9000, done[0] + done[1]])
    ws.append([1, OIL, "新建", 10000, 3000, done[0], "主体厂房封顶", "常务副县长", "林业局", "东方天润公司", "张三"])
    ws.append([2, SEWAGE, "续建", 20000, 6000, done[1], "设备安装调试", "副县长（农业）", "住建局", "县城投公司", "李四"])
    ws.append(["小计", None, None, 30000, 9000, done[0] + done[1]])
    ws.append([None])
    ws.append(["二、基础设施项目（1个）", None, None, 8000, 2000, done[2]])
    ws.append([3, ROAD, "续建", 8000, 2000, done[2], "路基完成80%", "县长", "交通局", "县交投公司", "王五"])
    ws.append(["合计", None, None, 38000, 11000, sum(done)])
    for rng in ("A1:K1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:G3", "H3:H4", "I3:I4", "J3:J4", "K3:K4"):
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(v, content: bytes, name: str) -> None:
    page = v.goto("/import/")
    page.fill("input[name=year]", "2026")
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": XLSX, "buffer": content}])
    page.click("button:has-text('上传并预览')")
    page.wait_for_load_state("networkidle")


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1, width


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["desktop", "phone"])
def test_a_county_sheet_is_mapped_previewed_confirmed_and_next_month_goes_straight_through(visit, viewport):
    v = visit(viewport)
    page = v.login("xmb")

    # November's sheet: one mapping step for the columns the importer does not know
    upload(v, county_sheet(11, (1200, 2800, 900)), "11月调度表.xlsx")
    assert page.get_by_role("heading", name="第一步：核对列的对应").is_visible()
    assert "1-11月完成" in page.locator("table.import-columns").inner_text()
    fits(page, viewport)
    v.shot("mapping")
    page.select_option("select[name=map-0]", label="建设单位")  # 项目主体
    page.select_option("select[name=map-1]", label="不导入（有意忽略）")  # 调度人
    page.click("button:has-text('下一步：预览')")
    page.wait_for_load_state("networkidle")

    # the preview: nothing written yet, every choice on the page
    preview = page.locator(".import-preview")
    assert page.get_by_text("确认之前不会写入任何数据").is_visible()
    text = preview.inner_text()
    assert "新增 3" in text, text
    assert "不能导入 0" in text
    assert "完成投资记入 2026年11月" in text
    assert "新增责任单位“林业局”" in text
    assert "常务副区长" in text
    assert "分管农业副区长" in text
    assert "“建设性质”列填的是新建/续建" in text
    assert "未填所在乡镇（街道）" in text
    assert "本月完成投资（万元）：" in text
    assert "2800" in text
    assert not Project.objects.filter(name__startswith="县调度：").exists()
    fits(page, viewport)
    v.shot("preview")

    page.click("button:has-text('确认导入')")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="导入成功").is_visible()
    assert "新增 3 个" in page.locator(".summary").inner_text()
    v.shot("imported")

    # the completion column landed as November's approved report, through the report's services
    sewage = Project.objects.get(name=SEWAGE)
    report = ProgressReport.objects.get(project=sewage, year=2026, month=11)
    assert (report.status, report.period_completed, report.image_progress_text) == (
        ReportStatus.APPROVED,
        Decimal("2800"),
        "设备安装调试",
    )
    assert report.reviewed_by.username == "xmb"
    assert sewage.owner_unit == "县城投公司"  # the mapped column
    assert Department.objects.filter(name="林业局").exists()
    assert SheetLayout.objects.count() == 1

    # and on the dossier
    v.goto(f"/projects/{sewage.pk}/#reports")
    row = page.locator("#reports tr", has_text="2026年11月")
    assert "2,800.00" in row.inner_text()
    assert "审核通过" in row.inner_text()
    v.shot("dossier-reports")

    # December's sheet of the same layout: no mapping step, straight to the preview
    upload(v, county_sheet(12, (1500, 3300, 900)), "12月调度表.xlsx")
    assert page.get_by_role("heading", name="第二步：核对预览，确认后导入").is_visible()
    assert page.locator(".import-mapping").count() == 0
    text = page.locator(".import-preview").inner_text()
    assert "完成投资记入 2026年12月" in text
    v.shot("next-month-preview")
    page.click("button:has-text('确认导入')")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="导入成功").is_visible()
    december = ProgressReport.objects.get(project=sewage, year=2026, month=12)
    assert december.period_completed == Decimal("500")  # 1-12月 3300 less the approved November 2800
    road = Project.objects.get(name=ROAD)
    assert ProgressReport.objects.get(project=road, month=12).period_completed == Decimal("0")
    v.shot("next-month-imported")
