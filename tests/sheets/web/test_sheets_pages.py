"""导入调度表 pages: the office uploads, sees every error (nothing imported) or the summary; others
get a Chinese 403 and no link; the template downloads; bad uploads (20 MB, not an xlsx) are a
message on the page, never a 500."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from apps.organization.models import Department
from apps.projects.models import Project
from apps.sheets.models import ImportJob, ImportStatus
from tests.factories import UserFactory
from tests.sheets.conftest import row, tidy


@pytest.fixture
def office_client(client, reference):
    client.force_login(UserFactory(username="xmb-page", role="office"))
    return client


def upload(client, content: bytes, name: str = "调度表.xlsx", **extra):
    return client.post(reverse("web:sheet-import"), {"file": SimpleUploadedFile(name, content), "year": 2026, **extra}, follow=True)


def confirm(client, **choices):
    """Confirm the preview of the latest job, as the page's 确认导入 does."""
    job = ImportJob.objects.order_by("-pk").first()
    assert job.status == ImportStatus.PREVIEW, (job.status, job.errors, job.preview_data)
    data = {"digest": job.preview_data["digest"], **choices}
    return client.post(reverse("web:sheet-import-confirm", args=[job.pk]), data, follow=True)


def test_the_office_sees_the_form_template_link_and_recent_jobs(office_client):
    response = office_client.get(reverse("web:sheet-import"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert reverse("web:sheet-template") in html
    assert "还没有导入记录" in html
    assert f'href="{reverse("web:sheet-import")}"' in html  # the nav link


@pytest.mark.parametrize("role", ["department", "leader", "viewer"])
def test_other_roles_get_a_chinese_403_and_no_link(client, reference, role):
    from apps.organization.models import Leader

    extra = {"department": Department.objects.first()} if role == "department" else {}
    if role == "leader":
        extra = {"leader": Leader.objects.first()}
    client.force_login(UserFactory(username=f"u-{role}", role=role, **extra))
    for name in ("web:sheet-import", "web:sheet-template"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert "只有项目办可以导入调度表" in response.content.decode()
    assert client.post(reverse("web:sheet-import"), {"file": SimpleUploadedFile("a.xlsx", tidy([row(1, "甲")]))}).status_code == 403
    assert Project.objects.count() == 0
    assert ImportJob.objects.count() == 0
    home = client.get(reverse("web:mylist") if role != "viewer" else reverse("web:dashboard"))
    assert f'href="{reverse("web:sheet-import")}"' not in home.content.decode()


def test_an_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(reverse("web:sheet-import"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_file_with_a_bad_row_previews_it_as_refused_and_writes_nothing(office_client, frozen_today):
    response = upload(office_client, tidy([row(1, "甲项目"), row(2, "乙项目", total=-3)]))
    html = response.content.decode()
    job = ImportJob.objects.get()
    assert response.redirect_chain == [(reverse("web:sheet-import-job", args=[job.pk]), 302)]
    assert job.status == ImportStatus.PREVIEW
    assert "确认之前不会写入任何数据" in html
    assert "新增 <b>1</b>，更新 <b>0</b>，未变化 0，不能导入 <b>1</b>" in html
    assert '<tr class="preview-refused" data-row="5">' in html
    assert "计划总投资：金额不能为负数。" in html
    assert "重新上传" in html
    assert Project.objects.count() == 0
    # confirmed, the good row goes in and the refused one is named as not imported
    html = confirm(office_client).content.decode()
    assert "导入成功" in html
    assert "未导入：金额不能为负数。" in html
    assert list(Project.objects.values_list("name", flat=True)) == ["甲项目"]


def test_a_preview_confirmed_after_the_ledger_changed_is_shown_again(office_client, frozen_today):
    upload(office_client, tidy([row(1, "甲项目")]))
    from tests.factories import ProjectFactory

    ProjectFactory(name="甲项目")  # someone added it meanwhile: the row is now an update
    html = confirm(office_client).content.decode()
    assert "预览之后系统中的数据有了变化" in html
    assert Project.objects.count() == 1


def test_a_good_file_shows_the_summary_with_a_link_to_the_projects(office_client, frozen_today):
    upload(office_client, tidy([row(1, "甲项目"), row(2, "乙项目")]))
    html = confirm(office_client).content.decode()
    assert "导入成功" in html
    assert "新增 <b>2</b> 个，更新 <b>0</b> 个" in html
    assert reverse("web:project-list") in html
    preview = upload(office_client, tidy([row(1, "甲项目", total=20000), row(2, "乙项目")])).content.decode()
    assert "计划总投资（万元）：10000 → <b>20000</b>" in preview
    again = confirm(office_client)
    assert "新增 <b>0</b> 个，更新 <b>1</b> 个，未变化 1 个" in again.content.decode()
    assert Project.objects.count() == 2
    listing = office_client.get(reverse("web:sheet-import")).content.decode()
    assert listing.count("调度表.xlsx") == 2


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"not a workbook at all", "调度表.xlsx", "文件不是 Excel 工作簿（.xlsx）"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧表.xls", "旧版 Excel（.xls）"),
    ],
)
def test_a_file_that_is_no_xlsx_is_a_message_on_the_page(office_client, content, name, message):
    html = upload(office_client, content, name).content.decode()
    assert message in html
    assert "整个文件" in html
    assert Project.objects.count() == 0


def test_a_20_mb_upload_is_a_message_not_a_500(office_client):
    response = upload(office_client, b"PK" + b"\0" * (20 * 1024 * 1024), "大文件.xlsx")
    assert response.status_code == 200
    assert "文件太大（20.0 MB），一次最多导入 10 MB" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_an_empty_or_missing_file_is_a_form_error(office_client):
    assert "请选择要导入的调度表文件" in office_client.post(reverse("web:sheet-import"), {"year": 2026}).content.decode()
    assert "文件是空的" in upload(office_client, b"").content.decode()
    assert ImportJob.objects.count() == 0


def test_a_bad_year_is_a_form_error(office_client):
    response = office_client.post(reverse("web:sheet-import"), {"file": SimpleUploadedFile("a.xlsx", tidy([row(1, "甲")])), "year": "1800"})
    assert "年度不能早于2000年" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_template_downloads_as_an_xlsx(office_client):
    response = office_client.get(reverse("web:sheet-template") + "?year=2027")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''2027" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["调度表", "填写说明"]
    assert wb.active["A1"].value == "2027年重点项目调度表"
    # a nonsense year is ignored
    assert office_client.get(reverse("web:sheet-template") + "?year=abc").status_code == 200


def test_the_status_view_reports_a_queued_and_a_finished_job(office_client, frozen_today):
    upload(office_client, tidy([row(1, "甲项目")]))
    confirm(office_client)
    job = ImportJob.objects.get()
    status = office_client.get(reverse("web:sheet-import-status", args=[job.pk])).json()
    assert status == {"status": "succeeded", "label": "导入成功", "done": 1, "total": 1, "percent": 100, "finished": True}
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.PENDING, total_rows=0, processed_rows=0)
    page = office_client.get(reverse("web:sheet-import-job", args=[job.pk])).content.decode()
    assert 'data-status-url="/import/jobs/' in page
    assert "web/sheets.js" in page
    pending = office_client.get(reverse("web:sheet-import-status", args=[job.pk])).json()
    assert (pending["status"], pending["finished"], pending["percent"]) == ("pending", False, 0)


def test_unknown_jobs_are_404(office_client):
    assert office_client.get("/import/jobs/999999/").status_code == 404
    assert office_client.get("/import/jobs/999999/status/").status_code == 404
    assert office_client.get("/import/jobs/99999999999999999999999/").status_code == 404


def test_the_job_pages_are_the_office_s(client, reference, frozen_today):
    office = UserFactory(username="xmb-own", role="office")
    client.force_login(office)
    upload(client, tidy([row(1, "甲项目")]))
    job = ImportJob.objects.get()
    client.force_login(UserFactory(username="dept-x", role="department", department=Department.objects.first()))
    assert client.get(reverse("web:sheet-import-job", args=[job.pk])).status_code == 403
    assert client.get(reverse("web:sheet-import-status", args=[job.pk])).status_code == 403


def _jobs(n: int, user) -> None:
    ImportJob.objects.bulk_create(
        ImportJob(
            created_by=user,
            file_name=f"表{i}.xlsx",
            status=ImportStatus.FAILED,
            errors=[{"row": 4, "column": "计划总投资", "message": "金额不能为负数。"}],
        )
        for i in range(n)
    )


def test_the_recent_jobs_cost_the_same_queries_for_one_job_and_for_twenty(office_client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = UserFactory(username="other-office", role="office")
    _jobs(1, user)
    with CaptureQueriesContext(connection) as few:
        assert office_client.get(reverse("web:sheet-import")).status_code == 200
    _jobs(19, UserFactory(username="third-office", role="office"))
    with django_assert_num_queries(len(few)):
        html = office_client.get(reverse("web:sheet-import")).content.decode()
    assert html.count("/import/jobs/") == 20


def test_the_downloaded_template_filled_in_imports_the_office_s_rows_and_names_the_skipped_examples(office_client, frozen_today):
    # given the template downloaded from the page, with the office's project typed under the examples
    wb = load_workbook(io.BytesIO(office_client.get(reverse("web:sheet-template") + "?year=2026").content))
    ws = wb.active
    headers = [c.value for c in ws[3]]
    mine = {"项目名称*": "古阳河风光带二期", "项目类别*": "基础设施项目", "投资管理方式*": "审批", "所在乡镇（街道）*": "古阳镇"}
    mine |= {"建设起止年限*": "2025-2027", "计划总投资*": 12000, "2026年计划投资": 3000, "年度属性": "续建"}
    assert set(mine) <= set(headers), headers
    ws.append([mine.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    # when it is uploaded
    upload(office_client, buf.getvalue(), "本单位调度表.xlsx")
    html = confirm(office_client).content.decode()
    # then the office's project is imported, the examples are not, and the page says so
    assert "导入成功" in html
    assert "新增 <b>1</b> 个" in html
    assert "第 4、5、6 行（共 3 行）是模板的示例行（项目名称以“示例：”开头），没有导入。" in html
    assert list(Project.objects.values_list("name", flat=True)) == ["古阳河风光带二期"]


def test_a_job_that_did_not_run_to_its_end_says_so_not_that_the_file_is_wrong(office_client, frozen_today, settings):
    from apps.sheets.services import import_job_fail, lost_message

    settings.SHEETS_IMPORT_INLINE_BYTES = 1024  # queued, not run
    upload(office_client, tidy([row(1, "甲项目")]))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.PENDING
    import_job_fail(job_id=job.pk, message=lost_message())
    html = office_client.get(reverse("web:sheet-import-job", args=[job.pk])).content.decode()
    assert "<h2>导入未完成</h2>" in html
    assert "导入中断：后台导入已有 10 分钟没有任何进展" in html
    assert "请按下表在 Excel 中改正" not in html
    assert "重新上传" in html
    assert office_client.get(reverse("web:sheet-import-status", args=[job.pk])).json()["status"] == "failed"


def test_the_mapping_step_and_an_unticked_creation_leave_the_row_out_and_create_nothing(office_client, frozen_today):
    from tests.sheets.test_county_sheet import ROWS, county_sheet

    page = upload(office_client, county_sheet(ROWS)).content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.MAPPING
    assert "第一步：核对列的对应" in page
    assert "“调度人”对应" in page
    assert "本年累计完成投资（1-11月，记入11月的月报）" in page
    page = office_client.post(reverse("web:sheet-import-map", args=[job.pk]), {"map-0": ""}, follow=True).content.decode()
    assert "新增责任单位“林业局”（第 6 行）" in page
    assert "本月完成投资（万元）：<b>2800</b>" in page
    # the office leaves 林业局 unticked: its row is not imported, the department not created
    html = confirm(office_client, **{"near-6": "new"}).content.decode()
    assert "导入成功" in html
    assert "未导入" in html
    assert not Department.objects.filter(name="林业局").exists()
    assert list(Project.objects.values_list("name", flat=True)) == ["县城污水处理厂提标改造"]
