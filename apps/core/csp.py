"""The Content-Security-Policy middleware: django-csp's, plus the few pages whose third-party HTML
needs more than the site-wide policy (settings.CSP_PATH_UPDATES says which and why).

A path's sources are added to the directive (django-csp's "update"), after any update the view set
on its response itself, so the site-wide policy is the floor everywhere. A response that already
carries a Content-Security-Policy (the media view's sandbox) is left as it is by django-csp."""

from __future__ import annotations

from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.middleware import PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


class CSPMiddleware(LibraryCSPMiddleware):
    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        for prefix, update in getattr(settings, "CSP_PATH_UPDATES", {}).items():
            if request.path_info.startswith(prefix):
                merged = {directive: list(sources) for directive, sources in (parts.update or {}).items()}
                for directive, sources in update.items():
                    merged.setdefault(directive, []).extend(sources)
                parts.update = merged
        return parts
