"""Django's error handlers (projects_mgmt/urls.py): under /api/ the API's one JSON error shape, in
the admin a Chinese page in the admin's look, elsewhere a Chinese page in the site's look.

Reached when no view answered: an address that matches no route (a detail id that is not a number,
a missing trailing slash), an exception no view turned into a response, a PermissionDenied raised
by a page or the admin. DRF's own errors never get here (apps/api/errors.exception_handler)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.views import defaults

from apps.core.errors import json_error_response

API_PREFIX = "/api/"
ADMIN_PREFIX = "/admin/"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _chinese(text: str) -> str:
    """The text when a user can read it (Chinese), else "" so the page says it in its own words."""
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else ""


def _page(request: HttpRequest, name: str, status: int, reason: str = "") -> HttpResponse:
    if request.path_info.startswith(ADMIN_PREFIX):
        context = {**admin.site.each_context(request), "reason": reason}
        return render(request, f"admin/{name}", context, status=status)
    return render(request, name, {"reason": reason}, status=status)


def _not_found_message(request: HttpRequest) -> str:
    path = request.path_info
    if not path.endswith("/"):
        try:
            resolve(path + "/")
        except Resolver404:
            pass
        else:
            return f"未找到。接口地址以“/”结尾：{path}/"
    return "未找到：没有这个接口地址，或对象ID不是正整数。"


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error_response(400, message="请求有误。", code="bad_request")
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A refusal, with its reason when it has a Chinese one (the policy's PolicyDenied does)."""
    reason = _chinese(str(exception))
    if is_api(request):
        return json_error_response(403, message=reason or None, code="permission_denied")
    return _page(request, "403.html", 403, reason)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error_response(404, message=_not_found_message(request), code="not_found")
    return _page(request, "404.html", 404, _chinese(str(exception)))


def server_error(request: HttpRequest) -> HttpResponse:
    # Django has logged the traceback (logger "django.request") before calling this.
    if is_api(request):
        return json_error_response(500, code="server_error")
    # Without the request's context: whatever broke (the database, a context processor) may break again.
    return defaults.server_error(request, template_name="500.html")
