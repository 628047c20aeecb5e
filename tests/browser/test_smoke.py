"""The login page and `/` in a real browser: the office lands on the 驾驶舱, not the admin."""

from tests.browser.conftest import PHONE


def test_office_lands_on_the_dashboard(visit):
    v = visit()
    page = v.login("xmb")
    assert page.url.endswith("/dashboard/")
    assert "驾驶舱" in page.title()
    v.shot("dashboard")


def test_wrong_password_says_so_in_chinese(visit):
    v = visit(PHONE)
    v.goto("/login/")
    v.page.fill("input[name=username]", "xmb")
    v.page.fill("input[name=password]", "wrong")
    v.page.click("button[type=submit]")
    assert v.page.get_by_text("用户名或密码不正确").is_visible()
    v.shot("login-error")
