"""A monthly report's round trip in a real browser: 住建局's liaison (zjj, on a phone) files and
submits, the project office (xmb) returns it with a reason, zjj fixes and resubmits, xmb approves."""

from __future__ import annotations

from django.utils import timezone

from apps.lights.selectors import report_period
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import Project
from tests.browser.conftest import PHONE

# In the demo, 住建局 is a 配合单位 of this 新开工 project, which has not started and has filed no report.
PROJECT = "煤研地块开发项目"
REASON = "本月完成投资与现场形象进度不符，请核实后重报。"


def test_a_department_files_the_office_returns_the_department_resubmits_the_office_approves(visit):
    project = Project.objects.get(name=PROJECT)
    year, month = report_period(timezone.localdate())
    assert not ProgressReport.objects.filter(project=project, year=year, month=month).exists()
    zjj, xmb = visit(PHONE), visit()

    # given: zjj opens the form from the project's dossier, with the period due now already filled in
    zjj.login("zjj")
    page = zjj.goto(f"/projects/{project.pk}/")
    zjj.shot("zjj-dossier")
    page.locator("#reports summary").click()  # on a phone the dossier's sections are folded
    page.locator("#reports").get_by_role("link", name="填报月报", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/projects/{project.pk}/reports/new/")
    assert page.input_value("input[name=year]") == str(year)
    assert page.input_value("input[name=month]") == str(month)
    zjj.shot("zjj-report-new")

    # when: zjj fills it and presses 保存并提交
    page.fill("input[name=period_completed]", "320.50")
    page.fill("input[name=image_progress_pct]", "12")
    page.fill("textarea[name=image_progress_text]", "场地平整完成，正在进行地块围挡。")
    page.fill("textarea[name=problems_text]", "部分地块征收尚未完成。")
    page.fill("textarea[name=next_plan]", "完成剩余地块征收，启动土方工程。")
    zjj.shot("zjj-report-filled")
    page.get_by_role("button", name="保存并提交", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert f"/projects/{project.pk}/" in page.url
    assert page.get_by_text(f"已提交{year}年{month}月月报，等待项目办审核。").is_visible()
    zjj.shot("zjj-dossier-after-submit")
    report = ProgressReport.objects.get(project=project, year=year, month=month)
    assert report.status == ReportStatus.SUBMITTED

    # then: the office finds it in its queue and returns it with a reason
    xmb.login("xmb")
    page = xmb.goto("/reports/review/")
    row = page.locator("tr", has_text=PROJECT)
    assert row.count() == 1
    xmb.shot("xmb-review-queue")
    row.get_by_role("link", name="审核", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("对照计划").is_visible()
    assert page.get_by_role("button", name="审核通过", exact=True).is_visible()
    xmb.shot("xmb-review")
    page.get_by_role("button", name="退回", exact=True).click()  # an empty reason is refused
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("退回时必须填写退回意见。").is_visible()
    xmb.shot("xmb-review-empty-reason-refused")
    page.fill("textarea[name=return_reason]", REASON)
    page.get_by_role("button", name="退回", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/reports/review/")
    assert page.get_by_text(f"已退回“{PROJECT}”{year}年{month}月月报").is_visible()
    xmb.shot("xmb-review-queue-after-return")
    report.refresh_from_db()
    assert (report.status, report.return_count) == (ReportStatus.RETURNED, 1)

    # zjj sees the return in the dossier, opens the report, reads the reason, fixes the figure and resubmits
    page = zjj.goto(f"/projects/{project.pk}/")
    page.locator("#reports summary").click()
    zjj.shot("zjj-dossier-returned")
    page.locator(f"#report-{report.pk}").get_by_role("link", name="查看", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/reports/{report.pk}/")
    assert page.get_by_text(REASON).first.is_visible()
    assert page.get_by_text("已退回 1 次").is_visible()
    zjj.shot("zjj-report-returned")
    page.fill("input[name=period_completed]", "180")
    page.fill("textarea[name=image_progress_text]", "场地平整完成，地块围挡完成60%。")
    page.get_by_role("button", name="保存并重新提交", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(f"已提交{year}年{month}月月报，等待项目办审核。").is_visible()
    zjj.shot("zjj-dossier-after-resubmit")

    # the office approves (and confirms the dialog)
    page = xmb.goto("/reports/review/")
    xmb.shot("xmb-review-queue-resubmitted")
    page.locator("tr", has_text=PROJECT).get_by_role("link", name="审核", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("已退回 1 次").first.is_visible()
    xmb.shot("xmb-review-resubmitted")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="审核通过", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(f"已审核通过“{PROJECT}”{year}年{month}月月报。").is_visible()
    assert page.locator("tr", has_text=PROJECT).count() == 0
    xmb.shot("xmb-review-queue-after-approve")

    # the report now reads 审核通过, read-only, for both
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert report.period_completed == 180
    for name, v in (("zjj", zjj), ("xmb", xmb)):
        page = v.goto(f"/reports/{report.pk}/")
        assert page.locator(".report-status").inner_text() == "审核通过"
        assert page.locator("button[name=action]").count() == 0
        v.shot(f"{name}-report-approved")
