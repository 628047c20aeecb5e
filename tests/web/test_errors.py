"""The pages refuse and fail in Chinese, in the site's look (apps/web/views/errors.py, templates/4xx.html,
500.html, 403_csrf.html): a refusal is an explicit 403 that says why, not a redirect or a 200."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.progress.models import ProgressReport, ReportStatus
from tests.api.world import build_world, items_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = ("Forbidden", "Not Found", "Server Error", "CSRF verification failed", "Bad Request")


@pytest.fixture
def world():
    world = build_world()
    world.items = items_for(world.own, world.dept_a)
    return world


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def assert_chinese_page(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.get("Location"))
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert not [word for word in ENGLISH if word in html], html[:1500]
    assert 'href="/static/web/app.css"' in html  # the site's look
    assert CHINESE.search(re.sub(r"<[^>]+>", "", html))
    return html


@pytest.mark.parametrize("path", ["/nothing/", "/projects/999999/", "/projects/abc/", "/units/departments/999999/"])
def test_an_unknown_page_is_a_chinese_404(world, path):
    html = assert_chinese_page(client_for(world.users["office"]).get(path), 404)
    assert "页面不存在" in html


def test_a_refused_submission_without_its_csrf_token_is_a_chinese_403(world):
    # given a browser that lost its form's CSRF token (an expired page, or a request from elsewhere)
    client = client_for(world.users["department"], enforce_csrf_checks=True)
    # when it posts a 批示
    response = client.post(f"/projects/{world.own.pk}/instruct/", {"text": "越站提交"})
    # then it is refused in Chinese and told what to do
    html = assert_chinese_page(response, 403)
    assert "提交被拒绝" in html
    assert "刷新后重新提交" in html
    assert not world.own.comments.exists()


def test_a_page_that_fails_is_a_chinese_500_and_its_traceback_is_logged(world, monkeypatch, caplog):
    from apps.stats.web import dashboard

    def broken(*args, **kwargs):
        raise RuntimeError("dashboard exploded")

    monkeypatch.setattr(dashboard, "_period", broken)
    client = client_for(world.users["office"], raise_request_exception=False)
    with caplog.at_level("ERROR", logger="django.request"):
        response = client.get("/dashboard/")
    html = assert_chinese_page(response, 500)
    assert "exploded" not in html
    assert "错误已记录" in html
    record = next(r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR")
    assert record.exc_info[0] is RuntimeError


def test_a_leader_refused_a_comment_on_another_leaders_project_gets_a_403_not_a_redirect(world):
    # on main: a 302 back to 我的清单 with a message; a refusal of the policy is a 403 saying why
    response = client_for(world.users["leader"]).post(f"/projects/{world.other.pk}/instruct/", {"text": "越权批示"})
    html = assert_chinese_page(response, 403)
    assert "县级领导只能对本人包保、联系（直报）或协调问题的项目发表意见或批示。" in html
    assert not world.other.comments.exists()


def test_an_approval_the_role_may_not_give_is_a_403_not_a_200(world):
    # given a submitted report and a department user who can open its review page
    report = world.items["submitted"]
    client = client_for(world.users["department"])
    # when it posts 审核通过 (on main: the review page again, 200, with the reason above it)
    response = client.post(f"/reports/{report.pk}/review/", {"action": "approve"})
    # then it is a 403 that says why, and the report is unchanged
    html = response.content.decode()
    assert response.status_code == 403
    assert "项目办" in html
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED


def test_a_form_the_role_may_not_submit_is_a_403_also_after_the_form(world, monkeypatch):
    # a refusal raised by the service itself (the page asked the policy first and was let through)
    from apps.accounts.policy import PolicyDenied
    from apps.projects.web import views as forms

    def refuse(**kwargs):
        raise PolicyDenied("项目已归档，不能再修改。")

    monkeypatch.setattr(forms, "project_comment_add", refuse)
    response = client_for(world.users["office"]).post(f"/projects/{world.own.pk}/comments/new/", {"kind": "comment", "text": "意见"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "项目已归档，不能再修改。" in html
