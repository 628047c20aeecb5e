"""The stored rows written by two processes at once (PostgreSQL, two connections), as when web,
worker and beat start together and the seed's refresh runs beside the worker's task: the
production-environment check once failed on it (duplicate key on due_light_day_unique). A rebuild
writes over the light days another process learned; two refreshes take turns."""

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


def test_two_refreshes_at_once_add_the_missing_rows_once(postgres, reference, monkeypatch):
    from apps.lights.models import DueItem
    from apps.lights.services import due_items_refresh
    from tests.factories import MilestoneFactory

    # given open items the stored table lacks (as after the seed's calendar load queued the worker's refresh)
    for _ in range(3):
        MilestoneFactory(planned_date=TODAY + dt.timedelta(days=3))
    DueItem.objects.all().delete()
    started, other_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def other_refresh() -> None:
        try:
            assert started.wait(30)
            due_items_refresh(today=TODAY)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            errors.append(exc)
        finally:
            other_done.set()
            connection.close()

    real_bulk_create = DueItem.objects.bulk_create

    def bulk_create_after_the_other(rows, **kwargs):
        if threading.current_thread() is threading.main_thread():
            started.set()
            # the other refresh runs to its end meanwhile unless it waits for this one (it must:
            # both would add the same rows); 3 s is its time to finish if it does not wait
            other_done.wait(3)
        return real_bulk_create(rows, **kwargs)

    thread = threading.Thread(target=other_refresh)
    thread.start()
    monkeypatch.setattr(DueItem.objects, "bulk_create", bulk_create_after_the_other)
    # when two refreshes run at once
    first = due_items_refresh(today=TODAY)
    thread.join(30)
    # then neither failed, the missing rows were added once
    assert not errors, errors
    assert first.added >= 3
    assert DueItem.objects.count() == first.added
