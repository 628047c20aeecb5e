"""The monthly 通报 in a real browser: the project office (xmb) generates a demo month's bulletin
with the button, opens the printable page (screenshot), and reads its heading and a figure."""

from __future__ import annotations

from django.utils import timezone

from apps.bulletins.models import Bulletin
from apps.lights.selectors import report_period


def test_the_office_generates_a_months_bulletin_and_opens_it(visit):
    year, month = report_period(timezone.localdate())
    xmb = visit()

    # given: the office on the bulletin list, the form filled with the month whose reports are due
    xmb.login("xmb")
    page = xmb.goto("/bulletins/")
    assert page.get_by_role("heading", name="月度通报").is_visible()
    assert page.input_value("input[name=year]") == str(year)
    assert page.input_value("input[name=month]") == str(month)
    xmb.shot("bulletin-list-empty")

    # when: it presses 生成通报 (sending to the subscribed leaders)
    page.get_by_role("button", name="生成通报", exact=True).click()
    page.wait_for_load_state("networkidle")

    # then: the kept, printable bulletin opens, with its heading and the period figures
    bulletin = Bulletin.objects.get(year=year, month=month)
    assert page.url.endswith(f"/bulletins/{bulletin.pk}/")
    assert page.locator("h1").inner_text() == f"全县重点项目推进情况通报（{year}年{month}月）"
    figures = bulletin.figures["summary"]["figures"]
    assert page.locator("tr[data-key=project_count] td.num").inner_text() == str(figures["project_count"])
    assert f"{float(figures['annual_plan']):,.2f}" == page.locator("tr[data-key=annual_plan] td.num").inner_text()
    assert page.locator("#speech").inner_text() == bulletin.figures["summary"]["sentence"]
    heading_font = page.eval_on_selector("h2", "e => getComputedStyle(e).fontFamily")
    assert "黑体" in heading_font
    body_font = page.eval_on_selector("p.lead", "e => getComputedStyle(e).fontFamily")
    assert "仿宋" in body_font
    assert page.get_by_role("link", name="下载Excel").is_visible()
    xmb.shot("bulletin-printable")

    # and: back on the list, the new version is there with its links and the send count
    page.get_by_role("link", name="返回").click()
    page.wait_for_load_state("networkidle")
    row = page.locator(f"#bulletin-{bulletin.pk}")
    assert row.get_by_role("link", name="查看").is_visible()
    assert row.get_by_role("link", name="下载Excel").is_visible()
    assert page.get_by_text(f"已生成《{bulletin.title}》第1版").is_visible()
    xmb.shot("bulletin-list-after")

    # and: the workbook downloads
    with page.expect_download() as download:
        row.get_by_role("link", name="下载Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
