"""Production: everything from the environment; no insecure default survives.

A missing secret, or one still at a development value, stops the process at start-up with
ImproperlyConfigured naming the variable: a server that starts is one that signs sessions and
webhooks with keys nobody else has. The documented environment is .env.example's production
section; tests/core/test_deploy_settings.py holds it to `check --deploy`.
"""

import re
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

# Values published in this repository (base.py defaults, .env.example, Django's startproject):
# anyone can read them, so signing with them is signing with no key.
KNOWN_DEVELOPMENT_SECRETS = frozenset(
    {
        "dev-insecure-key-change-me-in-production",
        "dev-webhook-secret-change-me",
    }
)
PLACEHOLDER_MARKERS = ("change-me", "changeme", "django-insecure")
# .env.example's placeholders ("<secret>"): a value still holding one was never filled in.
PLACEHOLDER = re.compile(r"<[^<>]*>")


def required_secret(name: str) -> str:
    """The variable's value, or ImproperlyConfigured when it is unset, blank or a development value."""
    value = env.str(name, default="").strip()
    hint = '请设置为一段足够长的随机字符串，例如 python -c "import secrets; print(secrets.token_urlsafe(50))" 的输出。'
    if not value:
        raise ImproperlyConfigured(f"生产环境必须设置 {name}（{name} is required in production）。{hint}")
    lowered = value.lower()
    if value in KNOWN_DEVELOPMENT_SECRETS or any(marker in lowered for marker in PLACEHOLDER_MARKERS) or PLACEHOLDER.search(value):
        raise ImproperlyConfigured(f"{name} 仍是开发用的默认值或占位值，不能用于生产环境（{name} is a development value）。{hint}")
    return value


def required_site_url(name: str) -> str:
    """An absolute http(s) URL that the recipients of e-mails can open: never the loopback default."""
    value = env.str(name, default="").strip()
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ImproperlyConfigured(f"生产环境必须把 {name} 设置为系统的访问地址，如 https://xmb.example.gov.cn（{name} is required）。")
    if parsed.hostname in ("127.0.0.1", "localhost", "::1", "0.0.0.0"):  # noqa: S104 (a value we refuse, not bind)
        raise ImproperlyConfigured(
            f"{name}={value} 指向本机，邮件和机器人消息中的链接在收件人处无法打开；请设置为系统的访问地址（{name} is a loopback URL）。"
        )
    return value


IS_PRODUCTION = True
DEBUG = False
SECRET_KEY = required_secret("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Webhooks are signed with this secret (endpoints without their own): a known one lets anybody forge
# a reminder to the receiving system.
REMINDERS_WEBHOOK_SECRET = required_secret("REMINDERS_WEBHOOK_SECRET")
# Links in e-mails and robot messages: base.py's http://127.0.0.1:8000 would send every recipient to
# their own machine.
REMINDERS_SITE_URL = required_site_url("REMINDERS_SITE_URL")
# SMTP unless told otherwise: base.py's console backend would write whole e-mails (names, phone
# numbers, projects' problems) into the server log and deliver nothing. An explicit
# EMAIL_BACKEND (e.g. the dummy backend on a site without mail) is respected.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

# Trust X-Forwarded-Proto only when told to: it is safe only behind a reverse proxy that always
# sets (or strips) the header itself; otherwise any client could claim HTTPS over plain HTTP.
# Behind such a TLS-terminating proxy it must be on, or SECURE_SSL_REDIRECT loops forever.
if env.bool("DJANGO_TRUST_PROXY_HTTPS_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# HTTPS, or plain HTTP on an intranet without certificates: one switch, DJANGO_SECURE_SSL_REDIRECT.
# True (the default, deploy/nginx.conf terminating TLS): http:// is redirected to https://, the
# session and CSRF cookies are Secure, HSTS is sent. False (deploy/nginx-http.conf): no redirect (it
# would loop: the proxy never speaks HTTPS), and the cookies are not Secure, since a browser never
# sends a Secure cookie back over http:// and no sign-in would ever stick; HSTS would mean nothing.
# `check --deploy` then says so in one warning (apps/core/checks.py) instead of four.
SITE_HTTPS = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_SSL_REDIRECT = SITE_HTTPS
SESSION_COOKIE_SECURE = SITE_HTTPS
CSRF_COOKIE_SECURE = SITE_HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30) if SITE_HTTPS else 0
if not SITE_HTTPS:
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]
# The address in e-mails is the one the browser uses: its scheme must be the site's.
if (urlparse(REMINDERS_SITE_URL).scheme == "https") != SITE_HTTPS:
    raise ImproperlyConfigured(
        f"REMINDERS_SITE_URL={REMINDERS_SITE_URL} 与 DJANGO_SECURE_SSL_REDIRECT={str(SITE_HTTPS).lower()} 不一致："
        "用 HTTPS 访问时两者应为 https://… 和 true；仅 HTTP 的内网应为 http://… 和 false（REMINDERS_SITE_URL does not match DJANGO_SECURE_SSL_REDIRECT）。"
    )
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
