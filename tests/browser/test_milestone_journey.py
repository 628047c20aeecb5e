"""A department user completes an overdue milestone of its own in a real browser and sees its light
turn green (demo portfolio, built relative to today)."""

from __future__ import annotations

from django.utils import timezone

from apps.milestones.models import CLOSED_STATUSES, Milestone
from apps.organization.models import Department
from tests.browser.conftest import PHONE
from tests.upload_samples import pdf


def overdue_milestone_of(department_short_name: str) -> Milestone:
    """An open milestone past its planned date that the department is responsible for (the demo
    leaves 住建局's 风光带 node "沿河步道及护栏完工" three days overdue)."""
    dept = Department.objects.get(short_name=department_short_name)
    return (
        Milestone.objects.filter(
            responsible_dept=dept,
            planned_date__lt=timezone.localdate(),
            project__archived_at__isnull=True,
        )
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("project")
        .order_by("-planned_date", "id")
        .first()
    )


def test_a_department_completes_an_overdue_milestone_and_its_light_turns_green(visit):
    # given: 住建局's liaison, signed in, and one of its milestones overdue
    milestone = overdue_milestone_of("住建局")
    assert milestone is not None, "演示数据中应有住建局负责的逾期节点"
    v = visit()
    v.login("zjj")
    v.shot("after-login")
    page = v.goto(f"/projects/{milestone.project_id}/#milestone-{milestone.pk}")
    row = page.locator(f"#milestone-{milestone.pk}")
    assert row.locator(".light-red").is_visible()
    assert page.locator("#investment-chart canvas, #investment-chart svg").count() >= 1  # the chart drew, from local files
    v.shot("dossier-red")

    # when: 办结 with today's date, a 文号 and the scanned approval
    row.get_by_role("link", name="办结").click()
    page.wait_for_url(f"**/milestones/{milestone.pk}/complete/")
    assert page.locator("h1", has_text="办结要件/节点").is_visible()
    today = timezone.localdate().isoformat()
    page.fill("input[name=actual_date]", today)
    page.fill("input[name=doc_number]", "古住建复〔2026〕12号")
    page.set_input_files("input[name=attachment]", files=[{"name": "批复.pdf", "mimeType": "application/pdf", "buffer": pdf()}])
    page.check("input[name=confirm]")
    v.shot("complete-form")
    page.get_by_role("button", name="确认办结").click()

    # then: back on the dossier at the milestone, green, with the 文号 and a success message
    page.wait_for_url(f"**/projects/{milestone.project_id}/#milestone-{milestone.pk}")
    row = page.locator(f"#milestone-{milestone.pk}")
    assert row.locator(".light-green").is_visible()
    assert row.locator(".light-red").count() == 0
    assert "古住建复〔2026〕12号" in row.inner_text()
    assert row.locator("a.attachment").inner_text() == "批复.pdf"  # the uploader's name, not the stored one
    assert row.get_by_role("link", name="办结").count() == 0
    assert page.locator(".messages .msg-success", has_text="已办结").is_visible()
    v.shot("dossier-green")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.actual_date.isoformat()) == ("done", today)


def test_a_future_date_is_refused_in_the_page_on_a_phone(visit):
    milestone = overdue_milestone_of("住建局")
    v = visit(PHONE)
    v.login("zjj")
    v.shot("after-login")
    page = v.goto(f"/milestones/{milestone.pk}/complete/")
    page.fill("input[name=actual_date]", "2999-01-01")
    page.check("input[name=confirm]")
    page.get_by_role("button", name="确认办结").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#field-actual_date .errorlist", has_text="实际完成日期不能晚于今天。").is_visible()
    # the form fits the phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    v.shot("complete-form-refused")
    page = v.goto(f"/projects/{milestone.project_id}/")
    page.locator("#milestones summary").click()  # on a phone the dossier's sections are folded
    assert page.locator(f"#milestone-{milestone.pk} .light-red").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    v.shot("dossier-phone")


def test_a_viewer_sees_no_button_and_gets_the_print_view(visit):
    milestone = overdue_milestone_of("住建局")
    v = visit()
    v.login("viewer")
    v.shot("after-login")
    page = v.goto(f"/projects/{milestone.project_id}/")
    assert page.locator(f"#milestone-{milestone.pk} .light-red").is_visible()
    assert page.get_by_role("link", name="办结").count() == 0
    assert page.get_by_role("link", name="提出问题").count() == 0
    v.shot("dossier-viewer")
    page = v.goto(f"/projects/{milestone.project_id}/print/")
    assert page.locator("nav").count() == 0
    assert page.locator(f"#milestone-{milestone.pk}").is_visible()
    v.shot("print-view")
