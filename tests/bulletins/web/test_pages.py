"""/bulletins/: every role reads the list, a bulletin's kept page and its workbook; only the office
sees the 生成通报 form and may post it."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from apps.accounts.models import User
from apps.bulletins.models import Bulletin
from tests.bulletins.conftest import add_versions

READERS = ["admin", "xmb", "zjj", "cwfqz", "viewer"]


@pytest.mark.parametrize("username", READERS)
def test_every_role_reads_the_list_the_page_and_the_workbook(bulletin, client, username):
    client.force_login(User.objects.get(username=username))
    listing = client.get("/bulletins/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert bulletin.title in html
    assert f"/bulletins/{bulletin.pk}/xlsx/" in html
    assert ("生成通报" in html) == (username in ("admin", "xmb"))
    page = client.get(f"/bulletins/{bulletin.pk}/")
    assert page.status_code == 200
    # the page as issued, plus the site's app.js for its print button (the CSP runs no inline handler)
    # and the phone layout's stylesheet and script (screen of 720 px or less; the print is the page's own)
    added = (
        '<script src="/static/web/app.js"></script>\n',
        '<script src="/static/web/bulletin_screen.js"></script>\n',
        '<link rel="stylesheet" href="/static/web/bulletin_screen.css">\n',
    )
    served = page.content.decode()
    for extra in added:
        assert served.count(extra) == 1
        served = served.replace(extra, "")
    assert served == bulletin.html
    download = client.get(f"/bulletins/{bulletin.pk}/xlsx/")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in download["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb.sheetnames[0] == "总体情况"


def test_signed_out_visitors_are_sent_to_login(bulletin, client):
    for url in ("/bulletins/", f"/bulletins/{bulletin.pk}/", f"/bulletins/{bulletin.pk}/xlsx/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_the_office_generates_from_the_form_and_lands_on_the_bulletin(xmb, client, demo_month):
    year, month = demo_month
    client.force_login(xmb)
    response = client.post("/bulletins/generate/", {"year": year, "month": month})
    bulletin = Bulletin.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bulletins/{bulletin.pk}/"
    assert (bulletin.generated_by, bulletin.sent_at) == (xmb, None)  # the box was not ticked
    listing = client.get("/bulletins/").content.decode()
    assert f"已生成《{bulletin.title}》第1版" in listing


@pytest.mark.parametrize("username", ["zjj", "cwfqz", "viewer"])
def test_others_may_not_generate(demo_module, db, client, demo_month, username):
    year, month = demo_month
    client.force_login(User.objects.get(username=username))
    response = client.post("/bulletins/generate/", {"year": year, "month": month, "send": "on"})
    assert response.status_code == 403
    assert "只有项目办" in response.content.decode() or "不能" in response.content.decode()
    assert not Bulletin.objects.exists()


def test_a_bad_month_comes_back_as_a_form_error(xmb, client):
    client.force_login(xmb)
    response = client.post("/bulletins/generate/", {"year": 2026, "month": 13})
    assert response.status_code == 400
    assert "月份应在1至12之间" in response.content.decode()
    response = client.post("/bulletins/generate/", {"year": 2099, "month": 1})
    assert response.status_code == 400
    assert "尚未开始" in response.content.decode()


def test_a_missing_bulletin_is_a_404(demo_module, db, client, xmb):
    client.force_login(xmb)
    assert client.get("/bulletins/999999/").status_code == 404
    assert client.get("/bulletins/999999/xlsx/").status_code == 404


def test_the_list_reads_in_the_same_number_of_queries_for_one_or_many_bulletins(bulletin, client, xmb, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(xmb)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/bulletins/").status_code == 200
    add_versions(bulletin, upto=4, actor=xmb)
    with django_assert_max_num_queries(len(one)):
        assert client.get("/bulletins/").status_code == 200


def test_the_phone_layout_leaves_the_a4_page_and_its_print_alone():
    """The stylesheet added to kept pages applies to screens of 720 px or less only."""
    from pathlib import Path

    css = (Path(__file__).resolve().parents[3] / "static" / "web" / "bulletin_screen.css").read_text()
    rules = css.split("*/", 1)[1].strip()
    assert rules.startswith("@media screen and (max-width: 720px) {")
    assert rules.rstrip().endswith("}")
    assert rules.count("@media") == 1
    assert "print" not in rules


def test_a_kept_page_shows_no_template_comment(bulletin):
    assert "{#" not in bulletin.html
    assert "Kept as issued" not in bulletin.html
