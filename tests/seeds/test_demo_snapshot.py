"""The test suite's fast demo (tests/conftest.py `load_demo`): on PostgreSQL the second load copies the
first seed's rows back instead of seeding again. It must leave every table exactly as the seed does,
or every test that uses it would test another portfolio."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import _demo_rows, load_demo, table_fingerprints

pytestmark = pytest.mark.integration


def _fingerprint() -> dict[str, str]:
    with connection.cursor() as cursor:
        return table_fingerprints(cursor, sorted(t for t in connection.introspection.table_names() if t != "django_migrations"))


def test_the_copied_demo_is_the_seeded_demo_table_for_table(postgres, transactional_db):
    # given the demo seeded for real into a flushed database (and kept by load_demo)
    call_command("flush", interactive=False, verbosity=0)
    _demo_rows.clear()
    load_demo()
    seeded = _fingerprint()
    assert len(_demo_rows) == 1
    assert next(iter(_demo_rows.values())) is not None
    call_command("flush", interactive=False, verbosity=0)

    # when it is loaded again into the emptied database
    load_demo()
    assert len(_demo_rows) == 1  # copied, not seeded into another state

    # then every table holds exactly what the seed wrote, and new rows get fresh ids
    assert _fingerprint() == seeded
    from apps.projects.models import Project
    from tests.factories import ProjectFactory

    newest = Project.objects.order_by("-pk").first().pk
    assert ProjectFactory(name="种子之后新建").pk > newest
