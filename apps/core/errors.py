"""The one error shape every way in answers with outside a form: {"code": ..., "message": "中文",
"errors": {field: [中文…]}}, and the Chinese sentence for each HTTP status.

It sits in the kernel so that both the API (DRF's exception handler, apps/api/errors.py) and the
site's error handlers (apps/web/views/errors.py, which answer under /api/ when no view did) use it
without one way in importing the other."""

from __future__ import annotations

from http import HTTPStatus

from django.http import JsonResponse

from apps.core.services import STALE_MESSAGE

MESSAGES = {
    HTTPStatus.BAD_REQUEST: "请求数据有误。",
    HTTPStatus.UNAUTHORIZED: "未登录或令牌无效。",
    HTTPStatus.FORBIDDEN: "没有权限执行此操作。",
    HTTPStatus.NOT_FOUND: "未找到。",
    HTTPStatus.METHOD_NOT_ALLOWED: "不支持该请求方法。",
    HTTPStatus.NOT_ACCEPTABLE: "不支持请求的响应格式。",
    HTTPStatus.CONFLICT: "数据冲突。",
    HTTPStatus.PRECONDITION_FAILED: STALE_MESSAGE,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "请求数据过大。",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "不支持的请求数据格式。",
    HTTPStatus.PRECONDITION_REQUIRED: "修改须带 If-Match 请求头：先读取该对象取得 ETag，再以 If-Match 回传（不接受 *）。",
    HTTPStatus.TOO_MANY_REQUESTS: "请求过于频繁，请稍后再试。",
    HTTPStatus.INTERNAL_SERVER_ERROR: "服务器内部错误，已记录，请稍后再试或联系系统管理员。",
}


def json_error_response(status_code: int, *, message: str | None = None, code: str = "error", headers: dict | None = None) -> JsonResponse:
    """The one error shape outside DRF: Django's 404/500 handlers and plain views under /api/."""
    body = {"code": code, "message": message or MESSAGES.get(status_code, "请求失败。"), "errors": {}}
    response = JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response
