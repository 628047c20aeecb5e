"""Thin fixtures. Services that a test needs (PostgreSQL, Redis) are checked here: missing ones
skip the test, unless REQUIRE_SERVICES=1 (set by .ci/run), where a missing service fails it —
so CI can never pass on SQLite alone."""

import datetime as dt
import fcntl
import hashlib
import os
import pickle
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
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


# --- the demo portfolio, seeded once per test session -------------------------------------------
#
# `seed --demo` takes ~10 s of CPU and some forty modules and browser journeys need it. The first
# load in a session is seeded for real and the rows it added are kept, per table (PostgreSQL:
# COPY ... TO STDOUT; SQLite: the rows as tuples). A later load into a database whose every table
# holds the same rows as before that seed (content types and permissions with the same ids,
# everything else empty), on the same day, copies them back in one transaction (sequences moved past
# them): well under a second.
#
# Under pytest-xdist the kept rows are also written to a file in the session's shared temporary
# folder (see `_demo_dump_folder`), under a lock: the first worker that needs the demo seeds it, the
# others wait for its file and copy it, so a session seeds the demo once, not once per worker.
# The seed itself is tested with call_command in tests/seeds; tests/seeds/test_demo_snapshot.py
# holds the copy (from this process and from the file) equal to the seed.


@dataclass
class _DemoRows:
    # (table, columns, rows): PostgreSQL's COPY text as bytes, SQLite's rows as a list of tuples
    tables: list[tuple[str, list[str], bytes | list[tuple]]]


# (vendor, day, every table's content before the seed) -> the seed's rows, or None when the seed
# changed rows that were already there (then it is seeded each time).
_demo_rows: dict[tuple, _DemoRows | None] = {}


@dataclass
class _BaseRows:
    """The tables that held rows before the first seed (content types, permissions), as they were."""

    prints: dict[str, str]
    rows: _DemoRows


# (vendor, day) -> the base the demo was first seeded on. A transactional test (the browser tests)
# ends with a flush, after which Django recreates the content types and permissions with other ids:
# the fingerprints no longer match the kept demo's and it would be seeded again, ~10 s a test. The
# base is put back with its own ids first (nothing else holds a row then), and the demo is copied.
_base_rows: dict[tuple, _BaseRows] = {}

# Where this session's workers share the demo's rows; None: one process, nothing to share.
DEMO_DUMP_FOLDER: Path | None = None


@pytest.fixture(scope="session", autouse=True)
def _demo_dump_folder(tmp_path_factory, worker_id):
    """Under xdist, a folder every worker of this session sees: the parent of the workers' own
    temporary folders (pytest removes it with the session's other temporary folders)."""
    global DEMO_DUMP_FOLDER
    if worker_id != "master":
        DEMO_DUMP_FOLDER = tmp_path_factory.getbasetemp().parent / "demo-dump"
        DEMO_DUMP_FOLDER.mkdir(exist_ok=True)


def table_fingerprints(cursor, tables: list[str]) -> dict[str, str]:
    """Each table's rows hashed: two states with equal fingerprints hold the same rows."""
    from django.db import connection

    quote = connection.ops.quote_name
    out = {}
    for table in tables:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {quote(table)} t")  # noqa: S608
            out[table] = cursor.fetchone()[0]
        else:
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - table names from the introspection
            rows = sorted(repr(row) for row in cursor.fetchall())
            out[table] = hashlib.md5("|".join(rows).encode()).hexdigest()  # noqa: S324 - a fingerprint, not a secret
    return out


EMPTY = "d41d8cd98f00b204e9800998ecf8427e"  # md5 of ""
# Not copied nor compared: the migrations' record, and the statistics' stored rows with their stamps
# (apps.stats.live) — a cache the triggers keep honest: the copied rows bump the stamps as the seed's
# writes did, by other counts, so the stored rows made before are stale and worked out again.
SNAPSHOT_SKIPPED = frozenset({"django_migrations", "stats_figurestamp", "stats_freshmark", "stats_livefigure"})


def snapshot_tables() -> list[str]:
    from django.db import connection

    return sorted(t for t in connection.introspection.table_names() if t not in SNAPSHOT_SKIPPED)


def _keep_rows(cursor, table: str) -> tuple[str, list[str], bytes | list[tuple]]:
    from django.db import connection

    quote = connection.ops.quote_name
    cursor.execute(f"SELECT * FROM {quote(table)} LIMIT 0")  # noqa: S608 - table names from the introspection
    columns = [c[0] for c in cursor.description]
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
            return table, columns, b"".join(bytes(chunk) for chunk in copy)
    cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608
    # Django's SQLite converters hand back dates, datetimes and times; sqlite3 binds the first two
    # back as Django wrote them, a time only as text (Django writes str(time), its ISO form).
    return table, columns, [tuple(v.isoformat() if isinstance(v, dt.time) else v for v in row) for row in cursor.fetchall()]


def _restore_base(cursor, now: dict[str, str], base: _BaseRows) -> bool:
    """Put the base tables back as they were before the first seed, when the database is in the
    state a flush leaves (only those tables hold rows) but with other rows (other ids). True if it did."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    holding = {t for t, p in now.items() if p != EMPTY}
    if holding != set(base.prints) or all(now[t] == p for t, p in base.prints.items()):
        return False
    quote = connection.ops.quote_name
    with transaction.atomic():  # foreign keys (a permission's content type) are checked at the commit
        for table in base.prints:
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - table names from the introspection
        _copy_back(cursor, base.rows)
    ContentType.objects.clear_cache()  # it maps models to the ids just replaced
    return True


def _copy_back(cursor, kept: _DemoRows) -> None:
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection, transaction

    quote = connection.ops.quote_name
    with transaction.atomic():  # foreign keys are checked at the commit, after every table is in
        for table, columns, data in kept.tables:
            names = ", ".join(quote(c) for c in columns)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                    copy.write(data)
            else:
                marks = ", ".join("%s" for _ in columns)
                cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", data)  # noqa: S608
        # PostgreSQL's sequences move past the copied ids; SQLite's AUTOINCREMENT follows by itself.
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
            cursor.execute(sql)


@contextmanager
def _shared_dump(key: tuple) -> Iterator[Path | None]:
    """The file the session's workers share for `key`, held under an exclusive lock (None: no sharing)."""
    if DEMO_DUMP_FOLDER is None:
        yield None
        return
    name = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    with open(DEMO_DUMP_FOLDER / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a worker that is seeding holds it; the others wait for its file
        try:
            yield DEMO_DUMP_FOLDER / f"{name}.pickle"
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_demo() -> None:
    """The demo portfolio, as `manage.py seed --demo` loads it (see the note above)."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    tables = snapshot_tables()
    day = (connection.vendor, timezone.localdate().isoformat())
    with connection.cursor() as cursor:
        before = table_fingerprints(cursor, tables)
        base = _base_rows.get(day)
        if base is not None and _restore_base(cursor, before, base):
            before = table_fingerprints(cursor, tables)
        key = (*day, tuple(sorted(before.items())))
        if key not in _demo_rows:
            with _shared_dump(key) as dump:
                if dump is not None and dump.exists():
                    _demo_rows[key], shared_base = pickle.loads(dump.read_bytes())  # noqa: S301 - written by this session's own workers
                    _base_rows.setdefault(day, shared_base)
                else:
                    base = _BaseRows(
                        {t: p for t, p in before.items() if p != EMPTY},
                        _DemoRows([_keep_rows(cursor, t) for t, p in sorted(before.items()) if p != EMPTY]),
                    )
                    call_command("seed", demo=True, verbosity=0)
                    after = table_fingerprints(cursor, tables)
                    changed = [t for t in tables if after[t] != before[t]]
                    # None: the seed changed rows that were there, copying back its rows is not enough
                    kept = None if any(before[t] != EMPTY for t in changed) else _DemoRows([_keep_rows(cursor, t) for t in changed])
                    _demo_rows[key] = kept
                    _base_rows.setdefault(day, base)
                    if dump is not None:
                        partial = dump.with_suffix(".partial")
                        partial.write_bytes(pickle.dumps((kept, base)))
                        partial.replace(dump)  # whole or absent, never half-written
                    return
        kept = _demo_rows[key]
        if kept is None:
            call_command("seed", demo=True, verbosity=0)
        else:
            _copy_back(cursor, kept)


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The demo portfolio, loaded once per module and flushed afterwards."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        load_demo()
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
