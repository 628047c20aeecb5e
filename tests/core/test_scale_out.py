"""Several web processes on one PostgreSQL and one Redis, as `docker compose up --scale web=2` runs
them: two gunicorn processes share one API throttle (the counts are in Redis, not in each process's
memory). Two sweeps at once and two workers: tests/reminders/test_worker.py."""

from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from apps.accounts.models import Role
from apps.accounts.services import token_issue
from bench.load import Gunicorn
from tests.factories import UserFactory
from tests.reminders.test_worker import HANG, _database_url, _wait_until

pytestmark = pytest.mark.integration


class Web:
    """One gunicorn process (one worker unless told) with the Redis cache, like a scaled `web` service."""

    def __init__(self, redis_url: str, prefix: str, folder: Path, *, workers: int = 1, api_rate: str = "6/min") -> None:
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "projects_mgmt.settings.local",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": prefix,
            "API_TOKEN_RATE": api_rate,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        }
        # Started as the load test starts it; its access log names the worker of each request.
        self.server = Gunicorn(workers=workers, env=env, log_path=folder / f"web-{uuid.uuid4().hex[:8]}.log")
        self.port = self.server.port

    @property
    def proc(self):
        """The gunicorn master process (tests/core/test_pg_restart.py checks it was never restarted)."""
        return self.server.proc

    def get(self, path: str, token: str | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")  # noqa: S310 - loopback
        if token:
            request.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                return response.status, dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers)

    def up(self) -> bool:
        try:
            return self.get("/login/")[0] == 200
        except OSError:
            return False

    def stop(self) -> str:
        self.server.stop()
        text = Path(self.server.log.name).read_text(encoding="utf-8", errors="replace")
        print(text[-3000:])  # shown when the test fails
        return text


def test_two_web_processes_share_one_throttle(transactional_db, redis_url, tmp_path):
    # given a token allowed 6 requests a minute and two web processes on one Redis
    user = UserFactory(username="jk", role=Role.PORTFOLIO_OFFICE)
    _, key = token_issue(actor=None, user=user, name="对接系统")
    prefix = f"t{uuid.uuid4().hex[:8]}"  # one cache, as in production; fresh counts for this test
    webs = [Web(redis_url, prefix, tmp_path) for _ in range(2)]
    try:
        for web in webs:
            _wait_until(web.up, HANG, "gunicorn 启动")
        # when 12 requests alternate between the two
        answers = [webs[i % 2].get("/api/v1/regions/", key) for i in range(12)]
    finally:
        for web in webs:
            web.stop()
    # then 6 pass in all — not 6 per process — and the rest are told when to come back
    statuses = [status for status, _ in answers]
    assert statuses.count(200) == 6, statuses
    assert statuses.count(429) == 6, statuses
    for status, headers in answers:
        if status == 429:
            assert int(headers["Retry-After"]) > 0


BURST = 1000
TOKEN_LIMIT = 600


def test_a_burst_of_1000_requests_across_3_gunicorn_workers_passes_at_most_600(transactional_db, redis_url, tmp_path):
    """The finding: DRF's get-then-set let 690 of 1 000 through a 600/min limit with 3 workers."""
    # given a token allowed 600 requests a minute and one gunicorn with 3 workers on one Redis
    user = UserFactory(username="burst", role=Role.PORTFOLIO_OFFICE)
    _, key = token_issue(actor=None, user=user, name="对接系统")
    web = Web(redis_url, f"t{uuid.uuid4().hex[:8]}", tmp_path, workers=3, api_rate=f"{TOKEN_LIMIT}/min")
    try:
        _wait_until(web.up, HANG, "gunicorn 启动")
        # when 1 000 requests race from 24 client threads (each waits only for its own answer)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=24) as pool:
            answers = list(pool.map(lambda _: web.get("/api/v1/regions/", key), range(BURST)))
        elapsed = time.monotonic() - started
    finally:
        log = web.stop()
    statuses = [status for status, _ in answers]
    passed = statuses.count(200)
    print(f"burst: {passed} of {BURST} passed a {TOKEN_LIMIT}/min limit across 3 workers in {elapsed:.1f} s")
    # then no more than the limit passes — exactly the limit while the burst fits in the window —
    # and every other request is told when to come back
    assert passed <= TOKEN_LIMIT
    if elapsed < 60:
        assert passed == TOKEN_LIMIT, statuses
    assert statuses.count(429) == BURST - passed, set(statuses)
    assert all(int(headers["Retry-After"]) >= 1 for status, headers in answers if status == 429)
    # and the three workers really served the burst side by side
    served_by = set(re.findall(r'^<(\d+)> .*"GET /api/v1/regions/ ', log, re.MULTILINE))
    assert len(served_by) == 3, served_by
