"""CI runs on the real services: these fail (not skip) under REQUIRE_SERVICES=1 when one is missing."""

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.integration


def test_the_database_is_postgresql(postgres):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 150000


def test_celery_uses_redis_when_redis_url_is_set(redis_url):
    import redis

    assert redis_url == settings.CELERY_BROKER_URL
    assert redis.Redis.from_url(redis_url).ping()


def test_the_embedded_default_uses_the_filesystem_broker(monkeypatch, tmp_path):
    # Settings read at import: evaluate base.py afresh without REDIS_URL.
    import importlib

    import projects_mgmt.settings.base as base

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    fresh = importlib.reload(base)
    try:
        assert fresh.CELERY_BROKER_URL == "filesystem://"
        assert fresh.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        assert fresh.CELERY_RESULT_BACKEND.startswith("file://")
    finally:
        monkeypatch.undo()
        importlib.reload(base)
