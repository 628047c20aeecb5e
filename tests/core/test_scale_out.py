"""Several web processes on one PostgreSQL and one Redis, as `docker compose up --scale web=2` runs
them: two gunicorn processes share one API throttle (the counts are in Redis, not in each process's
memory). Two sweeps at once and two workers: tests/reminders/test_worker.py."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from apps.accounts.models import Role
from apps.api.models import ApiToken
from tests.factories import UserFactory
from tests.reminders.test_worker import HANG, _database_url, _free_port, _wait_until

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


class Web:
    """One gunicorn process (one worker) with the Redis cache, like a scaled `web` service."""

    def __init__(self, redis_url: str, prefix: str, folder: Path) -> None:
        self.port = _free_port()
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "projects_mgmt.settings.local",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": prefix,
            "API_TOKEN_RATE": "6/min",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        }
        self.log = open(folder / f"web-{self.port}.log", "a+")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "gunicorn", "projects_mgmt.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

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

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.seek(0)
        print(self.log.read()[-3000:])  # shown when the test fails
        self.log.close()


def test_two_web_processes_share_one_throttle(transactional_db, redis_url, tmp_path):
    # given a token allowed 6 requests a minute and two web processes on one Redis
    user = UserFactory(username="jk", role=Role.PORTFOLIO_OFFICE)
    _, key = ApiToken.issue(user=user, name="对接系统")
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
