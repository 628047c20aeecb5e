"""The office imports a 调度表 in a real browser: a file with one bad row is refused with the error
shown (row, column, message) and nothing imported; the fixed file imports; the new project is found
in the project list. Every page visited is saved as a screenshot."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook

from apps.projects.models import Project
from tests.browser.conftest import PHONE

NAME = "浏览器导入：城北片区雨污分流改造工程"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def office_sheet(*, bad: bool) -> bytes:
    """An office's sheet: title, unit row, header, a category heading, two projects, a 合计 row."""
    year = dt.date.today().year
    wb = Workbook()
    ws = wb.active
    ws.append([f"{year}年重点项目调度表"])
    ws.append(["单位：万元"])
    ws.append(
        [
            "序号",
            "项目名称",
            "项目代码",
            "投资管理方式",
            "属地",
            "建设起止年限",
            "计划总投资",
            "年度计划投资",
            "年度属性",
            "包保领导",
            "责任单位",
        ]
    )
    ws.append(["一、城市建设项目（2个）", None, None, None, None, None, 16800 if not bad else 6800, 5000])
    ws.append(
        [
            1,
            NAME,
            f"{year - 1}-433126-48-01-777001",
            "审批",
            "古阳镇",
            f"{year}-{year + 1}",
            12000,
            3000,
            "新开工",
            "分管城建副区长",
            "住建局",
        ]
    )
    ws.append(
        [
            2,
            "浏览器导入：老旧小区改造二期",
            None,
            "审批",
            "默戎镇",
            f"{year}-{year}",
            -5200 if bad else 4800,
            2000,
            "新开工",
            "分管城建副区长",
            "住建局",
        ]
    )
    ws.append(["合计", None, None, None, None, None, 16800 if not bad else 6800, 5000])
    ws.merge_cells("A1:K1")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def choose(page, content: bytes, name: str) -> None:
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": XLSX, "buffer": content}])


def test_the_office_fixes_a_bad_row_and_finds_the_imported_project(visit):
    v = visit()
    page = v.login("xmb")
    # the import page, from the menu
    page.click("nav >> text=导入调度表")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/import/")
    v.shot("import-page")

    # a sheet with a negative amount in row 6
    choose(page, office_sheet(bad=True), "调度表（有错）.xlsx")
    page.click("button:has-text('上传并预览')")
    page.wait_for_load_state("networkidle")
    assert "/import/jobs/" in page.url
    assert page.get_by_text("确认之前不会写入任何数据").is_visible()
    refused = page.locator("tr.preview-refused").inner_text()
    assert "第 6 行" in refused
    assert "计划总投资：金额不能为负数" in refused
    v.shot("import-preview-refused")
    assert not Project.objects.filter(name=NAME).exists()

    # the fixed sheet, uploaded from the same page
    page.click("text=放弃，重新上传")
    page.wait_for_load_state("networkidle")
    choose(page, office_sheet(bad=False), "调度表（改正后）.xlsx")
    page.click("button:has-text('上传并预览')")
    page.wait_for_load_state("networkidle")
    assert "新增 2" in page.locator(".import-preview .summary").inner_text()
    v.shot("import-preview")
    page.click("button:has-text('确认导入')")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="导入成功").is_visible()
    assert "新增 2 个" in page.locator(".summary").inner_text()
    v.shot("import-success")

    # the project list finds the new project by name
    page.click("text=查看项目台账")
    page.wait_for_load_state("networkidle")
    v.shot("project-list")
    v.goto("/projects/?search=" + "雨污分流")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(NAME).first.is_visible()
    v.shot("project-list-search")
    # and its dossier carries what the sheet said
    page.click(f"text={NAME}")
    page.wait_for_load_state("networkidle")
    project = Project.objects.get(name=NAME)
    assert page.url.endswith(f"/projects/{project.pk}/")
    assert page.get_by_text("分管城建副区长").first.is_visible()
    v.shot("project-dossier")
    assert project.total_investment == 12000


def test_the_import_page_and_its_error_table_fit_a_phone(visit):
    v = visit(PHONE)
    page = v.login("xmb")
    v.goto("/import/")
    v.shot("import-page-phone")
    choose(page, office_sheet(bad=True), "调度表.xlsx")
    page.click("button:has-text('上传并预览')")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("金额不能为负数").first.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width
    v.shot("import-errors-phone")


def test_a_department_user_sees_no_import_link_and_is_refused(visit):
    v = visit()
    page = v.login("zjj")
    assert page.locator("nav >> text=导入调度表").count() == 0
    v.goto("/import/")
    assert page.get_by_text("只有项目办可以导入调度表").first.is_visible()
    v.shot("import-refused")


def test_a_large_import_shows_its_progress_and_then_the_summary(visit, settings):
    from unittest import mock

    from apps.sheets.models import ImportJob
    from apps.sheets.tasks import import_sheet_task

    settings.SHEETS_IMPORT_INLINE_BYTES = 1024  # anything larger goes to a worker
    year = dt.date.today().year
    wb = Workbook()
    ws = wb.active
    ws.append(["项目名称", "投资管理方式", "属地", "项目类别", "建设起止年限", "计划总投资"])
    for i in range(1, 31):
        ws.append([f"浏览器批量导入项目{i:02d}", "备案", "工业集中区", "产业发展项目", f"{year}-{year + 1}", 1000 + i])
    buf = io.BytesIO()
    wb.save(buf)
    v = visit()
    page = v.login("xmb")
    v.goto("/import/")
    v.shot("import-page")
    # the message to the broker is held back: this test plays the worker itself
    with mock.patch.object(import_sheet_task, "apply_async") as publish:
        choose(page, buf.getvalue(), "大表.xlsx")
        page.click("button:has-text('上传并预览')")
        page.wait_for_load_state("networkidle")
    publish.assert_called_once()
    assert page.locator("#import-progress .progress").is_visible()
    v.shot("import-queued")
    # when the worker has checked the file, the polling page turns into the preview by itself
    job = ImportJob.objects.get(file_name="大表.xlsx")
    assert import_sheet_task(job.pk) == "preview"
    page.get_by_text("确认之前不会写入任何数据").wait_for(timeout=15_000)
    v.shot("import-preview")
    with mock.patch.object(import_sheet_task, "apply_async"):
        page.click("button:has-text('确认导入')")
        page.wait_for_load_state("networkidle")
    assert import_sheet_task(job.pk) == "succeeded"
    page.get_by_role("heading", name="导入成功").wait_for(timeout=15_000)
    assert "新增 30 个" in page.locator(".summary").inner_text()
    v.shot("import-finished")
