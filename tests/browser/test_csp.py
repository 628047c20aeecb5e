"""Every kind of page in a real browser under the site's Content-Security-Policy, as the office on the
demo: the site's pages (every route of apps.web, a 通报 and a running import among them), the admin,
the browsable API, Swagger UI and Redoc. A page fails on any CSP violation the browser reports
(`securitypolicyviolation` events and console errors), on a missing policy, and when what the page
is for does not happen: charts drawn, Swagger's operations listed, Redoc's rendered, print buttons
and the import's progress poll working, the browsable API's 退出 signing out. (One test: the demo
takes most of a minute to load.)

The header itself, directive by directive, is tests/core/test_csp.py."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.test_offline_pages import admin_pages
from tests.browser.conftest import PASSWORD
from tests.web.test_every_page import page_urls

# Records what the page's policy refused, and stands in for the print dialog (headless has none).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " at " + e.sourceFile + ":" + e.lineNumber);
}, true);
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""
# What Chromium says in the console about a policy (a refused script or style, an unknown feature).
POLICY_WORDS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy", "Permissions Policy")


class Watched:
    """A signed-in browser context whose every page is checked for policy violations."""

    def __init__(self, v):
        self.v = v
        self.page = v.page
        self.console: list[str] = []
        self.problems: dict[str, list[str]] = {}
        v.context.add_init_script(WATCH)
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" or any(word in message.text for word in POLICY_WORDS):
            self.console.append(f"{message.type}: {message.text}")

    def open(self, path: str, *, ready: str | None = None):
        """Go to `path`, wait for `ready` (a selector) if given, and record what went wrong."""
        self.console.clear()
        response = self.page.goto(self.v.url(path))
        self.page.wait_for_load_state("networkidle")
        if ready:
            self.page.locator(ready).first.wait_for()
        found = []
        if response is None or response.status != 200:
            found.append(f"HTTP {response.status if response else '—'}")
        elif "script-src 'self'" not in (response.headers.get("content-security-policy") or ""):
            found.append("没有 Content-Security-Policy")
        found += self.page.evaluate("window.__csp") + self.console
        if found:
            self.problems[path] = found
        return self.page


def html_pages(user, paths: list[str]) -> list[str]:
    """The paths that answer `user` with an HTML page (POST-only routes and downloads left out)."""
    client = Client()
    client.force_login(user)
    pages = []
    for path in paths:
        response = client.get(path, HTTP_ACCEPT="text/html")
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append(path)
    return pages


@pytest.fixture
def issued(demo_site):
    """A 通报 of the demo's last month and an import that is still running (their pages are kinds too)."""
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.bulletins.services import bulletin_generate
    from apps.lights.selectors import report_period
    from apps.sheets.models import ImportJob, ImportStatus

    xmb = User.objects.get(username="xmb")
    year, month = report_period(timezone.localdate())
    bulletin = bulletin_generate(year=year, month=month, actor=xmb, send=False)
    job = ImportJob.objects.create(
        created_by=xmb, file_name="大表.xlsx", status=ImportStatus.RUNNING, started_at=timezone.now(), total_rows=40, processed_rows=10
    )
    return xmb, bulletin, job


def test_every_page_kind_runs_under_the_policy_without_a_violation(visit, issued):
    xmb, bulletin, job = issued
    v = visit()
    v.login("xmb")
    w = Watched(v)

    # the policy is enforced and the watch sees it: a script injected into the page does not run
    page = w.open("/my/")
    ran = page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s); return window.__ran === 1; }"
    )
    assert ran is False
    assert any(r.startswith("script-src-elem inline") for r in page.evaluate("window.__csp"))
    w.problems.clear()

    # every page of the site, as the office sees it
    site = html_pages(xmb, [url for _, url in page_urls()])
    kinds = {"/dashboard/", "/my/", "/projects/", "/units/", "/scoring/", "/bulletins/", "/import/", "/import/history/", "/reports/review/"}
    assert kinds | {f"/bulletins/{bulletin.pk}/", f"/import/jobs/{job.pk}/"} <= set(site)
    assert len(site) > 20  # forms, details and the rest (which rows answer 200 depends on the demo's dates)
    for path in site:
        w.open(path)

    # the 驾驶舱's three charts and the dossier's (canvas on screen, SVG in print) are drawn
    page = w.open("/dashboard/", ready="#chart-departments svg")
    for chart in ("chart-months", "chart-lights", "chart-departments"):
        assert page.locator(f"#{chart} svg path").count() > 0, chart
    project = site_project(site)
    page = w.open(f"/projects/{project}/", ready="#investment-chart canvas")
    v.shot("dossier")
    page = w.open(f"/projects/{project}/print/", ready="#investment-chart svg")
    page.click("[data-print]")
    assert page.evaluate("window.__printed") == 1

    # the kept 通报 page keeps its own styles (allowed by hash) and its print button works
    page = w.open(f"/bulletins/{bulletin.pk}/")
    assert page.locator(".masthead").evaluate("e => getComputedStyle(e).textAlign") == "center"
    page.click("[data-print]")
    assert page.evaluate("window.__printed") == 1
    v.shot("bulletin")

    # the running import shows its bar and polls its status
    with v.page.expect_request(lambda r: r.url.endswith(f"/import/jobs/{job.pk}/status/")):
        page = w.open(f"/import/jobs/{job.pk}/")
    assert page.locator("#import-progress progress").get_attribute("value") == "25"

    # the admin: its index, every list (the light dots among them), and the add and change forms of
    # the rows the office edits most (every form is the same kind of page)
    forms = ("/projects/project/", "/milestones/milestone/", "/problems/problem/", "/accounts/user/")
    admin = [p for p in html_pages(xmb, admin_pages(xmb)) if p.count("/") <= 4 or any(f in p for f in forms)]
    assert len(admin) > 25
    for path in admin:
        w.open(path)
    page = w.open("/admin/projects/project/")
    assert page.locator(".light-dot").first.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"

    # the browsable API, Swagger UI with its operations, and Redoc rendered
    for path in ("/api/v1/", "/api/v1/projects/", f"/api/v1/projects/{project}/", "/api/v1/overdue/"):
        w.open(path)
    page = w.open("/api/docs/", ready=".opblock")
    assert page.locator(".opblock").count() > 50
    assert page.locator(".opblock-tag", has_text="项目").count() > 0
    page.screenshot(path=str(v.folder / "swagger.png"))
    page = w.open("/api/redoc/", ready="h2:has-text('项目列表')")
    assert page.locator("[role=menuitem]").count() > 20
    page.screenshot(path=str(v.folder / "redoc.png"))  # the first screen: the whole page is too tall

    # the browsable API's 退出 (a form, not DRF's inline handler) ends the session, and DRF's own
    # login page runs under the policy too
    page = w.open("/api/v1/")
    page.click(".navbar .dropdown-toggle")
    page.click("button:has-text('退出')")
    page.wait_for_load_state("networkidle")
    page.goto(v.url("/dashboard/"))
    assert "/login/" in page.url
    page = w.open("/api-auth/login/")
    page.fill("input[name=username]", "xmb")
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state("networkidle")

    assert w.problems == {}


def site_project(site: list[str]) -> int:
    return int(next(p for p in site if p.startswith("/projects/") and p.endswith("/print/")).split("/")[2])
