"""API throttles (API_TOKEN_RATE per token, API_USER_RATE per signed-in browser user), counted
atomically in the shared cache.

DRF's SimpleRateThrottle reads the history, decides, then writes it back: between the read and the
write another gunicorn worker does the same, and both count one request fewer than there were
(measured on main: 690 of a 1 000-request burst passed a 600/min token limit with 3 workers on
Redis). Here the decision and the write are one step:

- on Redis (production, CI) a Lua script keeps a sliding-window log per key (a sorted set of request
  times by Redis's own clock, so several web machines share one clock): it drops the times older
  than the window, counts, and records the request only when under the limit — Redis runs a script
  alone, so no request can slip in between;
- on any other cache (the embedded default's per-process memory, a database cache) the same window
  is kept under a lock taken with `cache.add`, which is atomic on every Django cache backend.

The window is DRF's (at most N requests in any period), so the limits, the 429, the Chinese message
and the integer Retry-After (apps/api/errors.py) are unchanged.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from redis.commands.core import Script
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

# KEYS[1] the window's sorted set; ARGV: limit, window in microseconds, a unique member.
# Returns {1, 0} when the request is counted, {0, microseconds until a place frees} when refused.
SLIDING_WINDOW_LUA = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
    return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] == nil then
    return {0, window}
end
return {0, tonumber(oldest[2]) + window - now}
"""

# The fallback's lock: how long a holder may keep it (a crashed holder frees it after this), and
# how long a request waits for it before it is refused for a second (never let through uncounted).
LOCK_TTL_SECONDS = 5
LOCK_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    wait: float  # seconds until the next request would be counted (0 when allowed)


_script: Script | None = None


def _redis_hit(cache: RedisCache, key: str, limit: int, duration: int) -> Verdict:
    global _script  # one script object per process, whichever client calls it
    cache_key = cache.make_and_validate_key(key)
    # Django's Redis cache hands out a new client (on its shared connection pool) per call.
    client = cache._cache.get_client(cache_key, write=True)
    if _script is None:
        # Sent as EVALSHA; reloaded by redis-py itself after a Redis restart (NOSCRIPT).
        _script = client.register_script(SLIDING_WINDOW_LUA)
    allowed, wait_us = _script(keys=[cache_key], args=[limit, duration * 1_000_000, uuid.uuid4().hex], client=client)
    return Verdict(bool(allowed), max(0, int(wait_us)) / 1_000_000)


def _locked_hit(cache: BaseCache, key: str, limit: int, duration: int, now: float) -> Verdict:
    lock_key = f"{key}:lock"
    token = uuid.uuid4().hex
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not cache.add(lock_key, token, LOCK_TTL_SECONDS):
        if time.monotonic() > deadline:
            logger.warning("API throttle lock %s not acquired within %ss: request refused", lock_key, LOCK_WAIT_SECONDS)
            return Verdict(False, 1.0)
        time.sleep(0.001)
    try:
        # Newest first, as DRF keeps it.
        history = [t for t in cache.get(key, []) if t > now - duration]
        if len(history) >= limit:
            return Verdict(False, history[-1] + duration - now if history else float(duration))
        history.insert(0, now)
        cache.set(key, history, duration)
        return Verdict(True, 0.0)
    finally:
        if cache.get(lock_key) == token:
            cache.delete(lock_key)


def rate_hit(cache: BaseCache, key: str, limit: int, duration: int, now: float) -> Verdict:
    """Count one request against `limit` per `duration` seconds under `key`, atomically; or refuse it."""
    if isinstance(cache, RedisCache):
        try:
            return _redis_hit(cache, key, limit, duration)
        except RedisError:
            # Redis down must not fail the API (DESIGN.md §2): requests pass uncounted until it is back.
            logger.exception("API throttle: Redis unavailable, request %s not counted", key)
            return Verdict(True, 0.0)
    return _locked_hit(cache, key, limit, duration, now)


class AtomicRateThrottle(SimpleRateThrottle):
    """SimpleRateThrottle's rates and keys, with the count decided and written in one atomic step."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.verdict = rate_hit(self.cache, self.key, self.num_requests, self.duration, self.timer())
        return self.verdict.allowed

    def wait(self) -> float | None:
        verdict = getattr(self, "verdict", None)
        return verdict.wait if verdict is not None and not verdict.allowed else None


class TokenRateThrottle(AtomicRateThrottle):
    """Per token: each external system has its own budget."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None or not hasattr(token, "key_hash"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class UserRateThrottle(AtomicRateThrottle):
    """Per logged-in browser user (token requests are counted by TokenRateThrottle)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated or hasattr(getattr(request, "auth", None), "key_hash"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
