"""The README's screenshots: 驾驶舱, a project dossier and 我的清单, on a desktop and on a phone.

Always saved under test-artifacts/; `README_SCREENSHOTS=1 bin/test tests/browser/test_readme_screenshots.py`
also refreshes docs/screenshots/ (the files the README shows)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from apps.projects.models import Project
from tests.browser.conftest import DESKTOP, PHONE

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _keep(visit, name: str) -> None:
    """The whole page under test-artifacts; the first screen (what a user sees) for the README."""
    path = visit.shot(name)
    if os.environ.get("README_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        visit.page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)
    return path


@pytest.mark.parametrize(("device", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_readme_screenshots(visit, device, viewport):
    mobile = {"is_mobile": True, "has_touch": True} if device == "phone" else {}
    office = visit(viewport, **mobile)
    office.login("xmb")
    _keep(office, f"dashboard-{device}")
    project = Project.objects.get(name__startswith="高铁古丈西站进站路")
    office.goto(f"/projects/{project.pk}/")
    assert project.name in office.page.locator("h1").inner_text()
    _keep(office, f"dossier-{device}")

    leader = visit(viewport, **mobile)
    leader.login("cwfqz")
    assert leader.page.url.endswith("/my/")
    _keep(leader, f"my-list-{device}")
