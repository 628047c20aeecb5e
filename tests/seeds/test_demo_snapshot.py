"""The test suite's fast demo (tests/conftest.py `load_demo`): after the first seed of a session, a
load copies the seed's rows back instead of seeding again — from this process's memory, or from the
file another xdist worker wrote. Each must leave every table exactly as the seed does, or every test
that uses it would test another portfolio."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

import tests.conftest as suite
from tests.conftest import _base_rows, _demo_rows, load_demo, snapshot_tables, table_fingerprints

pytestmark = pytest.mark.integration


def _fingerprint() -> dict[str, str]:
    with connection.cursor() as cursor:
        return table_fingerprints(cursor, snapshot_tables())


def _newest_project_then_a_new_one() -> tuple[int, int]:
    from apps.projects.models import Project
    from tests.factories import ProjectFactory

    newest = Project.objects.order_by("-pk").first().pk
    return newest, ProjectFactory(name="种子之后新建").pk


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo seeded for real once for the module, into a flushed database, by `load_demo` with
    nothing kept and a dump folder of the module's own (as if this process were an xdist worker):
    what it kept in memory, the file it wrote, and every table's fingerprint. (A real seed is most
    of a minute; each test below starts from this one, as the suite's later loads do.)"""
    folder = tmp_path_factory.mktemp("demo-dump")
    saved, saved_base = dict(_demo_rows), dict(_base_rows)
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock():
        patch.setattr(suite, "DEMO_DUMP_FOLDER", folder)
        _demo_rows.clear()
        _base_rows.clear()
        call_command("flush", interactive=False, verbosity=0)
        load_demo()
        kept = (dict(_demo_rows), dict(_base_rows), {p.name: p.read_bytes() for p in folder.iterdir()})
        yield kept, _fingerprint()
        call_command("flush", interactive=False, verbosity=0)
    _demo_rows.clear()
    _demo_rows.update(saved)
    _base_rows.clear()
    _base_rows.update(saved_base)


@pytest.fixture
def shared_folder(seeded_once, tmp_path, monkeypatch):
    """The state right after the module's real seed: its rows in this process's memory and its file
    in a dump folder of the test's own."""
    (rows, base, files), _ = seeded_once
    monkeypatch.setattr(suite, "DEMO_DUMP_FOLDER", tmp_path)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    _demo_rows.clear()
    _demo_rows.update(rows)
    _base_rows.clear()
    _base_rows.update(base)
    return tmp_path


@pytest.fixture
def seeded(seeded_once) -> dict[str, str]:
    """Every table's fingerprint right after the real seed."""
    return seeded_once[1]


def test_the_copied_demo_is_the_seeded_demo_table_for_table(transactional_db, shared_folder, seeded):
    # given the demo seeded for real into a flushed database (kept by load_demo, and written for the
    # other workers: `seeded_once`)
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


def test_after_a_transactional_test_s_flush_the_demo_is_copied_not_seeded(transactional_db, shared_folder, seeded, monkeypatch):
    # given the demo seeded once (`seeded_once`), loaded
    call_command("flush", interactive=False, verbosity=0)
    load_demo()
    assert _fingerprint() == seeded
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


def test_a_worker_whose_file_is_there_does_not_seed(transactional_db, shared_folder, seeded, monkeypatch):
    # given the demo seeded once and its file written (`seeded_once`), in another worker
    call_command("flush", interactive=False, verbosity=0)
    _demo_rows.clear()

    # when another worker loads it while seeding is impossible
    def no_seed(*args, **kwargs):
        raise AssertionError("不应再次生成演示数据")

    monkeypatch.setattr("django.core.management.call_command", no_seed)
    load_demo()

    # then it copied the file
    assert _fingerprint() == seeded
