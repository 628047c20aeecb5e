"""The admin refuses in Chinese (apps/core/admin_site.py, templates/admin/403.html): a page a role may
not use is a 403 in the admin's look that says why — never Django's English "403 Forbidden", never
a 302 back to a login the user already has."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from apps.accounts.roles import load_role_groups
from apps.core.admin_site import NO_ADMIN_ACCESS
from tests.api.world import build_world, items_for
from tests.core.test_admin_policy import admin_client
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def world():
    load_role_groups()
    world = build_world()
    items_for(world.own, world.dept_a)
    return world


def admin_urls() -> list[str]:
    """The changelist and the add page of every model in the admin."""
    urls = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
    return urls


def assert_chinese_admin_refusal(response, url: str) -> str:
    html = response.content.decode()
    assert response.status_code == 403, (url, response.status_code, response.get("Location"))
    assert "Forbidden" not in html, url
    assert "<h1>没有权限</h1>" in html, url
    assert "重点项目清单化管理系统" in html, url  # the admin's header: the admin's look
    assert 'class="errornote"' in html, url
    return html


@pytest.mark.parametrize("role", ["department", "leader", "viewer"])
def test_every_admin_page_a_role_may_not_use_is_a_chinese_403(world, role):
    # given a staff user of the role, in its role group
    client = admin_client(world, role)
    refused = 0
    for url in admin_urls():
        # when it opens each changelist and add page
        response = client.get(url)
        # then what it may use opens, and what it may not is a Chinese 403 in the admin's look
        assert response.status_code in (200, 403), (url, response.status_code, response.get("Location"))
        if response.status_code == 403:
            assert_chinese_admin_refusal(response, url)
            refused += 1
    assert refused >= 10  # each of these roles is refused most of the admin


def test_an_object_the_role_may_not_change_is_refused_in_chinese_on_post(world):
    client = admin_client(world, "viewer")
    url = reverse("admin:projects_project_change", args=[world.own.pk])
    response = client.post(url, {"name": "只读用户改名"})
    assert_chinese_admin_refusal(response, url)
    world.own.refresh_from_db()
    assert world.own.name != "只读用户改名"


@pytest.mark.parametrize("path", ["/admin/", "/admin/projects/project/", "/admin/password_change/"])
def test_a_signed_in_user_without_admin_access_gets_a_chinese_403_not_the_login_page(world, path):
    # given a department user who was never made staff
    user = UserFactory(username="no-admin", role="department", department=world.dept_a, is_staff=False)
    client = Client()
    client.force_login(user)
    # when it opens the admin
    response = client.get(path)
    # then it is told why, not sent to a login it already has
    html = assert_chinese_admin_refusal(response, path)
    assert NO_ADMIN_ACCESS in html


def test_a_stranger_is_still_sent_to_the_admin_login(world):
    response = Client().get("/admin/projects/project/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_section_the_role_sees_nothing_of_is_a_chinese_403_naming_it(world):
    client = admin_client(world, "department")
    labels = {m._meta.app_label: m._meta.app_config.verbose_name for m in admin.site._registry}
    refused = [label for label in labels if client.get(f"/admin/{label}/").status_code == 403]
    assert refused, "the department role sees every admin section"
    html = assert_chinese_admin_refusal(client.get(f"/admin/{refused[0]}/"), refused[0])
    assert f"“{labels[refused[0]]}”" in html


def test_an_unknown_admin_page_is_a_chinese_404_in_the_admin(world):
    client = admin_client(world, "office")
    for path in ("/admin/nothing/", "/admin/projects/nothing/"):
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 404, path
        assert "Not Found" not in html
        assert "Page not found" not in html
        assert CHINESE.search(html)
        assert "重点项目清单化管理系统" in html
