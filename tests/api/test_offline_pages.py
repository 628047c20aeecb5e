"""No page the system serves makes the browser fetch anything from another host (intranets have no
internet): every admin page of the office, the API docs, Redoc, the schema and the browsable API."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from projects_mgmt.api_router import router

pytestmark = pytest.mark.django_db

# Everything in a page that makes the browser fetch or navigate: attributes and CSS.
URL_ATTRIBUTES = re.compile(r"""\b(?:src|href|action|poster|data|srcset|formaction)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
CSS_URLS = re.compile(r"""url\(\s*["']?([^"')\s]+)""", re.IGNORECASE)
CSS_IMPORTS = re.compile(r"""@import\s+["']([^"']+)["']""", re.IGNORECASE)
LOCAL_HOSTS = {"", "testserver"}
# validator.swagger.io is Swagger UI's default, turned off by the page's settings (tested below).
ONLINE_ASSET_HOSTS = ("fonts.googleapis", "fonts.gstatic", "cdn.redoc.ly", "cdn.jsdelivr", "unpkg.com", "cdnjs")


def external_urls(html: str) -> list[str]:
    found = URL_ATTRIBUTES.findall(html) + CSS_URLS.findall(html) + CSS_IMPORTS.findall(html)
    urls = [u.strip() for candidate in found for u in candidate.split(",")]  # srcset lists several
    return [u for u in urls if (u.startswith("//") or urlparse(u).scheme in ("http", "https")) and urlparse(u).hostname not in LOCAL_HOSTS]


def admin_pages(user) -> list[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        if not model_admin.has_view_permission(request):
            continue
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(request):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    return pages


def api_pages() -> list[str]:
    pages = ["/api/docs/", "/api/redoc/", "/api/v1/"]
    for prefix, _viewset, basename in router.registry:
        try:
            pages.append(reverse(f"{basename}-list"))
        except NoReverseMatch:  # a resource without a list (notification-preferences/me)
            pages.append(f"/api/v1/{prefix}/me/")
    pages += ["/api/v1/overdue/", "/api/v1/deletions/?resource=milestones", "/api/v1/stats/summary/"]
    pages += ["/api/v1/calendar/working-day/?date=2026-10-01", "/api/v1/calendar/add-working-days/?start=2026-10-01&days=3"]
    return pages


def test_no_page_of_the_system_loads_anything_from_another_host(demo_module, client, office_user):
    # given the office signed in on the demo
    client.force_login(office_user)
    pages = admin_pages(office_user) + api_pages()
    assert len(pages) > 40
    offending = {}
    for page in pages:
        # when each page is rendered (the browsable API as HTML)
        response = client.get(page, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, (page, response.status_code)
        # then it names no URL on another host
        urls = external_urls(response.content.decode())
        if urls:
            offending[page] = urls
    assert offending == {}


def test_the_schema_refers_to_no_other_host(client, office_user):
    client.force_login(office_user)
    schema = json.loads(client.get("/api/schema/?format=json").content)
    text = json.dumps(schema)
    assert "x-logo" not in text
    refs = re.findall(r'"\$ref": "([^"]+)"', text)
    assert refs
    assert all(ref.startswith("#/") for ref in refs)


def local_assets(client, page: str) -> list[str]:
    html = client.get(page, HTTP_ACCEPT="text/html").content.decode()
    paths = [u for u in URL_ATTRIBUTES.findall(html) if u.startswith("/") and re.search(r"\.(js|css)(\?|$)", u)]
    return paths + [u for u in URL_ATTRIBUTES.findall(html) if u == reverse("redoc-bundle")]


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/", "/api/v1/", "/admin/"])
def test_the_scripts_and_styles_a_page_loads_fetch_nothing_online(client, office_user, page):
    # given the page's own scripts and style sheets
    client.force_login(office_user)
    assets = set(local_assets(client, page))
    assert assets
    for asset in assets:
        if asset.startswith("/static/"):
            text = open(finders.find(asset.removeprefix("/static/").split("?")[0]), encoding="utf-8").read()  # noqa: SIM115
        else:
            response = client.get(asset)
            text = b"".join(response.streaming_content if response.streaming else [response.content]).decode()
        # then none names an online font, CDN or validator, and no style sheet imports or loads a remote URL
        assert [host for host in ONLINE_ASSET_HOSTS if host in text] == [], asset
        if asset.split("?")[0].endswith(".css"):
            assert [u for u in CSS_URLS.findall(text) + CSS_IMPORTS.findall(text) if urlparse(u).scheme in ("http", "https")] == []


def test_swagger_ui_is_configured_without_the_online_validator(client, office_user):
    client.force_login(office_user)
    page = client.get("/api/docs/").content.decode()
    # the init script is a file of its own (SpectacularSwaggerSplitView, for the CSP)
    script_url = re.search(r'<script src="(/api/docs/\?[^"]*script=[^"]*)"', page).group(1)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script["Content-Type"].startswith("application/javascript")
    assert '"validatorUrl": null' in script.content.decode()


def test_redoc_is_served_without_the_redocly_logo_and_in_chinese(client, office_user):
    from apps.api.docs import BUNDLE, REDOCLY_LOGO

    # given the vendored bundle still loads the logo from the internet
    original = open(finders.find(BUNDLE), encoding="utf-8").read()  # noqa: SIM115
    assert REDOCLY_LOGO in original
    # when the Redoc page's script is fetched
    client.force_login(office_user)
    page = client.get("/api/redoc/").content.decode()
    assert reverse("redoc-bundle") in page
    assert "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" not in page
    served = client.get(reverse("redoc-bundle")).content.decode()
    # then it is the same Redoc without the logo's address, its footer in Chinese
    assert "cdn.redoc.ly" not in served
    assert "接口文档由 Redoc 生成" in served
    assert len(served) > len(original) * 0.99


def test_the_browsable_api_and_the_schema_tags_are_chinese(client, office_user):
    client.force_login(office_user)
    root = client.get("/api/v1/", HTTP_ACCEPT="text/html").content.decode()
    assert "<title>接口目录 – 重点项目清单化管理系统 API</title>" in root
    assert "Django REST framework" not in root
    projects = client.get("/api/v1/projects/", HTTP_ACCEPT="text/html").content.decode()
    assert "项目列表" in projects
    assert "Project List" not in projects
    schema = json.loads(client.get("/api/schema/?format=json").content)
    tags = [tag["name"] for tag in schema["tags"]]
    assert "项目" in tags
    assert all(re.search(r"[\u4e00-\u9fff]", tag) for tag in tags)
    assert all(re.search(r"[\u4e00-\u9fff]", t) for path in schema["paths"].values() for op in path.values() for t in op["tags"])
