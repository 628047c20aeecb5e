"""GET /api/v1/bulletins/: every signed-in role lists the issued bulletins (read-only)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.bulletins.models import Bulletin
from apps.bulletins.services import bulletin_generate
from tests.bulletins.conftest import add_versions


def test_a_department_lists_and_reads_bulletins_with_their_links(bulletin, client):
    client.force_login(User.objects.get(username="zjj"))
    data = client.get("/api/v1/bulletins/").json()
    assert data["count"] == 1
    row = data["results"][0]
    assert (row["id"], row["version"], row["title"]) == (bulletin.pk, 1, bulletin.title)
    assert row["page_url"] == f"/bulletins/{bulletin.pk}/"
    assert row["xlsx_url"] == f"/bulletins/{bulletin.pk}/xlsx/"
    assert client.get(f"/api/v1/bulletins/{bulletin.pk}/").json()["generated_by_name"] == str(bulletin.generated_by)


def test_the_list_filters_by_month_and_keeps_every_version(bulletin, xmb, client, demo_month, today):
    year, month = demo_month
    bulletin_generate(year=year, month=month, actor=xmb, today=today, send=False)
    client.force_login(xmb)
    rows = client.get(f"/api/v1/bulletins/?year={year}&month={month}").json()["results"]
    assert [r["version"] for r in rows] == [2, 1]
    assert client.get(f"/api/v1/bulletins/?year={year - 5}").json()["count"] == 0


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_bulletins_are_not_written_through_the_api(bulletin, xmb, client, method):
    client.force_login(xmb)
    url = "/api/v1/bulletins/" if method == "post" else f"/api/v1/bulletins/{bulletin.pk}/"
    assert getattr(client, method)(url, {}, content_type="application/json").status_code in (403, 405)
    assert Bulletin.objects.count() == 1


def test_the_list_reads_in_the_same_number_of_queries_for_one_or_many(bulletin, xmb, client, django_assert_max_num_queries):
    client.force_login(xmb)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/bulletins/").status_code == 200
    add_versions(bulletin, upto=5, actor=xmb)
    with django_assert_max_num_queries(len(one)):
        assert client.get("/api/v1/bulletins/").json()["count"] == 5
