"""往年完成投资: the template, the import (all rows or none), the year rule, who may, and the page."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.core.xlsx import workbook_bytes
from apps.progress.models import HistoricalCompletion
from apps.sheets.history import history_import, history_template
from apps.sheets.models import ImportJob
from tests.factories import DepartmentFactory, LeaderFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
LAST_YEAR = timezone.localdate().year - 1


def _filled(rows: list[tuple]) -> bytes:
    """The downloaded template with `rows` (code, name, year, {month: amount}) written under its header."""
    wb = history_template(year=LAST_YEAR)
    ws = wb.active
    ws.delete_rows(3, ws.max_row)
    for r, (code, name, year, months) in enumerate(rows, start=3):
        ws.cell(row=r, column=1, value=code)
        ws.cell(row=r, column=2, value=name)
        ws.cell(row=r, column=3, value=year)
        for month, amount in months.items():
            ws.cell(row=r, column=3 + month, value=amount)
    return workbook_bytes(wb)


@pytest.fixture
def office():
    return UserFactory(role="office")


def test_the_template_lists_the_projects_and_imports_back(office):
    a, b = ProjectFactory(name="甲项目"), ProjectFactory(name="乙项目")
    ws = load_workbook(io.BytesIO(workbook_bytes(history_template(year=LAST_YEAR)))).active
    assert [c.value for c in ws[2]][:4] == ["项目代码", "项目名称", "年度", "1月"]
    assert {ws.cell(row=r, column=2).value for r in range(3, ws.max_row + 1)} == {"甲项目", "乙项目"}

    result = history_import(
        actor=office, content=_filled([("", "甲项目", LAST_YEAR, {1: 120, 2: "80.5"}), ("", "乙项目", LAST_YEAR, {12: 3000})])
    )
    assert (result.errors, result.rows, result.created, result.updated) == ([], 2, 3, 0)
    assert HistoricalCompletion.objects.get(project=a, month=2).completed == Decimal("80.50")
    assert HistoricalCompletion.objects.get(project=b, month=12).completed == Decimal("3000.00")

    again = history_import(actor=office, content=_filled([("", "甲项目", LAST_YEAR, {1: 120, 2: 90})]))
    assert (again.created, again.updated) == (0, 1)  # the same January stays as it was; February is corrected
    assert HistoricalCompletion.objects.count() == 3


def test_any_bad_row_imports_nothing_and_names_every_error(office):
    ProjectFactory(name="甲项目")
    content = _filled(
        [
            ("", "甲项目", LAST_YEAR, {1: 100}),
            ("", "不存在的项目", LAST_YEAR, {1: 100}),
            ("", "甲项目", "去年", {2: 100}),
            ("", "甲项目", LAST_YEAR, {3: -5}),
        ]
    )
    result = history_import(actor=office, content=content)
    assert [(e.row, e.column) for e in result.errors] == [(5, "年度"), (6, "3月"), (4, "项目名称")]
    assert "台账中没有项目“不存在的项目”" in result.errors[2].message
    assert HistoricalCompletion.objects.count() == 0


def test_this_year_is_the_reports_and_is_refused(office):
    ProjectFactory(name="甲项目")
    result = history_import(actor=office, content=_filled([("", "甲项目", LAST_YEAR + 1, {1: 100})]))
    assert "以月报为准" in result.errors[0].message
    assert HistoricalCompletion.objects.count() == 0


def test_only_the_office_imports():
    ProjectFactory(name="甲项目")
    users = [UserFactory(role="department", department=DepartmentFactory()), UserFactory(role="leader", leader=LeaderFactory())]
    for user in [*users, UserFactory(role="viewer")]:
        with pytest.raises(PermissionDenied):
            history_import(actor=user, content=_filled([("", "甲项目", LAST_YEAR, {1: 1})]))
    assert HistoricalCompletion.objects.count() == 0


def test_the_page_imports_for_the_office_and_refuses_others(client, office):
    ProjectFactory(name="甲项目")
    client.force_login(office)
    page = client.get(reverse("web:history-import"))
    assert page.status_code == 200
    assert "导入往年完成投资" in page.content.decode()
    upload = io.BytesIO(_filled([("", "甲项目", LAST_YEAR, {1: 100, 2: 200})]))
    upload.name = "2025.xlsx"
    preview = client.post(reverse("web:history-import"), {"file": upload}, follow=True).content.decode()
    assert "确认之前不会写入任何数据" in preview
    assert f"{LAST_YEAR}年2月：<b>200</b>" in preview
    assert HistoricalCompletion.objects.count() == 0
    job = ImportJob.objects.get()
    done = client.post(reverse("web:sheet-import-confirm", args=[job.pk]), {"digest": job.preview_data["digest"]}, follow=True)
    assert "导入成功" in done.content.decode()
    assert HistoricalCompletion.objects.count() == 2
    bad = io.BytesIO(b"not a workbook")
    bad.name = "x.xlsx"
    assert "xlsx" in client.post(reverse("web:history-import"), {"file": bad}).content.decode()
    template = client.get(reverse("web:history-template"))
    assert template.status_code == 200
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")

    client.force_login(UserFactory(role="department", department=DepartmentFactory()))
    assert client.get(reverse("web:history-import")).status_code == 403
    assert client.get(reverse("web:history-template")).status_code == 403


def test_a_large_file_is_imported_by_the_worker_and_followed_on_the_job_page(client, office, settings):
    from apps.sheets.models import ImportJob
    from apps.sheets.tasks import import_sheet_task

    settings.SHEETS_IMPORT_INLINE_BYTES = 1024  # every workbook here is larger
    ProjectFactory(name="甲项目")
    client.force_login(office)
    upload = io.BytesIO(_filled([("", "甲项目", LAST_YEAR, {1: 100, 2: 200})]))
    upload.name = "往年.xlsx"
    # when the office uploads it, the request stores and queues it, and shows the job's page
    response = client.post(reverse("web:history-import"), {"file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:sheet-import-job", args=[job.pk])
    assert (job.kind, job.status) == ("history", "pending")
    assert HistoricalCompletion.objects.count() == 0
    # a worker reads it for the preview; once the office confirms, a worker imports it
    assert import_sheet_task(job.pk) == "preview"
    assert HistoricalCompletion.objects.count() == 0
    job.refresh_from_db()
    client.post(reverse("web:sheet-import-confirm", args=[job.pk]), {"digest": job.preview_data["digest"]})
    assert import_sheet_task(job.pk) == "succeeded"
    job.refresh_from_db()
    assert (job.total_rows, job.created_count, job.updated_count) == (1, 2, 0)
    assert HistoricalCompletion.objects.count() == 2
    page = client.get(reverse("web:sheet-import-job", args=[job.pk])).content.decode()
    assert "导入往年完成投资" in page
    assert "共 <b>1</b> 个项目：新增 <b>2</b> 个月度数字" in page


def test_the_history_workbook_has_the_same_caps(office, settings):
    from apps.sheets.reader import SheetError
    from tests.sheets.rawxlsx import many_rows

    settings.SHEETS_IMPORT_MAX_ROWS = 100
    with pytest.raises(SheetError, match="超过 100 行（第 101 行仍有内容）"):
        history_import(actor=office, content=many_rows(200, dimension="A1:B2"))


def test_a_large_workbook_is_saved_in_chunks_all_or_none_reporting_progress(office):
    # 43 projects × 12 months = 516 figures: two calls of the progress service, one transaction
    projects = [ProjectFactory(name=f"项目{i:02d}") for i in range(43)]
    months = dict.fromkeys(range(1, 13), 10)
    good = [("", p.name, LAST_YEAR, months) for p in projects]
    seen: list[tuple] = []
    result = history_import(actor=office, content=_filled(good), progress=lambda *state: seen.append(state))
    assert (result.errors, result.created) == ([], 516)
    assert [s for s in seen if s[0] == "importing"] == [("importing", 500, 516), ("importing", 516, 516)]
    # the same with the last project's year refused by the service (this year is the reports'):
    # the first chunk is rolled back with it
    HistoricalCompletion.objects.all().delete()
    bad = [*good[:-1], ("", projects[-1].name, LAST_YEAR + 1, months)]
    result = history_import(actor=office, content=_filled(bad))
    assert "以月报为准" in result.errors[0].message
    assert (result.rows, result.created) == (0, 0)
    assert HistoricalCompletion.objects.count() == 0


def test_the_history_import_previews_month_by_month_then_writes_what_the_office_confirmed(office):
    from apps.sheets.models import ImportKind, ImportStatus
    from apps.sheets.services import import_job_confirm, import_job_create, import_job_run

    project = ProjectFactory(name="往年项目")
    HistoricalCompletion.objects.create(project=project, year=LAST_YEAR, month=1, completed=Decimal("100"))
    content = _filled([("", "往年项目", LAST_YEAR, {1: 120, 2: 50})])
    job = import_job_create(actor=office, kind=ImportKind.HISTORY, file_name="往年.xlsx", content=content, preview=True)
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportStatus.PREVIEW
    [row] = job.preview_data["rows"]
    assert row["status"] == "changed"
    assert row["changes"] == [
        {"field": f"{LAST_YEAR}年1月", "old": "100", "new": "120"},
        {"field": f"{LAST_YEAR}年2月", "old": "（空）", "new": "50"},
    ]
    assert HistoricalCompletion.objects.count() == 1  # nothing written yet
    job = import_job_confirm(actor=office, job=job, digest=job.preview_data["digest"], decisions={})
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportStatus.SUCCEEDED
    assert (job.created_count, job.updated_count) == (1, 1)
    assert HistoricalCompletion.objects.get(project=project, month=1).completed == Decimal("120")
