"""Session time limits and the one-time password's forced change, for browser sessions only.

A signed-in browser session ends after SESSION_IDLE_TIMEOUT without a request, and in any case
SESSION_ABSOLUTE_TIMEOUT after sign-in; the next page is the login page with a Chinese note. API
tokens carry no session and are not affected.

The idle clock is a timestamp in the session, rewritten at most every SESSION_IDLE_WRITE_SECONDS
(not on every request: each rewrite is an UPDATE of the session row). The idle limit is therefore
kept to within that many seconds. Django's own session expiry (SESSION_COOKIE_AGE, counted from the
session's last save) is set to the absolute limit, so it never ends a session before these checks
can say why.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"

IDLE_NOTE = "您已超过 {minutes} 分钟未操作，为保护账号安全已自动退出，请重新登录。"
ABSOLUTE_NOTE = "本次登录已超过 {hours} 小时，为保护账号安全已自动退出，请重新登录。"
CHANGE_REQUIRED = "您的密码已由项目办重置，请先设置自己的新密码。"


def _now() -> int:
    return int(timezone.now().timestamp())


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def stamp_session(sender, request: HttpRequest, user, **kwargs) -> None:
    """user_logged_in: the session's sign-in and last-seen times start now (every login form)."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = _now()


def _expiry_note(session, now: int) -> str | None:
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    absolute = int(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds())
    idle = int(settings.SESSION_IDLE_TIMEOUT.total_seconds())
    if signed_in is not None and now - signed_in >= absolute:
        return ABSOLUTE_NOTE.format(hours=round(absolute / 3600))
    if seen is not None and now - seen >= idle:
        return IDLE_NOTE.format(minutes=round(idle / 60))
    return None


class SessionTimeoutMiddleware:
    """Ends an idle or too old browser session; records activity at most once a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            now = _now()
            note = _expiry_note(session, now)
            if note:
                # Signed out here; the view then sees an anonymous user: a page redirects to its
                # login form (which shows the note), the API answers 401/403 in its own shape.
                logout(request)
                if not _is_api(request):
                    messages.warning(request, note)
            else:
                if now - session.get(SEEN_AT, 0) >= settings.SESSION_IDLE_WRITE_SECONDS:
                    session[SEEN_AT] = now
                # A session from before these limits: its clock starts now.
                session.setdefault(SIGNED_IN_AT, now)
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """After an office reset, a browser session reaches only the password change page (and logout)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password and not self._allowed(request):
            if _is_api(request):
                body = {"code": "password_change_required", "message": CHANGE_REQUIRED, "errors": {}}
                return JsonResponse(body, status=403, json_dumps_params={"ensure_ascii": False})
            # The change page itself says why (it knows the user must change).
            return redirect(settings.PASSWORD_CHANGE_URL)
        return self.get_response(request)

    @staticmethod
    def _allowed(request: HttpRequest) -> bool:
        return request.path in {reverse(name) for name in settings.PASSWORD_CHANGE_ALLOWED_URLS}
