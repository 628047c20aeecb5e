"""Thin fixtures. Services that a test needs (PostgreSQL, Redis) are checked here: missing ones
skip the test, unless REQUIRE_SERVICES=1 (set by .ci/run), where a missing service fails it —
so CI can never pass on SQLite alone."""

import datetime as dt
import os
import socket
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


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The demo portfolio, loaded once per module (it takes seconds) and flushed afterwards."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("seed", demo=True, verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
