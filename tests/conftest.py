"""Thin fixtures. Services that a test needs (PostgreSQL, Redis) are checked here: missing ones
skip the test, unless REQUIRE_SERVICES=1 (set by .ci/run), where a missing service fails it —
so CI can never pass on SQLite alone."""

import datetime as dt
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest

from tests.factories import UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(what: str) -> None:
    """Skip for want of a service; fail instead when CI requires every service."""
    message = f"需要 {what}，但当前环境没有"
    if REQUIRE_SERVICES:
        pytest.fail(message + "（REQUIRE_SERVICES=1）")
    pytest.skip(message)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        need_service("Redis（设置 REDIS_URL）")
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2).close()
    except OSError:
        need_service(f"可连接的 Redis（{url}）")
    return url


@pytest.fixture
def postgres(db) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        need_service("PostgreSQL（设置 DATABASE_URL）")


@pytest.fixture
def reference(db):
    """Categories, templates, warning rules, calendar, regions, departments, leaders."""
    from seeds.reference import load_reference

    load_reference()


@pytest.fixture
def office_user(db):
    return UserFactory(username="office", role="office", is_staff=True, is_superuser=True)


# 2026-11-27 10:00 in Asia/Shanghai: a Friday, after the year's last holiday, with 2027 unknown.
FROZEN_NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def frozen_today():
    """Time stands still at FROZEN_NOW."""
    import time_machine

    with time_machine.travel(FROZEN_NOW, tick=False):
        yield FROZEN_NOW


@pytest.fixture
def moving_today():
    """Starts at FROZEN_NOW and keeps ticking (history rows need distinct timestamps)."""
    import time_machine

    with time_machine.travel(FROZEN_NOW, tick=True):
        yield FROZEN_NOW


# --- the demo portfolio, seeded once per test process -------------------------------------------
#
# `seed --demo` takes ~10 s of CPU and some forty modules and browser journeys need it. On PostgreSQL
# the first load in a test process is seeded for real and the rows it added are kept (COPY ... TO
# STDOUT, per table); a later load on the same day into a database whose every table holds the same
# rows as before that seed (content types and permissions with the same ids, everything else empty)
# copies them back in one transaction (COPY ... FROM STDIN, sequences moved past them): well under a
# second. SQLite always seeds. The seed itself is tested with call_command in tests/seeds;
# tests/seeds/test_demo_snapshot.py holds the copy equal to the seed.


@dataclass
class _DemoRows:
    tables: list[tuple[str, list[str], bytes]]  # (table, columns, COPY text) of what the seed added


# (database, day, every table's content before the seed) -> the seed's rows, or None when the seed
# changed rows that were already there (then it is seeded each time).
_demo_rows: dict[tuple, _DemoRows | None] = {}


def table_fingerprints(cursor, tables: list[str]) -> dict[str, str]:
    """Each table's rows hashed (PostgreSQL): two states with equal fingerprints hold the same rows."""
    from django.db import connection

    quote = connection.ops.quote_name
    out = {}
    for table in tables:
        cursor.execute(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {quote(table)} t")  # noqa: S608
        out[table] = cursor.fetchone()[0]
    return out


EMPTY = "d41d8cd98f00b204e9800998ecf8427e"  # md5 of ""


def load_demo() -> None:
    """The demo portfolio, as `manage.py seed --demo` loads it (see the note above)."""
    from django.apps import apps
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    if connection.vendor != "postgresql":
        call_command("seed", demo=True, verbosity=0)
        return
    quote = connection.ops.quote_name
    tables = sorted(t for t in connection.introspection.table_names() if t != "django_migrations")
    with connection.cursor() as cursor:
        before = table_fingerprints(cursor, tables)
        key = (connection.settings_dict["NAME"], timezone.localdate(), tuple(sorted(before.items())))
        kept = _demo_rows.get(key)
        if kept is not None:
            with transaction.atomic():
                for table, columns, data in kept.tables:
                    names = ", ".join(quote(c) for c in columns)
                    with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                        copy.write(data)
                for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
                    cursor.execute(sql)
            return
        call_command("seed", demo=True, verbosity=0)
        if key in _demo_rows:
            return
        after = table_fingerprints(cursor, tables)
        changed = [t for t in tables if after[t] != before[t]]
        if any(before[t] != EMPTY for t in changed):
            _demo_rows[key] = None  # the seed changed rows that were there: copying back its rows is not enough
            return
        kept_tables = []
        for table in changed:
            cursor.execute(f"SELECT * FROM {quote(table)} LIMIT 0")  # noqa: S608 - table names from the introspection
            columns = [c.name for c in cursor.description]
            with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            kept_tables.append((table, columns, data))
        _demo_rows[key] = _DemoRows(tables=kept_tables)


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The demo portfolio, loaded once per module and flushed afterwards."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        load_demo()
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
