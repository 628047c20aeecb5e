from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Per token: each external system has its own budget."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None or not hasattr(token, "key_hash"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class UserRateThrottle(SimpleRateThrottle):
    """Per logged-in browser user (token requests are counted by TokenRateThrottle)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated or hasattr(getattr(request, "auth", None), "key_hash"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
