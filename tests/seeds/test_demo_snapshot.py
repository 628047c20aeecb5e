"""The test suite's fast demo (tests/conftest.py `load_demo`): after the first seed of a session, a
load copies the seed's rows back instead of seeding again — from this process's memory, or from the
file another xdist worker wrote. Each must leave every table exactly as the seed does, or every test
that uses it would test another portfolio."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

import tests.conftest as suite
from tests.conftest import _base_rows, _demo_rows, load_demo, table_fingerprints

pytestmark = pytest.mark.integration


def _fingerprint() -> dict[str, str]:
    with connection.cursor() as cursor:
        return table_fingerprints(cursor, sorted(t for t in connection.introspection.table_names() if t != "django_migrations"))


def _newest_project_then_a_new_one() -> tuple[int, int]:
    from apps.projects.models import Project
    from tests.factories import ProjectFactory

    newest = Project.objects.order_by("-pk").first().pk
    return newest, ProjectFactory(name="种子之后新建").pk


@pytest.fixture
def shared_folder(tmp_path, monkeypatch):
    """A dump folder of the test's own, as if this process were an xdist worker."""
    monkeypatch.setattr(suite, "DEMO_DUMP_FOLDER", tmp_path)
    saved, saved_base = dict(_demo_rows), dict(_base_rows)
    _demo_rows.clear()
    _base_rows.clear()
    yield tmp_path
    _demo_rows.clear()
    _demo_rows.update(saved)
    _base_rows.clear()
    _base_rows.update(saved_base)


def test_the_copied_demo_is_the_seeded_demo_table_for_table(transactional_db, shared_folder):
    # given the demo seeded for real into a flushed database (kept by load_demo, and written for the
    # other workers)
    call_command("flush", interactive=False, verbosity=0)
    load_demo()
    seeded = _fingerprint()
    assert len(_demo_rows) == 1
    assert next(iter(_demo_rows.values())) is not None
    assert len(list(shared_folder.glob("*.pickle"))) == 1

    # when it is loaded again into the emptied database, from this process's memory
    call_command("flush", interactive=False, verbosity=0)
    load_demo()
    assert len(_demo_rows) == 1  # copied, not seeded into another state
    # then every table holds exactly what the seed wrote, and new rows get fresh ids
    assert _fingerprint() == seeded
    newest, new = _newest_project_then_a_new_one()
    assert new > newest

    # when another worker (nothing in memory) loads it into its emptied database, from the file
    call_command("flush", interactive=False, verbosity=0)
    _demo_rows.clear()
    load_demo()
    # then it too holds exactly what the seed wrote, and new rows get fresh ids
    assert _fingerprint() == seeded
    newest, new = _newest_project_then_a_new_one()
    assert new > newest


def test_after_a_transactional_test_s_flush_the_demo_is_copied_not_seeded(transactional_db, shared_folder, monkeypatch):
    # given the demo seeded once
    call_command("flush", interactive=False, verbosity=0)
    load_demo()
    seeded = _fingerprint()
    # and the flush a transactional test ends with: sequences not reset, so the content types and
    # permissions Django recreates get other ids than the ones the demo was seeded on
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
    assert _fingerprint()["django_content_type"] != seeded["django_content_type"]

    # when the demo is loaded again while seeding is impossible
    def no_seed(*args, **kwargs):
        raise AssertionError("不应再次生成演示数据")

    monkeypatch.setattr("django.core.management.call_command", no_seed)
    load_demo()

    # then every table holds exactly what the seed wrote, content types and permissions with their ids
    assert _fingerprint() == seeded
    from django.contrib.contenttypes.models import ContentType

    from apps.projects.models import Project

    assert ContentType.objects.get_for_model(Project).model_class() is Project


def test_a_worker_whose_file_is_there_does_not_seed(transactional_db, shared_folder, monkeypatch):
    # given the demo seeded once and its file written
    call_command("flush", interactive=False, verbosity=0)
    load_demo()
    seeded = _fingerprint()
    call_command("flush", interactive=False, verbosity=0)
    _demo_rows.clear()

    # when another worker loads it while seeding is impossible
    def no_seed(*args, **kwargs):
        raise AssertionError("不应再次生成演示数据")

    monkeypatch.setattr("django.core.management.call_command", no_seed)
    load_demo()

    # then it copied the file
    assert _fingerprint() == seeded
