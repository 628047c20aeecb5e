"""A leader on a phone (390×844) logs in, lands on its list, and writes a 批示 on a project."""

from apps.projects.models import ProjectComment
from tests.browser.conftest import DESKTOP, PHONE


def test_leader_on_a_phone_lands_on_its_list_and_writes_an_instruction(visit):
    v = visit(PHONE, is_mobile=True, has_touch=True)
    page = v.login("cwfqz")
    assert page.url.endswith("/my/")
    assert page.locator("h1").inner_text().endswith("的清单")
    # Usable on a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    v.shot("my-list")

    # The first project it leads (items it coordinates on others' projects carry no 批示 box).
    first = page.locator("#items > li", has=page.locator("summary", has_text="批示")).first
    project_name = first.locator("h3 a").inner_text()
    assert first.locator(".light").first.inner_text() in ("红灯", "黄灯")
    first.locator("summary", has_text="批示").click()
    first.locator("textarea[name=text]").fill("请牵头单位本周内协调解决，周五前报结果。")
    v.shot("instruction-form")
    first.locator("button", has_text="提交批示").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(f"已对“{project_name}”作出批示。").is_visible()
    assert page.get_by_text("请牵头单位本周内协调解决，周五前报结果。").first.is_visible()
    v.shot("instruction-saved")
    comment = ProjectComment.objects.get(text="请牵头单位本周内协调解决，周五前报结果。")
    assert comment.kind == "instruction"
    assert comment.author.username == "cwfqz"

    # The phone menu opens from the ☰ button.
    page.click("button.nav-toggle")
    assert page.locator("#nav a", has_text="我的清单").is_visible()
    v.shot("menu")


def test_office_dashboard_draws_its_charts(visit):
    v = visit(DESKTOP)
    page = v.login("xmb")
    assert page.url.endswith("/dashboard/")
    for chart in ("#chart-months", "#chart-lights", "#chart-departments"):
        assert page.locator(f"{chart} svg").count() == 1, chart
    v.shot("dashboard")
    v.goto("/notifications/")
    v.shot("notifications")


def test_dashboard_on_a_phone(visit):
    v = visit(PHONE, is_mobile=True, has_touch=True)
    page = v.login("xmb")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    v.shot("dashboard-phone")
