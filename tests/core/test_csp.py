"""The Content-Security-Policy and the Permissions-Policy on every kind of response: the site-wide
policy runs only our own script files and loads nothing from another origin; the few third-party
pages that need more get exactly that on their paths; a response with its own policy (the media
view's sandbox) keeps it; and no template brings back an inline script, handler or style.
The browser side (no violation on any page, charts and docs rendering) is tests/browser/test_csp.py."""

from __future__ import annotations

import base64
import hashlib
import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from django.utils import timezone

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"没有 Content-Security-Policy：{response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_site_floor(directives: dict[str, list[str]]) -> None:
    """What every page holds whatever its path adds: our own script files only, nothing elsewhere."""
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["style-src"][0] == "'self'"
    for name, sources in directives.items():
        for source in sources:
            # keywords, hashes, and the data:/blob: schemes only: no host, no scheme-wide source
            assert source.startswith("'") or source in ("data:", "blob:"), (name, source)


# Every kind of response: site pages, the login page, admin, the JSON API, the browsable API, the
# schema and the docs (Swagger UI's page and its init script).
PAGES = [
    ("/login/", {}),  # signed out (signed in, it sends the user home)
    ("/dashboard/", {}),
    ("/my/", {}),
    ("/admin/", {}),
    ("/admin/projects/project/", {}),
    ("/api/v1/projects/", {"HTTP_ACCEPT": "application/json"}),
    ("/api/v1/projects/", {"HTTP_ACCEPT": "text/html"}),
    ("/api/schema/", {}),
    ("/api/docs/", {}),
    ("/api/docs/?script=", {}),
    ("/api/redoc/", {}),
    ("/api-auth/login/", {}),
]


@pytest.mark.parametrize(("url", "headers"), PAGES)
def test_every_kind_of_response_carries_the_site_policy(client, office_user, url, headers):
    # given the office signed in
    if url != "/login/":
        client.force_login(office_user)
    # when the page is fetched
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    # then its policy runs only this site's script files and names no other origin
    assert_site_floor(policy(response))


@pytest.mark.parametrize("url", ["/dashboard/", "/projects/", "/admin/", "/api/docs/", "/api/schema/"])
def test_pages_of_our_own_take_styles_from_files_only(client, office_user, url):
    client.force_login(office_user)
    directives = policy(client.get(url))
    assert directives["style-src"] == ["'self'"]
    assert "style-src-attr" not in directives
    assert "worker-src" not in directives


def test_redoc_alone_allows_inline_style_elements_and_its_search_worker(client, office_user):
    client.force_login(office_user)
    directives = policy(client.get("/api/redoc/"))
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["worker-src"] == ["'self'", "blob:"]
    assert directives["script-src"] == ["'self'"]


@pytest.mark.parametrize("url", ["/api/v1/", "/api/v1/projects/", "/api-auth/login/"])
def test_drf_pages_allow_style_attributes_but_no_style_elements(client, office_user, url):
    client.force_login(office_user)
    directives = policy(client.get(url, HTTP_ACCEPT="text/html"))
    assert directives["style-src-attr"] == ["'unsafe-inline'"]
    assert directives["style-src"] == ["'self'"]


def test_the_browsable_api_writes_no_style_element_and_no_inline_handler(client, office_user):
    client.force_login(office_user)
    html = client.get("/api/v1/projects/", HTTP_ACCEPT="text/html").content.decode()
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert 'action="/api-auth/logout/' in html  # 退出 is a plain form


def test_the_permissions_policy_turns_off_what_the_site_never_uses(client):
    header = client.get("/login/").headers["Permissions-Policy"]
    features = dict(part.strip().split("=", 1) for part in header.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi", "display-capture"):
        assert features[feature] == "()", feature


def own_policy_view(request):
    response = HttpResponse(b"%PDF-1.7", content_type="application/pdf")
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


urlpatterns = [path("own-policy/", own_policy_view)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_response_with_its_own_policy_keeps_it(client):
    # given a view that sets its own policy (as the media view does for uploaded files)
    # when it passes through the middleware
    response = client.get("/own-policy/")
    # then the policy is the view's, not the site's; the Permissions-Policy is still added
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "camera=()" in response["Permissions-Policy"]


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _bulletin(html: str):
    from apps.bulletins.models import Bulletin

    now = timezone.now()
    return Bulletin.objects.create(
        year=2026, month=10, title="通报", as_of=now.date(), generated_at=now, figures={}, html=html, xlsx="bulletins/x.xlsx"
    )


def test_a_kept_bulletin_page_allows_exactly_its_own_style_by_hash(client, office_user):
    # given a kept page with its own stylesheet, as the bulletin template writes it
    css = "\nbody { color: #111; }\n"
    bulletin = _bulletin(f"<!doctype html><html><head><style>{css}</style></head><body><button data-print>打印</button></body></html>")
    client.force_login(office_user)
    # when it is served
    response = client.get(f"/bulletins/{bulletin.pk}/")
    # then its <style> is allowed by its hash (not 'unsafe-inline'), and app.js runs its print button
    directives = policy(response)
    assert_site_floor(directives)
    assert directives["style-src"] == ["'self'", _sha256(css)]
    # (and the phone layout's own script, a file of the site's like app.js)
    assert (
        '<script src="/static/web/app.js"></script>\n<script src="/static/web/bulletin_screen.js"></script>\n</body>'
        in response.content.decode()
    )


def test_kept_bulletin_pages_lose_their_inline_print_handler(office_user):
    # given a page issued before the policy, with an inline onclick on its print button
    from django.apps import apps

    old = '<button type="button" class="primary" onclick="window.print()">打印</button>'
    bulletin = _bulletin(f"<html><body>{old}<p>正文</p></body></html>")
    migration = importlib.import_module("apps.bulletins.migrations.0002_kept_pages_print_button_without_inline_handler")
    # when the data migration runs
    migration.forwards(apps, None)
    # then the button is a data-print control and nothing else changed
    bulletin.refresh_from_db()
    assert bulletin.html == '<html><body><button type="button" class="primary" data-print>打印</button><p>正文</p></body></html>'


# --- templates ------------------------------------------------------------------------------

TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("apps/*/templates"))]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
# The kept 通报 page carries its stylesheet (a document as issued); its view allows it by hash.
OWN_STYLESHEET = {"apps/bulletins/templates/bulletins/bulletin_print.html"}


def page_templates() -> list[Path]:
    """Every template a browser renders as a page (e-mails, which mail clients need inline-styled,
    are never served by the site)."""
    found = [p for d in TEMPLATE_DIRS for p in d.rglob("*.html") if "email" not in p.relative_to(d).parts]
    assert len(found) > 30
    return found


def test_no_template_has_an_inline_script_handler_or_style():
    offending = []
    for template in page_templates():
        name = str(template.relative_to(ROOT))
        text = template.read_text(encoding="utf-8")
        for label, pattern in (("inline <script>", INLINE_SCRIPT), ("on*= handler", HANDLER), ("style=", STYLE_ATTRIBUTE)):
            offending += [f"{name}: {label}" for _ in pattern.findall(text)]
        if "javascript:" in text.lower():
            offending.append(f"{name}: javascript: URL")
        if STYLE_ELEMENT.search(text) and name not in OWN_STYLESHEET:
            offending.append(f"{name}: <style>")
    assert offending == []
