"""The login lockout: two limits on the failures django-axes records, who the client is, and what a
locked-out user sees.

Axes records every failed login (site, admin, browsable API: they all call authenticate()) as a row
per username + client address (AccessAttempt: failures so far, time of the last one). On those rows
two limits apply, both within the cool-off (LOGIN_COOLOFF_MINUTES):

- the account limit (LOGIN_FAILURE_LIMIT, axes' own AXES_FAILURE_LIMIT): this username from this
  address — a typo-prone user locks only themself, and only where they are;
- the address limit (LOGIN_ADDRESS_FAILURE_LIMIT): all usernames from this address together — one
  address spraying a few passwords over many usernames is stopped, whatever the usernames.

Axes 8.3.1 accepts several lockout parameter sets but compares them all with one failure limit, so
the address limit is added here, in a handler of our own on axes' rows (same table, same admin
unlock, same `axes_reset_ip`). A success clears only its own username+address row, so the typos a
bureau behind one NAT address makes before signing in never add up; what adds up is failures
nobody followed with a success.

A try during a lock is refused without being recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
= False), so the lock ends when it said it would: nobody behind the same address can keep a
colleague locked out by trying again.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from collections.abc import Iterable
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class Lock:
    """A lock in force: which limit (ACCOUNT or ADDRESS), its failure limit and when it ends."""

    kind: str
    limit: int
    until: dt.datetime

    def seconds_left(self, now: dt.datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds()))

    def minutes_left(self, now: dt.datetime) -> int:
        return max(1, math.ceil(self.seconds_left(now) / 60))


def account_limit() -> int:
    return settings.AXES_FAILURE_LIMIT


def address_limit() -> int:
    return settings.LOGIN_ADDRESS_FAILURE_LIMIT


def cool_off() -> dt.timedelta:
    return get_cool_off() or dt.timedelta(0)


def lock_end(rows: Iterable[tuple[dt.datetime, int]], limit: int, window: dt.timedelta) -> dt.datetime | None:
    """When a limit stops holding over `rows` (last failure time, failures) inside the window, or None
    when it does not hold now.

    A row counts until its last failure is older than the window. Newest first, the row at which
    the running total reaches the limit is the one whose expiry brings the total below it (every
    older row has expired by then, no newer one is enough): the lock ends one window after it.
    """
    total = 0
    for attempt_time, failures in sorted(rows, key=lambda row: row[0], reverse=True):
        total += failures
        if total >= limit:
            return attempt_time + window
    return None


def current_lock(username: str | None, ip_address: str | None, now: dt.datetime) -> Lock | None:
    """The lock that refuses `username` from `ip_address` at `now` (the one that ends later), if any."""
    if not ip_address:
        return None
    window = cool_off()
    rows = list(
        AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=now - window).values_list(
            "username", "attempt_time", "failures_since_start"
        )
    )
    locks = []
    account_end = lock_end(((t, n) for name, t, n in rows if name == username), account_limit(), window)
    if account_end is not None:
        locks.append(Lock(ACCOUNT, account_limit(), account_end))
    address_end = lock_end(((t, n) for _, t, n in rows), address_limit(), window)
    if address_end is not None:
        locks.append(Lock(ADDRESS, address_limit(), address_end))
    # The address lock names itself on a tie: it is the one the user cannot wait out elsewhere.
    return max(locks, key=lambda lock: (lock.until, lock.kind == ADDRESS), default=None)


def request_lock(request: HttpRequest, credentials: dict | None = None) -> Lock | None:
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    return current_lock(get_client_username(request, credentials), getattr(request, "axes_ip_address", None), now)


class LoginLockHandler(AxesDatabaseHandler):
    """Axes' database handler with the address limit beside its username+address limit."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        return request_lock(request, credentials) is not None

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # Axes flags the failure that reaches its own (account) limit; the one that reaches the
        # address limit gets the lockout page as well, not one more "wrong password".
        if request is None or request.axes_locked_out or self.is_whitelisted(request, credentials):
            return
        if self.is_locked(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=get_client_username(request, credentials), ip_address=request.axes_ip_address
            )


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the TCP peer, or, behind LOGIN_TRUSTED_PROXY_COUNT proxies, the address
    the outermost of our proxies saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N of
    ours in front the N-th entry from the right is the client; everything left of it was sent by
    the client itself and could be anything (taking the left-most would let an attacker pick a new
    "address" per attempt and never be locked out).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.LOGIN_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            # A shorter chain than configured: the request passed fewer proxies; its first hop is
            # still the one our outermost proxy recorded.
            candidate = _valid_ip(hops[-count] if len(hops) >= count else hops[0])
            if candidate:
                return candidate
    return _valid_ip(remote) if remote else None


def lockout_message(lock: Lock, now: dt.datetime) -> str:
    """What the lock is and when it ends. The same words whether the username exists or not: axes
    counts failures for unknown usernames exactly like for real ones."""
    until = f"{timezone.localtime(lock.until):%H:%M}"
    wait = f"锁定至 {until}，请 {lock.minutes_left(now)} 分钟后再试（期间再次尝试不会延长锁定），或联系项目办解锁。"
    if lock.kind == ADDRESS:
        return f"登录失败次数过多：当前网络地址 {cool_off_minutes()} 分钟内已有 {lock.limit} 次密码错误（不论用户名），该地址的所有账号已暂时锁定，{wait}"
    return f"登录失败次数过多：该用户名在当前网络地址已连续 {lock.limit} 次密码错误，已暂时锁定，{wait}"


def cool_off_minutes() -> int:
    return max(1, math.ceil(cool_off().total_seconds() / 60))


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None) -> HttpResponse:
    """The Chinese lockout page for every login form: 429, naming the limit and when it ends, with
    Retry-After in seconds."""
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    # The request was just flagged by one of the limits; should both have lapsed in between (an
    # office unlock), the account limit's full cool-off is still what the user was told to wait.
    lock = request_lock(request, credentials) or Lock(ACCOUNT, account_limit(), now + cool_off())
    response = TemplateResponse(
        request,
        "web/lockout.html",
        {
            "message": lockout_message(lock, now),
            "lock": lock,
            "account_limit": account_limit(),
            "address_limit": address_limit(),
            "minutes": cool_off_minutes(),
            # Back to the form the user came from (site, admin or API login), without its query.
            "login_path": request.path,
        },
        status=429,
    )
    response["Retry-After"] = str(lock.seconds_left(now))
    return response.render()
