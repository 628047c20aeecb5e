"""The light-day table rebuilt while another process writes it (PostgreSQL, two connections): the
production-environment check once failed here, its seed's rebuild beside the worker's task that had
just learned light days (duplicate key on due_light_day_unique)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from apps.lights.models import DueLightDay
from apps.lights.services import light_table_rebuild, light_table_window

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

TODAY = dt.date(2026, 11, 27)


def test_a_rebuild_writes_over_the_days_another_process_committed_after_its_delete(postgres, reference, monkeypatch):
    first, _ = light_table_window(TODAY)
    learned_uncommitted, rebuild_waiting, learned_committed = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def learner() -> None:
        # another process's write learning the first day of the window (as `_light_days_by_hand` does),
        # committed only after the rebuild's DELETE has run
        try:
            with transaction.atomic():
                DueLightDay.objects.bulk_create(
                    [DueLightDay(kind="milestone", due=first, yellow_from=first, red_from=first)], ignore_conflicts=True
                )
                learned_uncommitted.set()
                rebuild_waiting.wait(30)
            learned_committed.set()
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            errors.append(exc)
            learned_committed.set()
        finally:
            connection.close()

    real_bulk_create = DueLightDay.objects.bulk_create

    def bulk_create_after_the_learner(rows, **kwargs):
        if threading.current_thread() is threading.main_thread():
            rebuild_waiting.set()  # the DELETE has run; let the learner commit first
            assert learned_committed.wait(30)
        return real_bulk_create(rows, **kwargs)

    thread = threading.Thread(target=learner)
    thread.start()
    assert learned_uncommitted.wait(30)
    monkeypatch.setattr(DueLightDay.objects, "bulk_create", bulk_create_after_the_learner)
    # when the table is rebuilt meanwhile
    rows = light_table_rebuild(today=TODAY)
    thread.join(30)
    assert not errors, errors
    # then the rebuild is whole and its own days stand (not the learner's made-up ones)
    assert DueLightDay.objects.count() == rows
    day = DueLightDay.objects.get(kind="milestone", due=first)
    assert (day.yellow_from, day.red_from) != (first, first)
