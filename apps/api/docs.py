"""The Redoc page's script, served by the project with the one request it would make to the
internet removed: Redoc's sidebar footer loads the Redocly logo from cdn.redoc.ly, and has no
option to turn it off. Government intranets have no internet, and a page must not try."""

from __future__ import annotations

import functools
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer

from apps.core.errors import json_error_response

BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
# An empty inline image: nothing to fetch, nothing shown.
EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='0' height='0'/%3E"
REPLACEMENTS = ((REDOCLY_LOGO, EMPTY_IMAGE), ('"API docs by Redocly"', '"接口文档由 Redoc 生成"'))


@functools.cache
def redoc_bundle_text() -> str:
    """The vendored Redoc bundle with the logo URL replaced; fails loudly if a new Redoc moved it."""
    text = Path(finders.find(BUNDLE)).read_text(encoding="utf-8")
    if REDOCLY_LOGO not in text and "cdn.redoc.ly" in text:
        raise RuntimeError("Redoc 脚本中的外部图标地址已变化，请更新 apps/api/docs.py。")
    for old, new in REPLACEMENTS:
        text = text.replace(old, new)
    return text


@cache_control(max_age=86400, public=True)
def redoc_bundle(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return json_error_response(405, code="method_not_allowed", headers={"Allow": "GET, HEAD"})
    return HttpResponse(redoc_bundle_text(), content_type="application/javascript; charset=utf-8")


class JsonErrors:
    """An error of the schema or a docs page in the API's JSON shape, not in the page's own format
    (the schema's YAML, the docs' HTML): every error under /api/ is JSON."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(JsonErrors, SpectacularAPIView):
    pass


class SwaggerView(JsonErrors, SpectacularSwaggerSplitView):
    pass


class RedocView(JsonErrors, SpectacularRedocView):
    pass
