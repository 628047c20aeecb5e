"""Every page of the site (the shell's and each app's `web` pages), for every role of the demo: no 500, and nothing fetched from another
host (users' networks are closed). Routes are read from the URL conf, so a new page is covered
the day it is added — a route with an id must name its model below, or this test fails."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver

from apps.accounts.models import User
from apps.web.urls import urlpatterns
from tests.api.test_offline_pages import ONLINE_ASSET_HOSTS, external_urls

pytestmark = pytest.mark.django_db

# URL-name prefix → the model whose first row fills `<int:pk>`.
PK_MODELS = {
    "project": "projects.Project",
    "plan": "projects.AnnualPlan",
    "report": "progress.ProgressReport",
    "milestone": "milestones.Milestone",
    "land": "land.LandAcquisition",
    "problem": "problems.Problem",
    "department": "organization.Department",
    "region": "organization.Region",
    "notification": "reminders.Notification",
    "sheet-import": "sheets.ImportJob",
    "bulletin": "bulletins.Bulletin",
    "user-password": "accounts.User",
}
USERS = ["admin", "xmb", "zjj", "cwfqz", "viewer"]


def _model(name: str):
    from django.apps import apps

    for prefix, label in sorted(PK_MODELS.items(), key=lambda kv: -len(kv[0])):
        if name.startswith(prefix):
            return apps.get_model(label)
    raise AssertionError(f"页面 {name} 带 id 参数，请在 PK_MODELS 中登记它对应的模型")


def page_patterns() -> list[URLPattern]:
    """Every page route in the `web` namespace: the shell's own and each app's included ones (at
    the root, so a nested route is the whole address)."""

    def walk(patterns) -> list[URLPattern]:
        found = []
        for p in patterns:
            if isinstance(p, URLResolver):
                assert str(p.pattern) == "", "an app's pages are included at the root"
                found += walk(p.url_patterns)
            else:
                assert isinstance(p, URLPattern)
                found.append(p)
        return found

    return walk(urlpatterns)


def page_urls() -> list[tuple[str, str]]:
    urls = []
    for p in page_patterns():
        route = str(p.pattern)
        if "<" not in route:
            urls.append((p.name, "/" + route))
            continue
        if "<int:pk>" not in route:
            continue  # files (media/<path:name>) have their own tests
        row = _model(p.name).objects.order_by("pk").first()
        if row is None:
            continue
        urls.append((p.name, "/" + route.replace("<int:pk>", str(row.pk))))
    return urls


@pytest.mark.parametrize("username", USERS)
def test_no_page_fails_or_reaches_outside(demo_module, client, username):
    client.force_login(User.objects.get(username=username))
    seen = 0
    for name, url in page_urls():
        response = client.get(url)
        assert response.status_code < 500, (name, url, response.status_code)
        content_type = response.get("Content-Type", "")
        if response.status_code == 200 and content_type.startswith("text/html"):
            html = response.content.decode()
            assert not external_urls(html), (url, external_urls(html))
            assert not any(host in html for host in ONLINE_ASSET_HOSTS), url
            seen += 1
    assert seen >= 5
