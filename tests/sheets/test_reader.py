"""An office's own 调度表 is not a tidy table: title, unit row, two-row merged header, category
headings and subtotals, a 合计 row, blank rows and notes. It is read as offices write it."""

from decimal import Decimal

import pytest

from apps.projects.models import AnnualPlan, Project, ProjectResponsibility
from apps.sheets.importer import sheet_import
from apps.sheets.reader import SheetError, read_sheet
from tests.sheets.conftest import xlsx

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
