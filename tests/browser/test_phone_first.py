"""Phone first (issue 19): a leader reads why a red project is red on the dossier's first screen, at
390×844 and 1280×800; 通报, 绩效考核, 驾驶舱 and the dossier fit a phone's width with 总分 and the red
and yellow counts on the first screen; chart legends never overlap the charts.

Each page is saved whole (Visit.shot) and as its first screen (`*-first-screen.png`)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.bulletins.services import bulletin_generate
from apps.lights.selectors import light_context, project_ranks, report_period
from apps.projects.models import Project
from apps.scoring.seeds import load_scoring_schemes
from tests.browser.conftest import PHONE

LAPTOP = {"width": 1280, "height": 800}
MOBILE = {"is_mobile": True, "has_touch": True}


def first_screen(v, name: str) -> None:
    """The whole page (NN-name.png) and what the user sees without scrolling (NN-name-first-screen.png)."""
    path = v.shot(name)
    v.page.screenshot(path=str(path.with_name(path.stem + "-first-screen.png")), full_page=False)


def in_first_screen(page, locator) -> bool:
    """The element lies wholly inside the viewport with the page not scrolled."""
    assert page.evaluate("window.scrollY") == 0
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] + box["width"] <= size["width"]


def no_page_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def reddest_project_of(username: str) -> tuple[Project, list[str]]:
    """The leader's red project with the most reasons, and those reasons (the lights' own)."""
    leader = User.objects.get(username=username).leader
    ids = list(Project.objects.filter(responsibilities__role="leader", responsibilities__leader=leader).values_list("pk", flat=True))
    ranks = project_ranks(light_context(today=timezone.localdate()), ids)
    assert ranks.red, "演示数据中该领导没有红灯项目"
    pk = max(sorted(ranks.red), key=lambda p: len(ranks.reasons(p)))
    return Project.objects.get(pk=pk), [label for _, label in ranks.reasons(pk)]


@pytest.mark.parametrize(("device", "viewport"), [("phone", PHONE), ("desktop", LAPTOP)], ids=["phone", "desktop"])
def test_a_leader_reads_why_a_red_project_is_red_on_the_first_screen(visit, device, viewport):
    project, reasons = reddest_project_of("cwfqz")
    v = visit(viewport, **(MOBILE if device == "phone" else {}))
    page = v.login("cwfqz")
    # when: the leader opens the red project from its list (or the project list when no item of it is due)
    link = page.locator(f"a[href='/projects/{project.pk}/']").first
    if link.count():
        link.click()
        page.wait_for_load_state("networkidle")
    else:
        v.goto(f"/projects/{project.pk}/")
    assert page.url.endswith(f"/projects/{project.pk}/")
    page.evaluate("window.scrollTo(0, 0)")
    first_screen(v, f"dossier-{device}")
    # then: the light and each of its reasons are on the first screen, without scrolling
    card = page.locator("#summary")
    assert card.locator("h2 .light").inner_text() == "红灯"
    box = page.locator("#light-reasons")
    assert in_first_screen(page, box)
    shown = box.inner_text()
    for reason in reasons:
        assert reason in shown
    assert no_page_scroll(page)
    # and: the sections fold on a phone and stay open on a desktop; a link to one opens it
    folds = page.locator("details.fold")
    opened = page.evaluate("Array.from(document.querySelectorAll('details.fold')).filter(d => d.open).length")
    assert opened == (0 if device == "phone" else folds.count())
    page.locator("nav.anchors a[href='#problems']").click()
    assert page.locator("#problems details.fold").evaluate("d => d.open")
    v.shot(f"dossier-{device}-problems")


def test_the_pages_fit_a_phone_with_their_key_figures_on_the_first_screen(visit):
    year, month = report_period(timezone.localdate())
    office = User.objects.get(username="xmb")
    bulletin = bulletin_generate(year=year, month=month, actor=office, send=False)
    load_scoring_schemes(year)
    v = visit(PHONE, **MOBILE)
    page = v.login("xmb")

    # 驾驶舱: the red and yellow counts first
    assert page.url.endswith("/dashboard/")
    first_screen(v, "dashboard")
    assert no_page_scroll(page)
    for light in ("red", "yellow"):
        assert in_first_screen(page, page.locator(f"#dash-lights a[href$='light={light}'] .value"))

    # 绩效考核: each unit a card with its 总分 on the first screen
    v.goto("/scoring/")
    first_screen(v, "scoring")
    assert no_page_scroll(page)
    total = page.locator("table.scoring-board td.total").first
    assert total.is_visible()
    assert in_first_screen(page, total)
    assert total.evaluate("td => getComputedStyle(td, '::before').content").startswith('"总分')

    # 通报: the list, then the kept page: whole buttons (打印 on one line) and no sideways page
    v.goto("/bulletins/")
    first_screen(v, "bulletin-list")
    assert no_page_scroll(page)
    v.goto(f"/bulletins/{bulletin.pk}/")
    first_screen(v, "bulletin")
    assert no_page_scroll(page)
    button = page.locator(".toolbar button[data-print]")
    lines = button.evaluate("b => { const r = document.createRange(); r.selectNodeContents(b); return r.getClientRects().length; }")
    assert lines == 1
    assert in_first_screen(page, button)
    assert page.locator("table.cards").count() >= 1
    assert page.locator("table.cards td[data-label]").count() > 0
    # and printed from the phone, the A4 page is the page as issued: tables, no toolbar
    page.emulate_media(media="print")
    assert page.locator("table.cards thead").first.evaluate("t => getComputedStyle(t).display") == "table-header-group"
    assert page.locator("table.cards td").first.evaluate("td => getComputedStyle(td).display") == "table-cell"
    assert not page.locator(".toolbar").is_visible()
    page.emulate_media(media="screen")

    # the dossier of the biggest red project
    project, _ = reddest_project_of("cwfqz")
    v.goto(f"/projects/{project.pk}/")
    first_screen(v, "dossier")
    assert no_page_scroll(page)
    assert in_first_screen(page, page.locator("#light-reasons"))


def _overlaps(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize(("device", "viewport"), [("phone", PHONE), ("desktop", LAPTOP)], ids=["phone", "desktop"])
def test_chart_legends_never_overlap_the_charts(visit, device, viewport):
    project, _ = reddest_project_of("cwfqz")
    v = visit(viewport, **(MOBILE if device == "phone" else {}))
    page = v.login("xmb")
    charts = {"/dashboard/": ["#chart-months", "#chart-lights"], f"/projects/{project.pk}/": ["#investment-chart"]}
    for url, ids in charts.items():
        v.goto(url)
        page.evaluate("document.querySelectorAll('details.fold').forEach(d => { d.open = true; })")
        page.wait_for_timeout(200)  # the chart redraws at its opened size
        for chart_id in ids:
            chart = page.locator(chart_id)
            legend = page.locator(f"{chart_id} ~ .chart-legend, .chart-legend:has(+ {chart_id})").first
            chart.scroll_into_view_if_needed()
            plot, key = chart.bounding_box(), legend.bounding_box()
            assert legend.locator("li").count() >= 3
            assert plot["height"] > 100, chart_id  # drawn
            assert not _overlaps(plot, key), (chart_id, plot, key)
            assert key["y"] + key["height"] <= plot["y"]  # above the plot
            assert key["x"] + key["width"] <= viewport["width"]
        v.shot(f"charts-{url.strip('/').replace('/', '-')}")
    # a legend entry still hides and shows its series
    entry = page.locator("#investment-chart").locator("xpath=preceding-sibling::ul[1]").locator("li").first
    entry.click()
    assert entry.get_attribute("aria-pressed") == "false"
