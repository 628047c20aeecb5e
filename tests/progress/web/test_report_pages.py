"""The monthly report pages: file (save / save and submit), edit, the office's review queue, approve
or return. Every refusal is the service's, word for word what the API answers, and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import AnnualPlan
from tests.api.world import build_world
from tests.factories import MonthlyTargetFactory, ProgressReportFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(frozen_today):
    # 2026-11-27: the period due now is October 2026 (reported by 5 December).
    return build_world()


def page(world, who: str) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def text(response) -> str:
    return response.content.decode()


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def content(**overrides) -> dict:
    data = {
        "period_completed": "120.50",
        "image_progress_pct": "35",
        "image_progress_text": "主体结构施工至5层",
        "problems_text": "",
        "next_plan": "完成6至8层主体",
    }
    return {**data, **overrides}


def api_errors(response) -> list[str]:
    body = response.json()
    return [body["message"], *(m for ms in body["errors"].values() for m in ms)]


def submitted(project, **kw) -> ProgressReport:
    kw.setdefault("submitted_at", timezone.now())
    return ProgressReportFactory(project=project, status=ReportStatus.SUBMITTED, **kw)


# --- file a report -----------------------------------------------------------------------------


def approved_through(project, last_month: int) -> None:
    for month in range(1, last_month + 1):
        ProgressReportFactory(project=project, year=2026, month=month, status=ReportStatus.APPROVED)


def test_the_new_report_form_is_prefilled_with_the_period_due_now(world):
    approved_through(world.own, 9)
    response = page(world, "department").get(f"/projects/{world.own.pk}/reports/new/")

    assert response.status_code == 200
    form = response.context["form"]
    assert (form["year"].value(), form["month"].value()) == (2026, 10)
    assert 'name="action" value="save"' in text(response)
    assert 'name="action" value="submit"' in text(response)


def test_the_earliest_month_still_owed_opens_first(world):
    approved_through(world.own, 9)
    ProgressReport.objects.filter(project=world.own, month=7).delete()
    response = page(world, "department").get(f"/projects/{world.own.pk}/reports/new/")
    assert (response.context["form"]["year"].value(), response.context["form"]["month"].value()) == (2026, 7)


def test_a_returned_report_of_the_month_due_is_opened_for_fixing(world):
    approved_through(world.own, 9)
    returned = ProgressReportFactory(project=world.own, year=2026, month=10, status=ReportStatus.RETURNED)
    response = page(world, "department").get(f"/projects/{world.own.pk}/reports/new/")
    assert response["Location"] == f"/reports/{returned.pk}/"


def test_when_every_due_report_is_filed_the_form_opens_this_month_and_says_so(world):
    # the case found: October approved, the button reopened October (read-only) every time
    approved_through(world.own, 10)
    response = page(world, "department").get(f"/projects/{world.own.pk}/reports/new/")
    assert response.status_code == 200
    assert (response.context["form"]["year"].value(), response.context["form"]["month"].value()) == (2026, 11)
    assert "截至今日，该项目应报的月报均已报送。如需填报2026年11月或其他月份，请在“报告期”中选择。" in flash(response)


def test_the_period_picker_lists_each_month_with_its_report_and_opens_the_chosen_one(world):
    approved_through(world.own, 10)
    client = page(world, "department")
    html = text(client.get(f"/projects/{world.own.pk}/reports/new/"))
    assert '<option value="2026-11" selected>2026年11月（未填报）</option>' in html
    assert '<option value="2026-10">2026年10月（审核通过）</option>' in html
    assert '<option value="2025-11">2025年11月（未填报）</option>' in html
    chosen = client.get(f"/projects/{world.own.pk}/reports/new/?period=2025-12")
    assert (chosen.context["form"]["year"].value(), chosen.context["form"]["month"].value()) == (2025, 12)
    existing = client.get(f"/projects/{world.own.pk}/reports/new/?period=2026-10")
    assert existing["Location"] == f"/reports/{ProgressReport.objects.get(project=world.own, month=10).pk}/"
    bad = client.get(f"/projects/{world.own.pk}/reports/new/?period=2026-13")
    assert bad.status_code == 200  # ignored: the month due opens


def test_a_query_string_period_is_prefilled_and_a_malformed_one_ignored(world):
    client = page(world, "department")

    approved_through(world.own, 8)
    asked = client.get(f"/projects/{world.own.pk}/reports/new/?year=2026&month=9")
    malformed = client.get(f"/projects/{world.own.pk}/reports/new/?year=２０２６&month=x")

    assert (asked.context["form"]["year"].value(), asked.context["form"]["month"].value()) == (2026, 9)
    assert (malformed.context["form"]["year"].value(), malformed.context["form"]["month"].value()) == (2026, 9)


def test_the_new_report_form_opens_the_existing_report_of_the_period(world):
    approved_through(world.own, 9)
    existing = ProgressReportFactory(project=world.own, year=2026, month=10)

    response = page(world, "department").get(f"/projects/{world.own.pk}/reports/new/")

    assert response.status_code == 302
    assert response["Location"] == f"/reports/{existing.pk}/"
    assert flash(response) == ["该项目2026年10月已有月报，已为您打开原报告。"]


def test_save_keeps_a_draft_and_returns_to_the_dossier(world):
    response = page(world, "department").post(
        f"/projects/{world.own.pk}/reports/new/", {"year": 2026, "month": 10, **content(), "action": "save"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/projects/{world.own.pk}/#reports"
    report = ProgressReport.objects.get(project=world.own, year=2026, month=10)
    assert report.status == ReportStatus.DRAFT
    assert report.period_completed == Decimal("120.50")
    assert report.created_by == world.users["department"]
    assert flash(response) == ["已保存2026年10月月报（草稿，尚未提交）。"]


def test_save_and_submit_files_the_report_for_review(world):
    response = page(world, "department").post(
        f"/projects/{world.own.pk}/reports/new/", {"year": 2026, "month": 10, **content(), "action": "submit"}
    )

    assert response.status_code == 302
    report = ProgressReport.objects.get(project=world.own, year=2026, month=10)
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_by == world.users["department"]
    assert flash(response) == ["已提交2026年10月月报，等待项目办审核。"]


def test_a_blank_amount_is_the_models_default_as_in_the_api(world):
    page(world, "department").post(
        f"/projects/{world.own.pk}/reports/new/", {"year": 2026, "month": 10, **content(period_completed=""), "action": "save"}
    )

    assert ProgressReport.objects.get(project=world.own, year=2026, month=10).period_completed == Decimal("0")


def test_a_refused_submit_leaves_no_draft_behind(world, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError("提交被拒绝。")

    monkeypatch.setattr("apps.progress.services.progress_report_submit", refuse)

    response = page(world, "department").post(
        f"/projects/{world.own.pk}/reports/new/", {"year": 2026, "month": 10, **content(), "action": "submit"}
    )

    assert response.status_code == 200
    assert "提交被拒绝。" in text(response)
    assert not ProgressReport.objects.filter(project=world.own).exists()


def test_a_future_period_gets_the_apis_own_message_and_saves_nothing(world):
    data = {"year": 2026, "month": 12, **content()}
    api = world.client("department").post("/api/v1/progress-reports/", {"project": world.own.pk, **data}, format="json")

    response = page(world, "department").post(f"/projects/{world.own.pk}/reports/new/", {**data, "action": "submit"})

    assert api.json()["errors"]["month"] == ["不能填报未来报告期（2026年12月）的月报。"]
    assert response.context["form"].errors["month"] == api.json()["errors"]["month"]
    assert "不能填报未来报告期（2026年12月）的月报。" in text(response)
    assert not ProgressReport.objects.filter(project=world.own).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"period_completed": "-1"}, "period_completed", "金额不能为负数。"),
        ({"image_progress_pct": "150"}, "image_progress_pct", None),
        ({"month": 13}, "month", "月份应在1至12之间。"),
    ],
    ids=["negative-amount", "pct-over-100", "month-13"],
)
def test_out_of_range_input_is_refused_on_the_same_field_as_by_the_api(world, overrides, field, message):
    # The API's serializer checks these ranges before the service, in DRF's words; the page shows
    # the service's (the model's) message for the same field. Either way nothing is saved.
    data = {"year": 2026, "month": 10, **content(), **overrides}
    api = world.client("department").post("/api/v1/progress-reports/", {"project": world.own.pk, **data}, format="json")

    response = page(world, "department").post(f"/projects/{world.own.pk}/reports/new/", {**data, "action": "submit"})

    assert api.status_code == 400
    assert field in api.json()["errors"]
    assert response.status_code == 200
    shown = response.context["form"].errors[field]
    assert shown, response.context["form"].errors
    if message:
        assert message in shown
    for line in shown:
        assert line in text(response)
    assert not ProgressReport.objects.exists()


def test_a_second_report_for_one_period_is_refused_as_by_the_api(world):
    ProgressReportFactory(project=world.own, year=2026, month=9)
    data = {"year": 2026, "month": 9, **content()}
    api = world.client("department").post("/api/v1/progress-reports/", {"project": world.own.pk, **data}, format="json")

    response = page(world, "department").post(f"/projects/{world.own.pk}/reports/new/", {**data, "action": "save"})

    assert api.json()["message"] == "该项目2026年9月已有月报，请修改原报告。"
    assert "该项目2026年9月已有月报，请修改原报告。" in text(response)
    assert ProgressReport.objects.filter(project=world.own).count() == 1


def test_unparsable_numbers_are_refused_in_chinese(world):
    response = page(world, "department").post(
        f"/projects/{world.own.pk}/reports/new/", {"year": "abc", "month": 10, **content(period_completed="十万"), "action": "save"}
    )

    assert response.status_code == 200
    assert "年度应为整数。" in text(response)
    assert "本月完成投资应为数字。" in text(response)
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize("who", ["leader", "viewer"])
def test_a_leader_or_viewer_gets_the_policys_refusal_instead_of_the_form(world, who):
    client = page(world, who)

    response = client.get(f"/projects/{world.own.pk}/reports/new/")
    posted = client.post(f"/projects/{world.own.pk}/reports/new/", {"year": 2026, "month": 10, **content(), "action": "save"})

    assert response.status_code == posted.status_code == 403
    assert "没有权限" in text(response)
    assert "保存并提交" not in text(response)
    assert not ProgressReport.objects.exists()


def test_a_department_cannot_file_for_another_departments_project(world):
    api = world.client("department").post(
        "/api/v1/progress-reports/", {"project": world.other.pk, "year": 2026, "month": 10, **content()}, format="json"
    )

    response = page(world, "department").get(f"/projects/{world.other.pk}/reports/new/")

    assert response.status_code == 403
    assert api.json()["message"] in text(response)


def test_an_unknown_project_is_a_404(world):
    assert page(world, "department").get("/projects/999999/reports/new/").status_code == 404
    assert page(world, "department").get("/reports/999999/").status_code == 404
    assert page(world, "office").get("/reports/999999/review/").status_code == 404


# --- edit and resubmit ------------------------------------------------------------------------


def test_the_edit_form_shows_the_buttons_of_the_department_on_its_own_draft(world):
    draft = ProgressReportFactory(project=world.own, year=2026, month=9)

    body = text(page(world, "department").get(f"/reports/{draft.pk}/"))

    assert 'name="action" value="save"' in body
    assert 'name="action" value="submit"' in body
    assert f'href="/reports/{draft.pk}/review/"' not in body
    assert "审核通过" not in body


def test_a_department_sees_another_departments_report_read_only(world):
    draft = ProgressReportFactory(project=world.other, year=2026, month=9, image_progress_text="外单位形象进度")

    response = page(world, "department").get(f"/reports/{draft.pk}/")

    assert response.status_code == 200
    assert "外单位形象进度" in text(response)
    assert 'name="action"' not in text(response)


@pytest.mark.parametrize("who", ["leader", "viewer"])
def test_leaders_and_viewers_see_neither_filing_nor_review_buttons(world, who):
    draft = ProgressReportFactory(project=world.own, year=2026, month=9)
    waiting = submitted(world.own, year=2026, month=8)
    client = page(world, who)

    edit, review = text(client.get(f"/reports/{draft.pk}/")), text(client.get(f"/reports/{waiting.pk}/review/"))

    for body in (edit, review):
        assert 'name="action"' not in body
        assert "审核通过</button>" not in body
    assert client.get("/reports/review/").status_code == 403


def test_saving_an_edit_updates_the_draft(world):
    draft = ProgressReportFactory(project=world.own, year=2026, month=9)
    client = page(world, "department")
    version = client.get(f"/reports/{draft.pk}/").context["form"]["version"].value()

    response = client.post(f"/reports/{draft.pk}/", {**content(period_completed="88"), "version": version, "action": "save"})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.period_completed, draft.status) == (Decimal("88"), ReportStatus.DRAFT)
    assert flash(response) == ["已保存2026年9月月报的修改。"]


def test_a_save_over_a_newer_save_is_refused_as_the_api_refuses_a_stale_etag(world):
    draft = ProgressReportFactory(project=world.own, year=2026, month=9)
    client = page(world, "department")
    version = client.get(f"/reports/{draft.pk}/").context["form"]["version"].value()
    office = world.client("office")
    # The page's hidden version is the API's ETag: one version rule for every way in.
    assert f'"v{version}"' == office.get(f"/api/v1/progress-reports/{draft.pk}/")["ETag"]
    office.patch(f"/api/v1/progress-reports/{draft.pk}/", {"next_plan": "项目办改过"}, format="json")

    response = client.post(f"/reports/{draft.pk}/", {**content(period_completed="88"), "version": version, "action": "save"})

    assert response.status_code == 200
    draft.refresh_from_db()
    assert f"已被{draft.version_by}" in text(response)
    assert f"你打开时是第{version}版" in text(response)
    assert "你这次填写的内容没有保存" in text(response)
    draft.refresh_from_db()
    assert draft.period_completed == Decimal("100")


def test_a_returned_report_shows_the_reason_and_can_be_fixed_and_resubmitted(world):
    report = ProgressReportFactory(
        project=world.own, year=2026, month=9, status=ReportStatus.RETURNED, return_reason="完成投资与形象进度不符", return_count=1
    )
    client = page(world, "department")

    shown = client.get(f"/reports/{report.pk}/")
    response = client.post(f"/reports/{report.pk}/", {**content(period_completed="60"), "action": "submit"})

    assert "完成投资与形象进度不符" in text(shown)
    assert "已退回 1 次" in text(shown)
    assert "保存并重新提交" in text(shown)
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.period_completed) == (ReportStatus.SUBMITTED, Decimal("60"))


def test_a_submitted_report_cannot_be_changed_through_the_page(world):
    report = submitted(world.own, year=2026, month=9)
    api = world.client("department").patch(f"/api/v1/progress-reports/{report.pk}/", {"period_completed": "1"}, format="json")

    shown = page(world, "department").get(f"/reports/{report.pk}/")
    response = page(world, "department").post(f"/reports/{report.pk}/", {**content(period_completed="1"), "action": "save"})

    assert 'name="action"' not in text(shown)
    assert response.status_code == 200
    assert api.json()["message"] == "月报当前状态为“已提交（待审核）”，不能修改。"
    assert api.json()["message"] in text(response)
    report.refresh_from_db()
    assert report.period_completed == Decimal("100")


def test_the_edit_page_lists_the_reports_history(world):
    client = page(world, "department")
    client.post(f"/projects/{world.own.pk}/reports/new/", {"year": 2026, "month": 10, **content(), "action": "submit"})
    report = ProgressReport.objects.get(project=world.own)

    body = text(client.get(f"/reports/{report.pk}/"))

    assert "流程记录" in body
    assert body.count("<tr>") >= 3  # header, created, submitted


# --- review ---------------------------------------------------------------------------------


def test_the_review_queue_is_the_offices_alone(world):
    response = page(world, "department").get("/reports/review/")

    assert response.status_code == 403
    assert "只有项目办可以审核通过月度进度报告。" in text(response)


def test_the_review_queue_lists_submitted_reports_oldest_first(world):
    now = timezone.now()
    newer = submitted(world.own, year=2026, month=9, submitted_at=now)
    older = submitted(world.other, year=2026, month=9, submitted_at=now - dt.timedelta(days=2))
    unknown = submitted(world.other, year=2026, month=8, submitted_at=None)  # loaded, not submitted through a service
    ProgressReportFactory(project=world.own, year=2026, month=8)  # a draft is not in the queue

    response = page(world, "office").get("/reports/review/")

    assert [r.pk for r in response.context["page"].object_list] == [unknown.pk, older.pk, newer.pk]
    assert f'href="/reports/{older.pk}/review/"' in text(response)


def test_the_review_queue_runs_the_same_queries_for_2_and_15_reports(world):
    def queue_queries() -> int:
        client = page(world, "office")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/reports/review/")
        assert response.status_code == 200
        return len(queries), len(response.context["page"].object_list)

    submitter = UserFactory(role="department", department=world.dept_a)
    for month in (1, 2):
        submitted(world.own, year=2026, month=month, submitted_by=submitter)
    few, rows_few = queue_queries()
    for month in range(3, 10):
        submitted(world.own, year=2026, month=month, submitted_by=submitter)
    for month in range(3, 9):
        submitted(world.other, year=2026, month=month, submitted_by=UserFactory(role="department", department=world.dept_b))
    many, rows_many = queue_queries()

    assert (rows_few, rows_many) == (2, 15)
    assert few == many, (few, many)


def test_the_review_page_shows_the_plan_of_the_month_and_the_year_to_date(world):
    plan = AnnualPlan.objects.get(project=world.own, year=2026)
    MonthlyTargetFactory(plan=plan, month=9, plan_investment=Decimal("150"), node_target="主体封顶")
    MonthlyTargetFactory(plan=plan, month=8, plan_investment=Decimal("100"))
    ProgressReportFactory(project=world.own, year=2026, month=8, status=ReportStatus.APPROVED, period_completed=Decimal("90"))
    report = submitted(world.own, year=2026, month=9, period_completed=Decimal("120"))

    response = page(world, "office").get(f"/reports/{report.pk}/review/")

    figures = response.context["plan"]
    assert figures.month_target.plan_investment == Decimal("150")
    assert figures.ytd_plan == Decimal("250")
    assert figures.approved_ytd == Decimal("90")
    assert figures.ytd_with_report == Decimal("210")
    assert figures.completion_pct == Decimal("17.50")  # 210 / 1200
    body = text(response)
    assert "主体封顶" in body
    assert 'name="action" value="approve"' in body
    assert 'name="action" value="return"' in body


def test_the_office_approves_a_submitted_report(world):
    report = submitted(world.own, year=2026, month=9)

    response = page(world, "office").post(f"/reports/{report.pk}/review/", {"action": "approve"})

    assert response.status_code == 302
    assert response["Location"] == "/reports/review/"
    report.refresh_from_db()
    assert (report.status, report.reviewed_by) == (ReportStatus.APPROVED, world.users["office"])
    assert flash(response) == ["已审核通过“本单位项目”2026年9月月报。"]


def test_the_office_returns_a_report_with_its_reason(world):
    report = submitted(world.own, year=2026, month=9)

    response = page(world, "office").post(f"/reports/{report.pk}/review/", {"action": "return", "return_reason": " 请补充形象进度 "})

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.return_reason, report.return_count) == (ReportStatus.RETURNED, "请补充形象进度", 1)


def test_approving_a_draft_is_refused_as_by_the_api(world):
    draft = ProgressReportFactory(project=world.own, year=2026, month=9)
    api = world.client("office").post(f"/api/v1/progress-reports/{draft.pk}/approve/")

    response = page(world, "office").post(f"/reports/{draft.pk}/review/", {"action": "approve"})

    assert api.status_code == 400
    assert response.status_code == 200
    assert api.json()["message"] == "月报当前状态为“待提交（草稿）”，不能执行“审核通过”。"
    assert api.json()["message"] in text(response)
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT


def test_an_empty_return_reason_gets_the_services_refusal(world):
    report = submitted(world.own, year=2026, month=9)

    response = page(world, "office").post(f"/reports/{report.pk}/review/", {"action": "return", "return_reason": "   "})

    assert response.status_code == 200
    assert response.context["return_form"].errors["return_reason"] == ["退回时必须填写退回意见。"]
    assert "退回时必须填写退回意见。" in text(response)
    report.refresh_from_db()
    assert (report.status, report.return_count) == (ReportStatus.SUBMITTED, 0)


def test_a_department_approving_gets_the_policys_refusal_as_by_the_api(world):
    report = submitted(world.own, year=2026, month=9)
    api = world.client("department").post(f"/api/v1/progress-reports/{report.pk}/approve/")

    shown = page(world, "department").get(f"/reports/{report.pk}/review/")
    response = page(world, "department").post(f"/reports/{report.pk}/review/", {"action": "approve"})
    returned = page(world, "department").post(f"/reports/{report.pk}/review/", {"action": "return", "return_reason": "不行"})

    assert 'name="action"' not in text(shown)
    assert api.status_code == 403
    assert api.json()["message"] == "只有项目办可以审核通过月度进度报告。"
    assert api.json()["message"] in text(response)
    assert "只有项目办可以退回月度进度报告。" in text(returned)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_an_unknown_review_action_is_a_chinese_message(world):
    report = submitted(world.own, year=2026, month=9)

    response = page(world, "office").post(f"/reports/{report.pk}/review/", {"action": "delete"})

    assert response.status_code == 200
    assert "请选择要执行的操作。" in text(response)


def test_the_office_sees_the_review_link_on_a_submitted_report(world):
    report = submitted(world.own, year=2026, month=9)

    body = text(page(world, "office").get(f"/reports/{report.pk}/"))

    assert f'href="/reports/{report.pk}/review/"' in body
    assert 'name="action"' not in body  # submitted: nothing to save
