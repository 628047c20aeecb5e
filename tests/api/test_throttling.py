"""The API throttle counts atomically: racing requests never pass more than the limit, on Redis
(a Lua script, one step) and on the fallback caches (a lock). The 3-worker gunicorn burst is in
tests/core/test_scale_out.py; the 429 shape and Retry-After in tests/api/test_tokens.py."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from apps.api.throttling import rate_hit


class SlowLocMemCache(LocMemCache):
    """The embedded default's cache, with a millisecond between reading a value and returning it:
    the gap in which another request reads the same history. Without the lock, racing threads
    then count one request fewer than they were, as gunicorn workers do on Redis."""

    def get(self, key, default=None, version=None):
        value = super().get(key, default, version)
        time.sleep(0.001)
        return value


def _burst(cache, key: str, *, requests: int, limit: int, threads: int) -> list:
    def hit(_):
        return rate_hit(cache, key, limit, 60, time.time())

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(hit, range(requests)))


def test_the_locked_fallback_lets_exactly_the_limit_through_racing_threads():
    # given the per-process cache with a race window, and 16 threads sending 400 requests at 150/min
    cache = SlowLocMemCache(f"throttle-{uuid.uuid4().hex}", {})
    # when they race
    verdicts = _burst(cache, "throttle_token_1", requests=400, limit=150, threads=16)
    # then exactly 150 pass and every refusal says how long to wait
    assert sum(v.allowed for v in verdicts) == 150
    assert all(0 < v.wait <= 60 for v in verdicts if not v.allowed)


def test_a_refused_request_waits_until_the_oldest_counted_request_leaves_the_window():
    cache = LocMemCache(f"throttle-{uuid.uuid4().hex}", {})
    assert rate_hit(cache, "k", 2, 60, 1000.0).allowed
    assert rate_hit(cache, "k", 2, 60, 1010.0).allowed
    refused = rate_hit(cache, "k", 2, 60, 1020.0)
    assert not refused.allowed
    assert refused.wait == pytest.approx(40.0)
    # a refused request is not counted: at 1060 the first has left the window and one place is free
    assert rate_hit(cache, "k", 2, 60, 1060.5).allowed
    assert not rate_hit(cache, "k", 2, 60, 1061.0).allowed


@pytest.mark.integration
def test_on_redis_racing_threads_pass_exactly_the_limit(redis_url):
    # given the shared Redis cache and 32 threads sending 1 000 requests at 600/min
    cache = RedisCache(redis_url, {"KEY_PREFIX": f"t{uuid.uuid4().hex[:8]}"})
    key = "throttle_token_1"
    try:
        # when they race
        verdicts = _burst(cache, key, requests=1000, limit=600, threads=32)
    finally:
        cache.delete(key)
    # then exactly 600 pass, and the rest wait (by Redis's clock) until the oldest leaves the window
    assert sum(v.allowed for v in verdicts) == 600
    assert all(0 < v.wait <= 60 for v in verdicts if not v.allowed)


@pytest.mark.integration
def test_on_redis_a_refused_request_waits_for_the_window_and_is_not_counted(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": f"t{uuid.uuid4().hex[:8]}"})
    try:
        assert rate_hit(cache, "k", 2, 2, time.time()).allowed
        assert rate_hit(cache, "k", 2, 2, time.time()).allowed
        refused = rate_hit(cache, "k", 2, 2, time.time())
        assert not refused.allowed
        assert 1 < refused.wait <= 2
        time.sleep(refused.wait + 0.05)
        assert rate_hit(cache, "k", 2, 2, time.time()).allowed
    finally:
        cache.delete("k")


def test_redis_down_lets_requests_through_instead_of_failing_the_api(caplog):
    # nothing listens on port 1: every Redis call fails at once
    cache = RedisCache("redis://127.0.0.1:1/0", {})
    verdict = rate_hit(cache, "k", 1, 60, time.time())
    assert verdict.allowed
    assert "Redis unavailable" in caplog.text
