"""An office's own 调度表 is not a tidy table: title, unit row, two-row merged header, category
headings and subtotals, a 合计 row, blank rows and notes. It is read as offices write it.

And a file that lies is not believed: rows, cells and merges are counted while the sheet streams and
refused at the caps whatever <dimension> says; zip bombs and zips whose sizes lie are refused while
inflating, never past the cap; a 100 000-row sheet's peak memory is measured in a subprocess."""

import io
import json
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from apps.projects.models import AnnualPlan, Project, ProjectResponsibility
from apps.sheets.importer import sheet_import
from apps.sheets.reader import SheetError, read_sheet
from tests.reminders.test_worker import _fails_if_hung
from tests.sheets.conftest import xlsx
from tests.sheets.rawxlsx import lying, many_rows, padded, raw_sheet, workbook

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "sheets"
SHEET = "xl/worksheets/sheet1.xml"
# apps/sheets/xlsxread.py's caps that are not settings (written out: main's code has no such module)
MAX_MEMBERS = 1000
MAX_MERGES = 20_000

CODE1 = "2025-433126-48-03-000101"
CODE3 = "2025-433126-48-01-000103"


def office_sheet(*, group1_total=2.3234, group1_count=2, grand_total=4.5734) -> bytes:
    """Amounts in 亿元; columns in an order of the office's own; categories from the headings."""
    head1 = [
        "序号",
        "项目名称",
        "责任单位",
        "建设规模及主要建设内容",
        "建设起止年限",
        "计划总投资",
        None,
        "2026年计划",
        None,
        "包保县领导",
        "项目编码",
        "属地",
        "投资管理方式",
        "年度属性",
        "联系人",
    ]
    head2 = [None, None, None, None, None, "合计", "其中：固定资产投资", "计划投资", "形象进度目标", None, None, None, None, None, None]
    rows = [
        ["2026年演示区重点项目建设调度表"],
        ["填报单位：发展和改革局（项目办）", None, None, None, None, None, None, None, None, None, "单位：亿元"],
        head1,
        head2,
        [None, "合计", None, None, None, grand_total, 4.0, 1.9],
        [f"一、产业项目（{group1_count}个）", None, None, None, None, group1_total, 2.0, 0.9],
        [
            1,
            "新能源电池材料项目",
            "经开区",
            "年产2万吨正极材料",
            "2025-2027",
            1.5,
            1.2,
            0.6,
            "厂房封顶",
            "分管工业副区长",
            CODE1,
            "经济开发区",
            "备案",
            "续建",
            "张三",
        ],
        [None] * 15,
        [
            2,
            "农产品冷链物流园",
            "经开区",
            "冷库3万吨",
            "2026-2027",
            0.8234,
            0.8,
            0.3,
            "完成冷库主体",
            None,
            None,
            "经济开发区",
            "备案",
            "新开工",
            "李四",
        ],
        ["二、基础设施项目（1个）", None, None, None, None, 2.25, 2, 1],
        [
            1,
            "城区主干道提质改造工程",
            "住建局",
            "道路3.2公里",
            "2025-2026",
            2.25,
            2,
            1,
            "全线通车",
            "分管城建副区长",
            CODE3,
            "古阳镇",
            "审批",
            "竣工",
            None,
        ],
        [None, "小计", None, None, None, 2.25, 2, 1],
        [],
        ["注：本表金额单位为亿元；“联系人”列仅供参考。"],
    ]
    merges = ["A1:O1", "F3:G3", "H3:I3", *[f"{c}3:{c}4" for c in "ABCDEJKLMNO"], "A6:E6", "A10:E10", "J7:J9"]
    return xlsx(rows, merges=merges)


def test_the_office_sheet_is_read_with_headings_checked_and_skipped(office, frozen_today):
    sheet = read_sheet(office_sheet())
    assert sheet.unit_label == "亿元"
    assert sheet.header_rows == (3, 4)
    assert [r.number for r in sheet.rows] == [7, 9, 11]
    assert sheet.columns["fixed"].header == "计划总投资／其中：固定资产投资"
    assert sheet.columns["annual_plan"].year == 2026
    assert sheet.columns["annual_goal"].year == 2026
    assert sheet.ignored_headers == ["联系人"]
    assert sheet.errors == []
    # the 包保领导 merged down rows 7–9 counts for both projects under it
    assert sheet.rows[1].cells["leader"] == "分管工业副区长"
    assert {s.kind for s in sheet.summaries} == {"total", "group", "subtotal"}


def test_the_office_sheet_imports_in_wan_with_categories_from_the_headings(office, frozen_today):
    # when
    outcome = sheet_import(actor=office, content=office_sheet())
    # then
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.updated) == (3, 0)
    battery = Project.objects.get(primary_code=CODE1)
    assert battery.total_investment == Decimal("15000.00")
    assert battery.fixed_asset_investment == Decimal("12000.00")
    assert battery.category.name == "产业发展项目"
    assert battery.region.name == "经济开发区"
    assert (battery.start_year, battery.end_year) == (2025, 2027)
    cold = Project.objects.get(name="农产品冷链物流园")
    assert cold.total_investment == Decimal("8234.00")
    assert cold.primary_code is None
    road = Project.objects.get(primary_code=CODE3)
    assert road.category.name == "基础设施项目"
    plan = AnnualPlan.objects.get(project=road, year=2026)
    assert (plan.annual_plan, plan.annual_role, plan.annual_goal) == (Decimal("10000.00"), "complete", "全线通车")
    leaders = dict(ProjectResponsibility.objects.filter(role="leader").values_list("project__name", "leader__position"))
    assert leaders == {
        "新能源电池材料项目": "分管工业副区长",
        "农产品冷链物流园": "分管工业副区长",
        "城区主干道提质改造工程": "分管城建副区长",
    }
    depts = dict(ProjectResponsibility.objects.filter(role="lead_dept").values_list("project__name", "department__short_name"))
    assert depts["城区主干道提质改造工程"] == "住建局"


def test_a_heading_whose_sum_disagrees_with_its_rows_is_an_error_and_nothing_is_imported(office, frozen_today):
    outcome = sheet_import(actor=office, content=office_sheet(group1_total=2.4, grand_total=4.65))
    assert not outcome.ok
    messages = [(e.row, e.column, e.message) for e in outcome.errors]
    assert (
        6,
        "计划总投资／合计",
        "分类行“一、产业项目（2个）”的计划总投资为 2.4 亿元，与其下 2 个项目逐项相加的 2.3234 亿元不符，请核对。",
    ) in messages
    assert any(row == 5 and "合计行" in m for row, _c, m in messages)
    assert Project.objects.count() == 0


def test_a_heading_whose_count_disagrees_is_an_error(office, frozen_today):
    outcome = sheet_import(actor=office, content=office_sheet(group1_count=3))
    assert [(e.row, e.message) for e in outcome.errors] == [
        (6, "分类行“一、产业项目（3个）”写明 3 个项目，但其下实际有 2 个项目行，请核对。")
    ]
    assert Project.objects.count() == 0


def test_a_rounded_total_in_yi_is_accepted_within_half_its_last_digit(office, frozen_today):
    # 4.5734 亿 shown as 4.57: off by 0.0034 亿, less than half of 0.01
    outcome = sheet_import(actor=office, content=office_sheet(grand_total=4.57))
    assert outcome.ok, outcome.errors


def test_annual_role_comes_from_a_heading_when_the_sheet_has_no_column(office, frozen_today):
    rows = [
        ["重点项目调度表"],
        ["单位：万元"],
        ["序号", "项目名称", "项目类别", "投资管理方式", "所在乡镇", "建设年限", "总投资", "年度计划投资"],
        ["一、续建项目（1个）"],
        [1, "续建甲", "基础设施", "审批", "古阳镇", "2025-2027", 5000, 2000],
        ["二、新开工项目（1个）"],
        [1, "新开乙", "产业", "备案", "默戎镇", "2026-2027", 3000, 1000],
        ["合计", None, None, None, None, None, 8000, 3000],
    ]
    outcome = sheet_import(actor=office, content=xlsx(rows))
    assert outcome.ok, outcome.errors
    roles = dict(AnnualPlan.objects.values_list("project__name", "annual_role"))
    assert roles == {"续建甲": "cont", "新开乙": "new"}
    assert Project.objects.get(name="新开乙").category.name == "产业发展项目"


def test_a_column_named_twice_is_refused(office):
    rows = [["项目名称", "计划总投资", "总投资"], ["甲", 1, 1]]
    with pytest.raises(SheetError, match="两列都是“计划总投资”"):
        read_sheet(xlsx(rows))


def test_a_header_merged_across_two_columns_is_one_column(office, frozen_today):
    rows = [["项目名称", None, "计划总投资"], ["甲", None, 100]]
    sheet = read_sheet(xlsx(rows, merges=["A1:B1"]))
    assert (sheet.columns["name"].index, sheet.columns["total"].index) == (1, 3)


@pytest.mark.parametrize(
    "value",
    [True, "#DIV/0!", "１２ 万元", float("inf"), "1e30", "2026-01-01"],
)
def test_odd_cells_are_row_errors_never_a_crash(office, frozen_today, value):
    from datetime import datetime

    rows = [
        ["项目名称", "计划总投资", "计划开工日期", "建设起止年限"],
        ["甲", value, value, value],
        ["乙", datetime(2026, 1, 1), 3.5, True],
    ]
    outcome = sheet_import(actor=office, content=xlsx(rows))
    assert isinstance(outcome.errors, list)
    assert Project.objects.count() == (0 if outcome.errors else Project.objects.count())


# --- what the file says about itself is not believed (apps/sheets/xlsxread.py) ---------------------------------------


@pytest.mark.parametrize("dimension", [None, "A1:B2", "A1:XFD1048576"])
def test_rows_are_counted_as_they_stream_whatever_the_dimension_says(settings, dimension):
    settings.SHEETS_IMPORT_MAX_ROWS = 100
    # 100 rows read whole, also under a false small or a false huge <dimension>
    sheet = read_sheet(many_rows(99, dimension=dimension))
    assert [r.number for r in sheet.rows] == list(range(2, 101))
    assert sheet.rows[-1].cells["name"] == "p99"
    # 101 rows: refused at the cap, saying it
    with pytest.raises(SheetError) as info:
        read_sheet(many_rows(100, dimension=dimension))
    assert str(info.value) == "工作表“调度表”超过 100 行（第 101 行仍有内容），一次最多导入 100 行，请分成几个文件。"


def test_formatted_empty_cells_count_and_a_row_is_refused_at_the_cell_cap_as_it_streams(settings):
    from openpyxl.utils import get_column_letter

    settings.SHEETS_IMPORT_MAX_CELLS = 1000
    # given a good sheet whose second row is formatted out to column XFD (16 384 empty cells)
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c><c r="B1" t="inlineStr"><is><t>计划总投资</t></is></c></row>'
    first = '<c r="A2" t="inlineStr"><is><t>甲</t></is></c><c r="B2"><v>100</v></c>'
    formatted = "".join(f'<c r="{get_column_letter(c)}2" s="1"/>' for c in range(3, 16385))
    styles = "<cellXfs count='2'><xf numFmtId='0'/><xf numFmtId='0' borderId='0'/></cellXfs>"
    content = workbook(raw_sheet(f'{header}<row r="2">{first}{formatted}</row>'), styles=styles)
    # when it is read, then the 1001st cell stops it, before the row is complete
    with _fails_if_hung(30, "格式化到 XFD 列的行"), pytest.raises(SheetError) as info:
        read_sheet(content)
    assert str(info.value) == (
        "工作表“调度表”的单元格超过 1000 个（含只设了格式的空单元格），一次最多读取 1000 个单元格："
        "请删去无关的行、列和格式后再导入，或分成几个文件。"
    )


def test_a_merge_over_the_whole_sheet_costs_nothing_and_too_many_merges_are_refused():
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c><c r="B1" t="inlineStr"><is><t>计划总投资</t></is></c></row>'
    data = '<row r="2"><c r="A2" t="inlineStr"><is><t>甲</t></is></c><c r="B2"><v>100</v></c></row>'
    whole = workbook(raw_sheet(header + data, after='<mergeCells><mergeCell ref="A3:XFD1048576"/></mergeCells>'))
    with _fails_if_hung(30, "合并单元格 A3:XFD1048576"):  # openpyxl's full load visits its 17 billion cells
        sheet = read_sheet(whole)
    assert [r.cells["name"] for r in sheet.rows] == ["甲"]
    many = "".join(f'<mergeCell ref="C{r}:D{r}"/>' for r in range(1, MAX_MERGES + 2))
    with pytest.raises(SheetError, match=f"合并单元格超过 {MAX_MERGES} 个"):
        read_sheet(workbook(raw_sheet(header + data, after=f"<mergeCells>{many}</mergeCells>")))


def test_an_entity_expansion_bomb_is_refused_unexpanded():
    laughs = (
        '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True))
        + "]>"
    )
    body = f'<?xml version="1.0"?>{laughs}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData></worksheet>'
    with _fails_if_hung(30, "实体扩展炸弹"), pytest.raises(SheetError, match="文件不是 Excel 工作簿"):
        read_sheet(workbook(body.encode()))


# --- zip bombs and lying zips ---------------------------------------------------------------


def test_a_highly_compressible_honest_member_is_refused_at_the_cap_without_inflating_it(settings):
    settings.SHEETS_IMPORT_MAX_INFLATED_BYTES = 20 * 1024 * 1024
    content = padded(many_rows(10), SHEET, 30 * 1024 * 1024)
    with pytest.raises(SheetError) as info:
        read_sheet(content)
    assert str(info.value) == (
        "文件解压后超过 20 MB（一次最多解压 20 MB），不像是一张调度表，无法导入。请删去无关的工作表、图片后再导入，或分成几个文件。"
    )
    assert getattr(info.value, "inflated", None) == 0  # its honest size was enough to refuse it
    # under the cap it is a ratio over a thousand to one: refused as a bomb, again before inflating
    settings.SHEETS_IMPORT_MAX_INFLATED_BYTES = 100 * 1024 * 1024
    with pytest.raises(SheetError, match="压缩比超过 100 倍") as info:
        read_sheet(content)
    assert getattr(info.value, "inflated", None) == 0


def test_a_member_whose_declared_size_lies_is_refused_when_it_inflates_past_it():
    # given a sheet of 10 rows followed by 300 MB of spaces, whose zip entry declares only the
    # 10 rows (and their CRC): zipfile alone would read the 10 rows and never notice
    honest = many_rows(10)
    declared = zipfile.ZipFile(io.BytesIO(honest)).getinfo(SHEET).file_size
    content = lying(padded(honest, SHEET, 300 * 1024 * 1024), SHEET, declared)
    assert zipfile.ZipFile(io.BytesIO(content)).read(SHEET) == zipfile.ZipFile(io.BytesIO(honest)).read(SHEET)
    # when it is read, then it is refused as soon as it inflates past its declared size
    with pytest.raises(SheetError) as info:
        read_sheet(content)
    assert str(info.value) == (
        "文件已损坏：其中的“xl/worksheets/sheet1.xml”解压后与文件中记录的大小或校验值不符，无法导入。请在 Excel 中打开并重新保存后再导入。"
    )
    assert getattr(info.value, "inflated", None) <= declared + 64 * 1024 + 4096  # one read past it


def test_a_zip_of_too_many_members_is_refused_before_inflating():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(MAX_MEMBERS):
            z.writestr(f"xl/media/{i}.bin", b"")
    with pytest.raises(SheetError, match=f"文件中有 {MAX_MEMBERS + 1} 个部件，超过 {MAX_MEMBERS} 个"):
        read_sheet(buf.getvalue())


# --- a 100 000-row sheet, measured in a subprocess ------------------------------------------

MEASURE = """
import json, sys, time
import django
django.setup()
from apps.sheets.reader import SheetError, read_sheet

def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith(key + ":"))

content = open(sys.argv[1], "rb").read()
with open("/proc/self/clear_refs", "w") as f:  # the peak (VmHWM) starts again from here
    f.write("5")
before = status("VmRSS")
started = time.perf_counter()
try:
    read_sheet(content)
    message = ""
except SheetError as exc:
    message = str(exc)
print(json.dumps({"seconds": time.perf_counter() - started, "before_mb": before, "peak_mb": status("VmHWM"), "message": message}))
"""


@pytest.mark.parametrize(("dimension", "label"), [(None, "没有 dimension"), ("A1:B2", "dimension 谎称 A1:B2")])
def test_a_100000_row_sheet_stops_at_the_row_cap_with_bounded_memory(tmp_path, dimension, label):
    # given 100 000 tiny rows (1.1 MB on disk) with no <dimension>, or a false small one
    path = tmp_path / "100000.xlsx"
    path.write_bytes(many_rows(100_000, dimension=dimension))
    # when a fresh process reads it (so its peak resident memory is this read's)
    env = {"DJANGO_SETTINGS_MODULE": "projects_mgmt.settings.test", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    # then it is refused at the cap, and reading it grew the process by a few tens of MB at most
    assert figures["message"] == "工作表“调度表”超过 50000 行（第 50001 行仍有内容），一次最多导入 50000 行，请分成几个文件。"
    grown = figures["peak_mb"] - figures["before_mb"]
    note = f"100000 行（{label}，{path.stat().st_size / 1024:.0f} KB）：{figures['seconds']:.1f} 秒读到第 50001 行即拒绝，峰值内存增加 {grown:.0f} MB（进程峰值 {figures['peak_mb']:.0f} MB）"
    print("\n" + note)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"read-100000-{'nodim' if dimension is None else 'falsedim'}.txt").write_text(note + "\n", encoding="utf-8")
    assert grown < 60, note
