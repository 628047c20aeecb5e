"""The office completes an approval whose template asks for a 文号, confirming what will be recorded,
then undoes the completion with a reason; the milestone's history shows both, with who, when and
why (issue 19), on a phone and on a desktop."""

from __future__ import annotations

import pytest

from apps.milestones.models import CLOSED_STATUSES, Milestone, MilestoneStatus
from tests.browser.conftest import PHONE

DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
DOC_NUMBER = "古发改审批〔2026〕45号"
REASON = "批复文件属另一项目，误办结。"


def open_document_milestone() -> Milestone:
    """An open approval of a live project whose template item asks for a 文号."""
    milestone = (
        Milestone.objects.filter(template_item__requires_doc_number=True, project__archived_at__isnull=True, doc_number="")
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("project")
        .order_by("planned_date", "id")
        .first()
    )
    assert milestone is not None, "演示数据中应有须填文号、尚未办结的审批要件"
    return milestone


def assert_message_on_screen(page, text: str, viewport: dict) -> None:
    message = page.locator(".messages .msg-success", has_text=text)
    assert message.is_visible()
    box = message.bounding_box()
    assert box is not None
    assert box["y"] >= 0, "提示应在当前屏幕内"
    assert box["y"] + box["height"] <= viewport["height"], "提示应在当前屏幕内"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_office_completes_with_confirmation_and_a_文号_then_undoes_it_with_a_reason(visit, viewport):
    milestone = open_document_milestone()
    status_before = milestone.status
    v = visit(viewport)
    v.login("xmb")
    page = v.goto(f"/projects/{milestone.project_id}/#milestone-{milestone.pk}")
    row = page.locator(f"#milestone-{milestone.pk}")
    assert row.get_by_role("link", name="撤销办结").count() == 0  # nothing to undo yet
    v.shot("dossier-open")

    # 办结: the page shows what will be recorded and asks to confirm
    row.get_by_role("link", name="办结", exact=True).click()
    page.wait_for_url(f"**/milestones/{milestone.pk}/complete/")
    summary = page.locator(".record-summary")
    assert milestone.name in summary.inner_text()
    assert "（必填，未填写）" in summary.inner_text()
    v.shot("complete-form")
    # pressed without the 文号 and without the confirmation: refused, nothing recorded
    page.get_by_role("button", name="确认办结").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#field-doc_number .errorlist", has_text="该要件办结须填写批复文号或证照编号。").is_visible()
    assert page.locator("#field-confirm .errorlist", has_text="请核对将记录的内容并勾选确认后再办结。").is_visible()
    assert Milestone.objects.get(pk=milestone.pk).status == status_before
    v.shot("complete-refused")
    page.fill("input[name=doc_number]", DOC_NUMBER)
    assert DOC_NUMBER in page.locator(".record-summary").inner_text()  # the summary follows what is typed
    page.check("input[name=confirm]")
    v.shot("complete-confirmed")
    page.get_by_role("button", name="确认办结").click()
    page.wait_for_url(f"**/projects/{milestone.project_id}/#milestone-{milestone.pk}")
    assert_message_on_screen(page, "已办结", viewport)
    row = page.locator(f"#milestone-{milestone.pk}")
    assert DOC_NUMBER in row.inner_text()
    v.shot("dossier-done")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.doc_number) == (MilestoneStatus.DONE, DOC_NUMBER)

    # 撤销办结: the office's, with a reason
    page.locator(".messages .toast-close").click()
    row.get_by_role("link", name="撤销办结").click()
    page.wait_for_url(f"**/milestones/{milestone.pk}/reopen/")
    page.get_by_role("button", name="撤销办结").click()  # no reason: refused
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("请说明撤销办结的原因。").first.is_visible()
    page.fill("textarea[name=reason]", REASON)
    v.shot("reopen-form")
    page.get_by_role("button", name="撤销办结").click()
    page.wait_for_url(f"**/projects/{milestone.project_id}/#milestone-{milestone.pk}")
    assert_message_on_screen(page, "已撤销", viewport)
    row = page.locator(f"#milestone-{milestone.pk}")
    assert row.get_by_role("link", name="办结", exact=True).is_visible()
    assert DOC_NUMBER not in row.inner_text()
    v.shot("dossier-undone")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.actual_date, milestone.doc_number) == (status_before, None, "")

    # the history: the undo (with its reason) above the completion (with its 文号), both by xmb
    row.get_by_role("link", name="变更记录").click()
    page.wait_for_url(f"**/milestones/{milestone.pk}/history/")
    first, second = page.locator("table.milestone-history tbody tr").nth(0), page.locator("table.milestone-history tbody tr").nth(1)
    assert "撤销办结" in first.inner_text()
    assert REASON in first.inner_text()
    assert "办结" in second.inner_text()
    assert DOC_NUMBER in second.inner_text()
    assert "项目办" in first.inner_text()
    assert "项目办" in second.inner_text()
    if viewport is PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    v.shot("history")
