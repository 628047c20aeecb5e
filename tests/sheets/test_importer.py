"""Importing a 调度表: bad files change nothing and say why in Chinese; re-importing updates; only
the office imports; the downloadable template's example rows are never imported."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from apps.accounts.policy import PolicyDenied
from apps.core.xlsx import workbook_bytes
from apps.projects.models import AnnualPlan, Project, ProjectResponsibility
from apps.sheets.importer import sheet_import
from apps.sheets.reader import MB, SheetError
from apps.sheets.template import template_workbook
from tests.factories import ProjectFactory
from tests.sheets.conftest import HEADER, row, tidy, xlsx

CODE = "2025-433126-48-01-000001"


def ledger() -> list[tuple]:
    """Everything an import could touch, to show that a refused file changed nothing."""
    return [
        list(Project.objects.order_by("pk").values_list("pk", "name", "primary_code", "total_investment", "updated_at")),
        list(AnnualPlan.objects.order_by("pk").values_list("pk", "annual_plan")),
        list(ProjectResponsibility.objects.order_by("pk").values_list("pk", "leader_id", "department_id")),
    ]


@pytest.fixture
def existing(reference):
    return ProjectFactory(name="已有项目", primary_code="2024-433126-48-01-000009", total_investment=Decimal("5000"))


def refused(office, content: bytes) -> list[str]:
    before = ledger()
    with pytest.raises(SheetError) as info:
        sheet_import(actor=office, content=content)
    assert ledger() == before
    return [e.message for e in info.value.errors]


def rejected(office, content: bytes) -> list[tuple]:
    before = ledger()
    outcome = sheet_import(actor=office, content=content)
    assert not outcome.ok
    assert (outcome.created, outcome.updated) == (0, 0)
    assert ledger() == before
    return [(e.row, e.column, e.message) for e in outcome.errors]


# --- bad files ------------------------------------------------------------------------------


def test_a_file_that_is_not_an_xlsx_is_refused(office, existing):
    assert refused(office, "项目名称,计划总投资\n甲,1\n".encode()) == [
        "文件不是 Excel 工作簿（.xlsx），无法读取。请上传用 Excel 或 WPS 保存的 .xlsx 文件。"
    ]
    assert "旧版 Excel（.xls）" in refused(office, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)[0]
    # a zip that is no workbook
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "你好")
    assert "不是 Excel 工作簿" in refused(office, buf.getvalue())[0]


def test_a_sheet_with_wrong_headers_is_refused(office, existing):
    messages = refused(office, xlsx([["名字", "钱"], ["甲", 1]]))
    assert messages[0].startswith("没有找到表头")
    # the name is there, the total investment is not
    messages = refused(office, xlsx([["项目名称", "项目代码"], ["甲", CODE]]))
    assert messages == ["表头中缺少必需的列“计划总投资”。识别出的列：项目名称、项目代码。请使用“下载导入模板”中的列名。"]


def test_an_empty_file_or_sheet_is_refused(office, existing):
    assert refused(office, b"") == ["文件是空的（0 字节），请选择填好的调度表。"]
    assert refused(office, xlsx([])) == ["文件是空的：工作表中没有任何内容。请使用“下载导入模板”填写后再导入。"]
    assert refused(office, tidy([])) == ["表中没有项目行：表头下面只有空行、小计或合计行。"]


def test_a_malformed_code_is_a_row_error(office, existing, frozen_today):
    errors = rejected(office, tidy([row(1, "甲项目", code="2025-4331-48-01-1"), row(2, "乙项目")]))
    assert len(errors) == 1
    number, column, message = errors[0]
    assert (number, column) == (4, "项目代码")
    assert message.startswith("项目代码应为24位")
    assert "是否旧编码" in message


def test_a_negative_amount_is_a_row_error(office, existing, frozen_today):
    errors = rejected(office, tidy([row(1, "甲项目"), row(2, "乙项目", total=-5)]))
    assert errors == [(5, "计划总投资", "金额不能为负数。")]


def test_a_20_mb_file_is_refused_before_it_is_read(office, existing):
    messages = refused(office, b"PK" + b"\0" * (20 * MB))
    assert messages == ["文件太大（20.0 MB），一次最多导入 10 MB。请删去无关的工作表、图片后再导入，或分成几个文件。"]


def test_a_formula_cell_is_refused_naming_the_cell(office, existing):
    content = tidy([row(1, "甲项目"), row(2, "乙项目", total="=H4*2")])
    messages = refused(office, content)
    assert messages == ["单元格 H5 是公式（=H4*2），不能导入公式：请把整张表复制后“选择性粘贴—数值”，再导入。"]


def test_every_bad_row_is_listed_at_once(office, existing, frozen_today):
    rows = [
        row(1, "甲项目", region="火星镇"),
        row(2, "乙项目", leader="市长同志"),  # 县长 is 区长 (县 and 区 posts alike)
        row(3, "丙项目", dept="宣传部"),
        row(4, "丁项目", category="航天项目"),
        [5, None, None, "基础设施项目", "审批", "古阳镇", "2025-2027", 1, 1, "续建", None, None],
        [6, "戊项目", None, "基础设施项目", "自筹", "古阳镇", "2027-2025", "一千", 1, "续建", None, None],
        row(7, "甲项目"),
    ]
    errors = rejected(office, tidy(rows))
    by_row = {}
    for number, column, message in errors:
        by_row.setdefault(number, []).append((column, message))
    assert by_row[4] == [("所在乡镇（街道）", "“火星镇”不是系统中的乡镇（街道）或园区：请在导入预览中确认新增，或按系统中的名称填写。")]
    assert by_row[5][0][0] == "包保领导"
    assert "不是系统中的县级领导岗位" in by_row[5][0][1]
    assert by_row[6][0][0] == "责任单位"
    assert by_row[7][0] == (
        "项目类别",
        "“航天项目”不是系统中的项目类别，应为：基础设施项目、城市建设项目、产业发展项目、社会民生项目、生态环保项目、农业农村项目、其他。",
    )
    assert ("项目名称", "项目名称不能为空。") in by_row[8]
    assert {c for c, _m in by_row[9]} == {"投资管理方式", "建设起止年限", "计划总投资"}
    assert by_row[10] == [("项目名称", "项目名称与第 4 行重复（两行都没有项目代码，无法区分）。")]


def test_a_project_code_is_not_twice_in_one_file(office, existing, frozen_today):
    errors = rejected(office, tidy([row(1, "甲项目", code=CODE), row(2, "乙项目", code=CODE)]))
    assert errors == [(5, "项目代码", "项目代码与第 4 行重复。")]


def test_a_missing_column_for_new_projects_is_one_error_not_one_per_row(office, existing, frozen_today):
    # 项目类别 has no sensible default (所在乡镇 has one: the county, with a warning).
    header = ["项目名称", "计划总投资", "投资管理方式", "建设起止年限"]
    rows = [[f"新项目{i}", 100, "备案", "2026"] for i in range(30)]
    errors = rejected(office, tidy(rows, header=header))
    assert len(errors) == 1
    assert errors[0][:2] == (None, "项目类别")
    assert "第 4、5、6、7、8、9、10、11、12、13等 行（共 30 行）" in errors[0][2]


def test_a_refusal_by_a_service_rolls_every_row_back(office, existing, frozen_today):
    # planned finish before planned start passes the cell parsers; the model's constraint refuses it
    header = [*HEADER, "计划开工日期", "计划竣工日期"]
    rows = [row(1, "甲项目") + ["2026-01-01", "2026-12-31"], row(2, "乙项目") + ["2026-05-01", "2026-03-01"]]
    errors = rejected(office, tidy(rows, header=header))
    assert errors == [(5, "", "计划竣工日期不能早于计划开工日期。")]


# --- matching and re-import -------------------------------------------------------------------


def test_reimporting_the_same_file_updates_and_does_not_duplicate(office, frozen_today):
    content = tidy([row(1, "甲项目", code=CODE), row(2, "乙项目")])
    first = sheet_import(actor=office, content=content)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = sheet_import(actor=office, content=content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Project.objects.count() == 2
    assert ProjectResponsibility.objects.count() == 4
    assert AnnualPlan.objects.count() == 2
    # changed figures update the same rows
    changed = tidy([row(1, "甲项目（更名）", code=CODE, total=12000, leader="分管城建副区长"), row(2, "乙项目", annual=4500)])
    third = sheet_import(actor=office, content=changed)
    assert (third.created, third.updated, third.unchanged) == (0, 2, 0)
    a = Project.objects.get(primary_code=CODE)
    assert (a.name, a.total_investment) == ("甲项目（更名）", Decimal("12000.00"))
    assert list(a.responsibilities.filter(role="leader").values_list("leader__position", flat=True)) == ["分管城建副区长"]
    assert AnnualPlan.objects.get(project__name="乙项目").annual_plan == Decimal("4500.00")
    assert Project.objects.count() == 2
    assert ProjectResponsibility.objects.count() == 4


def test_a_reimport_leaves_the_fields_the_sheet_does_not_carry(office, existing, frozen_today):
    existing.owner_unit = "城投公司"
    existing.scale_content = "原有建设内容"
    existing.save()
    outcome = sheet_import(actor=office, content=tidy([["已有项目", 6000]], header=["项目名称", "计划总投资"]))
    assert (outcome.updated, outcome.created) == (1, 0)
    existing.refresh_from_db()
    assert (existing.total_investment, existing.owner_unit, existing.scale_content) == (Decimal("6000.00"), "城投公司", "原有建设内容")
    assert existing.history.order_by("-history_id").first().history_user == office


def test_a_row_is_matched_by_code_else_by_exact_name(office, existing, frozen_today):
    by_code = tidy([["新名字", existing.primary_code, 7000]], header=["项目名称", "项目代码", "计划总投资"])
    assert sheet_import(actor=office, content=by_code).updated == 1
    existing.refresh_from_db()
    assert existing.name == "新名字"
    # a name with a different national code is not taken for the same project
    errors = rejected(office, tidy([["新名字", CODE, 7000]], header=["项目名称", "项目代码", "计划总投资"]))
    assert len(errors) == 1
    assert errors[0][:2] == (4, "项目代码")
    assert "系统中已有同名项目，但其项目代码为 2024-433126-48-01-000009" in errors[0][2]


def test_two_projects_of_the_same_name_need_a_code(office, existing, frozen_today):
    ProjectFactory(name="已有项目", primary_code=None)
    errors = rejected(office, tidy([["已有项目", 1]], header=["项目名称", "计划总投资"]))
    assert errors == [(4, "项目名称", "系统中有 2 个同名项目，请填写项目代码以区分。")]


def test_an_archived_project_is_not_updated(office, existing, frozen_today):
    from apps.projects.services import project_archive

    project_archive(actor=office, project=existing)
    errors = rejected(office, tidy([["已有项目", 1]], header=["项目名称", "计划总投资"]))
    assert errors == [(4, "项目名称", "不能更新项目“已有项目”：项目已归档，不能再修改。")]


# --- who may import ---------------------------------------------------------------------------


def test_a_department_user_cannot_import(dept_user, frozen_today):
    with pytest.raises(PolicyDenied, match="只有项目办可以"):
        sheet_import(actor=dept_user, content=tidy([row(1, "甲项目")]))
    assert Project.objects.count() == 0


# --- the template -------------------------------------------------------------------------


def test_the_template_alone_is_refused_its_example_rows_are_no_projects(office, frozen_today):
    # given the downloadable template with its example rows
    content = workbook_bytes(template_workbook(year=2026))
    ws = load_workbook(io.BytesIO(content)).active
    assert ws["A1"].value == "2026年重点项目调度表"
    assert ws["A2"].value == "单位：万元"
    assert ws.freeze_panes == "A4"
    assert "2026年计划投资" in [c.value for c in ws[3]]
    assert [ws.cell(row=r, column=2).value[:3] for r in (4, 5, 6)] == ["示例："] * 3
    # when it is imported as it is, then it is refused: its rows are examples, not projects
    messages = refused(office, content)
    assert messages == [
        "表中只有模板的示例行（第 4、5、6 行，项目名称以“示例：”开头），没有要导入的项目：请填写本单位的项目（示例行可以删除）后再导入。"
    ]
    assert Project.objects.count() == 0


def office_filled_template(rows: list[dict], *, keep_examples: bool = True) -> bytes:
    """The template as an office fills it in: its projects typed under the example rows (which it
    leaves, or deletes), one row per project, in the template's columns."""
    from apps.sheets.columns import COLUMNS

    wb = template_workbook(year=2026)
    ws = wb.active
    if not keep_examples:
        ws.delete_rows(4, 3)
    keys = [c.key for c in COLUMNS]
    for values in rows:
        ws.append([values.get(key) for key in keys])
    return workbook_bytes(wb)


def test_the_template_filled_in_imports_the_office_s_rows_and_skips_the_examples(office, frozen_today):
    # given the template with two projects of the office typed under its example rows
    rows = [
        {"serial": 1, "name": "古阳河风光带二期", "code": CODE, "category": "基础设施项目", "mode": "审批", "region": "古阳镇"}
        | {
            "years": "2025-2027",
            "total": 12000,
            "annual_plan": 3000,
            "annual_role": "续建",
            "leader": "常务副区长",
            "department": "住建局",
        },
        {"serial": 2, "name": "（示例）照抄的示例行", "category": "基础设施项目", "mode": "审批", "region": "古阳镇"}
        | {"years": "2025-2027", "total": 1, "annual_plan": 1, "annual_role": "续建"},
        {"serial": 3, "name": "示例性园区配套道路", "category": "基础设施项目", "mode": "审批", "region": "古阳镇"}
        | {"years": "2026-2027", "total": 800, "annual_plan": 500, "annual_role": "新开工"},
    ]
    # when it is imported
    outcome = sheet_import(actor=office, content=office_filled_template(rows))
    # then the office's rows are projects, the examples (the template's three and the copied one)
    # are not, and the result says which rows were skipped
    assert outcome.ok, outcome.errors
    assert outcome.created == 2
    assert set(Project.objects.values_list("name", flat=True)) == {"古阳河风光带二期", "示例性园区配套道路"}
    assert [n.message for n in outcome.notes] == ["第 4、5、6、8 行（共 4 行）是模板的示例行（项目名称以“示例：”开头），没有导入。"]
    # and the same office file without the examples imports the same, with nothing to say
    again = sheet_import(actor=office, content=office_filled_template(rows[::2], keep_examples=False))
    assert (again.created, again.unchanged, again.notes) == (0, 2, [])


def test_the_template_padded_with_a_350_mb_zip_bomb_is_refused_before_it_is_inflated(office, frozen_today):
    # given the template whose sheet is followed by 350 MB of spaces (still XML; 0.4 MB zipped,
    # under the 10 MB upload limit; its zip sizes are honest)
    from tests.sheets.rawxlsx import padded

    content = padded(workbook_bytes(template_workbook(year=2026)), "xl/worksheets/sheet1.xml", 350 * MB)
    assert len(content) < MB
    # when it is imported, then it is refused at the inflation cap, before a byte is inflated
    with pytest.raises(SheetError) as info:
        sheet_import(actor=office, content=content)
    assert str(info.value).startswith("文件解压后超过 100 MB（一次最多解压 100 MB），不像是一张调度表，无法导入。")
    assert getattr(info.value, "inflated", None) == 0
    assert Project.objects.count() == 0


def test_the_template_whose_zip_lies_about_its_sheet_s_size_is_refused(office, frozen_today):
    # given the same bomb, its zip entry rewritten to declare the template's own sheet (size and
    # CRC): a reader that believes the zip reads the template and imports its example rows
    from tests.sheets.rawxlsx import lying, padded

    template = workbook_bytes(template_workbook(year=2026))
    sheet = zipfile.ZipFile(io.BytesIO(template)).getinfo("xl/worksheets/sheet1.xml").file_size
    content = lying(padded(template, "xl/worksheets/sheet1.xml", 350 * MB), "xl/worksheets/sheet1.xml", sheet)
    # when it is imported, then it is refused as soon as the sheet inflates past what it declared
    with pytest.raises(SheetError) as info:
        sheet_import(actor=office, content=content)
    assert "“xl/worksheets/sheet1.xml”解压后与文件中记录的大小或校验值不符" in str(info.value)
    assert getattr(info.value, "inflated", None) < 2 * MB
    assert Project.objects.count() == 0


def test_the_template_headers_are_each_read_back_as_their_column():
    wb = Workbook()
    del wb
    from apps.sheets.columns import COLUMNS, match_header
    from apps.sheets.template import template_headers

    assert [match_header(h).spec.key for h in template_headers(2026)] == [c.key for c in COLUMNS]


def test_validation_reads_reference_data_once_whatever_the_number_of_rows(office, frozen_today):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(n: int) -> int:
        content = tidy([row(i, f"项目{i}", code=f"2025-433126-48-01-{i:06d}") for i in range(1, n + 1)])
        sheet_import(actor=office, content=content)  # first import creates them
        with CaptureQueriesContext(connection) as ctx:
            outcome = sheet_import(actor=office, content=content)  # the re-import only reads
        assert outcome.unchanged == n
        return len(ctx)

    assert queries(2) == queries(20)


def test_new_projects_may_get_their_approval_milestones(office, frozen_today):
    outcome = sheet_import(actor=office, content=tidy([row(1, "甲项目")]), generate_milestones=True)
    assert outcome.ok, outcome.errors
    project = Project.objects.get(name="甲项目")
    assert project.investment_mode == "approval"
    assert project.milestones.count() > 0
    # a re-import does not touch them
    count = project.milestones.count()
    sheet_import(actor=office, content=tidy([row(1, "甲项目", total=20000)]), generate_milestones=True)
    assert project.milestones.count() == count


def test_an_import_adjusts_an_existing_plan_and_changes_responsibilities_through_the_services(office, frozen_today):
    sheet_import(actor=office, content=tidy([row(1, "甲项目", code=CODE)]))
    plan = AnnualPlan.objects.get(project__primary_code=CODE)
    assert (plan.revision, plan.history.get().history_change_reason) == (1, "Excel 调度表导入（第4行）")

    changed = tidy([row(1, "甲项目", code=CODE, annual=4500, leader="分管城建副区长")])
    assert sheet_import(actor=office, content=changed).updated == 1

    # the plan: a new version (调整计划), who and why in its history; not a silent replacement
    plan.refresh_from_db()
    assert (plan.annual_plan, plan.revision) == (Decimal("4500.00"), 2)
    latest = plan.history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason) == (office, "Excel 调度表导入（第4行）")
    # the 包保领导 changed hands through the responsibility service: its history says who
    lead = ProjectResponsibility.objects.get(project=plan.project, role="leader")
    assert [h.history_type for h in lead.history.order_by("history_id")] == ["+", "~"]
    assert lead.history.order_by("-history_id").first().history_user == office
