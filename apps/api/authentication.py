"""`Authorization: Token <key>` (or `Bearer <key>`) for other systems. The token is an account's
credential (apps.accounts.models.ApiToken); this is the API's way of reading it from a request."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from apps.accounts.models import ApiToken, hash_key
from apps.accounts.services import token_mark_used


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="ignore") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式错误，应为：Authorization: Token <令牌>。")
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("令牌包含非法字符。") from exc
        token = ApiToken.objects.select_related("user", "user__department").filter(key_hash=hash_key(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效。")
        if not token.is_active:
            raise exceptions.AuthenticationFailed("令牌已过期或已被吊销。")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("令牌所属用户已停用。")
        token_mark_used(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Token"
