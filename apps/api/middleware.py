"""Django's CommonMiddleware, minus the trailing-slash redirect under /api/.

`/api/v1/projects` would be a 301 to `/api/v1/projects/`, an HTML answer that turns a client's POST
into a GET; the API answers a JSON 404 that names the address with the slash instead
(apps.web.views.errors.page_not_found)."""

from __future__ import annotations

from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware


class CommonMiddleware(DjangoCommonMiddleware):
    def should_redirect_with_slash(self, request) -> bool:
        return not request.path_info.startswith("/api/") and super().should_redirect_with_slash(request)
