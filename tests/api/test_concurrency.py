"""No lost update on PostgreSQL: a writer holding a stale ETag waits for the row lock, then gets 412."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from apps.projects.models import Project
from tests.api.world import build_world

pytestmark = pytest.mark.integration


@pytest.mark.django_db(transaction=True)
def test_a_write_racing_a_locked_row_gets_412_not_a_lost_update(postgres):
    world = build_world()
    client = world.client("office")
    url = f"/api/v1/projects/{world.own.pk}/"
    etag = client.get(url)["ETag"]
    result = {}

    def second_writer():
        try:
            result["response"] = client.patch(url, {"remarks": "乙单位修改"}, format="json", HTTP_IF_MATCH=etag)
        finally:
            connection.close()

    with transaction.atomic():
        # The first writer holds the row (as a PATCH does between its lock and its commit).
        Project.objects.select_for_update().get(pk=world.own.pk)
        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the second writer must wait for the row lock"
        Project.objects.filter(pk=world.own.pk).update(remarks="甲单位修改")
    thread.join(timeout=30)

    assert result["response"].status_code == 412
    assert result["response"].json()["current"]["remarks"] == "甲单位修改"
    assert Project.objects.get(pk=world.own.pk).remarks == "甲单位修改"
