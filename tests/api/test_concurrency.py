"""No lost update on PostgreSQL: a writer holding a stale ETag waits for the row lock, then gets 412."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import F

from apps.projects.models import Project
from tests.api.world import build_world

pytestmark = pytest.mark.integration

HANG = 600  # seconds; only a hang fails, never a slow machine


def _wait_for_a_lock_waiter() -> None:
    """Until PostgreSQL shows another session of this database waiting for a row lock."""
    deadline = time.monotonic() + HANG
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # pg_stat_activity is a per-transaction snapshot, and we poll inside one: refresh it
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError(f"等待超时（{HANG}秒）：第二个写入者没有等待行锁")


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
        _wait_for_a_lock_waiter()  # the second writer must wait for the row lock
        assert thread.is_alive()
        # ... and saves, moving the version as every save does (apps/core/versioning.py).
        Project.objects.filter(pk=world.own.pk).update(remarks="甲单位修改", version=F("version") + 1)
    thread.join(timeout=HANG)
    assert not thread.is_alive(), "the second writer never finished"

    assert result["response"].status_code == 412
    assert result["response"].json()["current"]["remarks"] == "甲单位修改"
    assert Project.objects.get(pk=world.own.pk).remarks == "甲单位修改"
