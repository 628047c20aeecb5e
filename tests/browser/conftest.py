"""Browser journeys: Playwright (PyPI) drives Debian's chromium, headless, against a live server.

Every page visited is saved as a screenshot under test-artifacts/browser/<test>/. Every request
the browser makes to a host other than the live server is recorded and refused: the journeys
fail if a page tries to reach the internet (users' networks are closed).

Run alone: bin/test tests/browser. Needs /usr/bin/chromium and a CJK font (`.ci/run` installs
`chromium fonts-wqy-zenhei`); without them the tests skip, except in CI where they fail."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import need_service

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PASSWORD = "Demo@2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service("Playwright（pip install playwright）")
    if not Path(CHROMIUM).exists():
        need_service(f"Debian 的 chromium（{CHROMIUM}；apt-get install chromium fonts-wqy-zenhei）")
    # Playwright's sync API keeps an event loop running in this thread while it is open; the test's
    # own ORM calls are still plain synchronous code (the live server answers from its own thread).
    # Allowed for this module only, and withdrawn before other tests (or their subprocesses) run.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo_site(live_server, transactional_db):
    """The live server with the demo portfolio loaded (reference data, users, projects)."""
    from tests.conftest import load_demo

    load_demo()
    return live_server


class Visit:
    """One browser context: pages, screenshots numbered in visit order, foreign requests refused."""

    def __init__(self, browser, base_url: str, folder: Path, viewport: dict, **context_args):
        self.base_url = base_url.rstrip("/")
        self.folder = folder
        self.count = 0
        self.foreign: list[str] = []
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **context_args)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.console_errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def _route(self, route):
        url = route.request.url
        host = urlparse(url).hostname
        # The browser's own pages (its PDF viewer opening an attachment) never leave the machine.
        if url.startswith(("data:", "blob:", "chrome:", "chrome-extension:")) or host == urlparse(self.base_url).hostname:
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        self.page.goto(self.url(path))
        return self.page

    def shot(self, name: str) -> Path:
        """Save the whole page as NN-name.png."""
        self.count += 1
        safe = re.sub(r"[^\w.-]+", "-", name)
        path = self.folder / f"{self.count:02d}-{safe}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, username: str, password: str = PASSWORD):
        self.goto("/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.shot(f"login-{username}")
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def logout(self):
        self.page.click("header form[action='/logout/'] button")
        self.page.wait_for_load_state("networkidle")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(chromium, demo_site, request):
    """visit(viewport=DESKTOP) → a Visit; all are closed and checked for foreign requests at the end."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "-", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    opened: list[Visit] = []

    def open_visit(viewport: dict | None = None, **context_args) -> Visit:
        v = Visit(chromium, demo_site.url, folder, viewport or DESKTOP, **context_args)
        opened.append(v)
        return v

    yield open_visit
    for v in opened:
        v.close()
    foreign = [u for v in opened for u in v.foreign]
    errors = [e for v in opened for e in v.console_errors]
    assert not foreign, f"页面请求了外部地址：{foreign}"
    assert not errors, f"页面脚本出错：{errors}"
