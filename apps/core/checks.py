"""Deploy checks of our own (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def plain_http_site(app_configs, **kwargs) -> list[Warning]:
    """A production site on plain HTTP (DJANGO_SECURE_SSL_REDIRECT=false): one warning naming the
    choice and its cost, in place of Django's four (W004, W008, W012, W016) that it silences."""
    if not settings.IS_PRODUCTION or settings.SESSION_COOKIE_SECURE:
        return []
    return [
        Warning(
            "本系统按“仅 HTTP”运行（DJANGO_SECURE_SSL_REDIRECT=false）：登录密码和会话 cookie 在网络上以明文传输，"
            "不跳转 HTTPS、cookie 不加 Secure、不发送 HSTS。只应在与互联网隔离的内网中这样部署。",
            hint="有证书时改用 HTTPS：deploy/nginx.conf（证书放在 deploy/tls/server.crt 和 server.key），"
            "并设置 DJANGO_SECURE_SSL_REDIRECT=true、REMINDERS_SITE_URL=https://…。",
            id="core.W001",
        )
    ]
