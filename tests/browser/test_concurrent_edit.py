"""Two office users edit the same project in two pages (issue 20, the version rule): the first save
lands; the second is refused with a Chinese message naming who saved first and when, and what the
second typed is still in the form — nothing is lost on either side. After a reload the second user
sees the first's change and saves their own over it, knowingly."""

from __future__ import annotations

import pytest

from apps.accounts.models import Role, User
from apps.projects.models import Project
from tests.browser.conftest import DESKTOP, PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

FIRST = "甲：调度会后，主体结构施工已过半。"
SECOND = "乙：本周完成二层楼板浇筑。"


def test_the_second_save_is_refused_naming_who_changed_it_and_nothing_is_lost(visit):
    # given: a live project, and a second office user besides xmb
    project = Project.objects.filter(archived_at__isnull=True).order_by("id").first()
    User.objects.create_user(username="xmb2", password=PASSWORD, role=Role.PORTFOLIO_OFFICE, last_name="李", first_name="四")
    first_user = User.objects.get(username="xmb")
    a, b = visit(DESKTOP), visit(DESKTOP)
    a.login("xmb")
    b.login("xmb2")

    # both open the project's edit page before either saves
    page_a = a.goto(f"/projects/{project.pk}/")
    page_a.get_by_role("link", name="修改项目信息").click()
    page_a.wait_for_url(f"**/projects/{project.pk}/edit/")
    page_b = b.goto(f"/projects/{project.pk}/edit/")
    seen = project.version
    assert page_a.locator("input[name=version]").input_value() == str(seen)
    assert page_b.locator("input[name=version]").input_value() == str(seen)

    # when: xmb saves first
    page_a.fill("textarea[name=remarks]", FIRST)
    page_a.get_by_role("button", name="保存").click()
    page_a.wait_for_url(f"**/projects/{project.pk}/")
    assert page_a.locator(".messages .msg-success").inner_text().strip().startswith("项目信息已保存")
    a.shot("first-saved")

    # and xmb2, on the page opened before that save, saves too
    page_b.fill("textarea[name=remarks]", SECOND)
    page_b.get_by_role("button", name="保存").click()
    page_b.wait_for_load_state("networkidle")
    b.shot("second-refused")

    # then: xmb2 is told, in Chinese, who changed it; their text is still in the form
    error = page_b.locator(".errorlist, .form-errors, [role=alert]").first
    assert error.is_visible()
    message = error.inner_text()
    assert f"已被{first_user}" in message
    assert f"你打开时是第{seen}版" in message
    assert "你这次填写的内容没有保存" in message
    assert page_b.locator("textarea[name=remarks]").input_value() == SECOND
    project.refresh_from_db()
    assert project.remarks == FIRST
    assert project.version == seen + 1

    # a reload shows xmb's change; xmb2 writes again over the version they now see
    page_b = b.goto(f"/projects/{project.pk}/edit/")
    assert page_b.locator("textarea[name=remarks]").input_value() == FIRST
    page_b.fill("textarea[name=remarks]", SECOND)
    page_b.get_by_role("button", name="保存").click()
    page_b.wait_for_url(f"**/projects/{project.pk}/")
    project.refresh_from_db()
    assert (project.remarks, project.version, project.version_by.username) == (SECOND, seen + 2, "xmb2")
