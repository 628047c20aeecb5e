"""The login lockout's two hooks for django-axes: who the client is, and what a locked-out user sees.

Axes counts failed logins per username+IP (settings: AXES_*, LOGIN_TRUSTED_PROXY_COUNT) on every
login form; these functions are named in AXES_CLIENT_IP_CALLABLE and AXES_LOCKOUT_CALLABLE.
"""

from __future__ import annotations

import ipaddress
import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


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


def cooloff_minutes(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_message(request: HttpRequest | None = None) -> str:
    minutes = cooloff_minutes(request)
    return f"登录失败次数过多，该账号在当前网络地址已被暂时锁定。请 {minutes} 分钟后再试（锁定期间再次尝试将重新计时），或联系项目办解锁。"


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None) -> HttpResponse:
    """The Chinese lockout page for every login form, 429 with Retry-After (the cool-off)."""
    cool_off = get_cool_off(request)
    response = TemplateResponse(
        request,
        "web/lockout.html",
        {
            "message": lockout_message(request),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": cooloff_minutes(request),
            # Back to the form the user came from (site, admin or API login), without its query.
            "login_path": request.path,
        },
        status=429,
    )
    if cool_off:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response.render()
