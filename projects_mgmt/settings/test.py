"""Test settings: fast hashing, in-memory e-mail, plain static storage."""

import os

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = False
# A rule or calendar edit in one test must not queue a refresh that another test's real worker runs
# (tests/lights/test_stored_due_items.py switches it on where it is the subject).
DUE_ITEMS_REFRESH_ON_EDIT = False
# No collected static files in tests; WhiteNoise would warn about the missing STATIC_ROOT.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405

# A file, not ":memory:", so that a real Celery worker process started by an integration test
# sees the same SQLite test database.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # One file per test process, so two test runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}  # noqa: F405

# Throttling has its own tests; the suite must not trip it.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "100000/min", "user": "100000/min"}}  # noqa: F405

# One process per test run: its own in-memory cache, so `cache.clear()` in a test never flushes the
# Redis database the broker uses. The scale-out tests start real processes with the Redis cache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
