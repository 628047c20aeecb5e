"""One error shape for the whole API: {"code": ..., "message": "中文", "errors": {field: [中文…]}}."""

from __future__ import annotations

import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import MESSAGES
from apps.core.services import STALE_MESSAGE
from apps.core.versioning import StaleVersion

# Retry-After when a throttle cannot say how long (DRF's wait() is None when the history already
# exceeds a lowered rate): the shortest period of our rates (per minute), never "retry at once".
THROTTLE_FALLBACK_WAIT = 60


def throttled_message(wait: int) -> str:
    return f"请求过于频繁，已被限流，请 {wait} 秒后再试。"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = MESSAGES[413]
    default_code = "payload_too_large"


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _flatten(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in _flatten(v)]
    return [str(detail)]


def _field_errors(detail) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {}
    return {str(k): _flatten(v) for k, v in detail.items() if k not in ("non_field_errors", "__all__", "detail")}


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _fallback(exc, status_code: int) -> str:
    # A few DRF and parser messages have no Chinese translation; users still read Chinese.
    if isinstance(exc, exceptions.ParseError):
        return "请求数据不是合法的 JSON。"
    if isinstance(exc, exceptions.PermissionDenied) and "CSRF" in str(exc.detail):
        return "CSRF 校验未通过：以浏览器登录会话调用接口的修改请求须带 X-CSRFToken 请求头（或改用接口令牌）。"
    if status_code == 400:
        return "请求数据有误或为空。"
    return MESSAGES.get(status_code, "请求失败。")


class Stale(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = STALE_MESSAGE
    default_code = "precondition_failed"


def exception_handler(exc, context):
    """Convert every error to the one JSON shape; Django's ValidationError becomes a 400."""
    if isinstance(exc, StaleVersion):
        # A service refused a save over a newer version (apps/core/versioning.py): as a stale If-Match.
        stale = Stale(exc.messages[0])
        view = context.get("view")
        if hasattr(view, "current_state"):
            stale.extra = view.current_state()  # as a stale If-Match answers: what is there now
        exc = stale
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(MESSAGES[404])
    elif isinstance(exc, DjangoPermissionDenied):
        # The domain policy's refusal names its rule in Chinese (apps/accounts/policy.PolicyDenied).
        reason = str(exc)
        exc = exceptions.PermissionDenied(reason if _is_chinese(reason) else MESSAGES[403])
    elif isinstance(exc, exceptions.Throttled):
        # DRF's text is half English ("Expected available in 60 seconds.") and it sends no
        # Retry-After when wait is unknown or rounds to 0: one Chinese sentence, a whole number ≥ 1.
        wait = max(1, math.ceil(exc.wait)) if exc.wait is not None else THROTTLE_FALLBACK_WAIT
        exc = exceptions.Throttled(detail=throttled_message(wait))  # without wait: no English tail
        exc.wait = wait  # DRF's handler turns it into the Retry-After header
    elif isinstance(exc, IntegrityError):
        # A race lost outside save_validated: the same Chinese message, never the class name.
        from apps.core.services import CONFLICT_MESSAGE

        exc = exceptions.ValidationError({"non_field_errors": [CONFLICT_MESSAGE]})

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    # A refused write changes nothing: undo whatever the request did inside ApiViewSet.dispatch's
    # transaction (only that innermost block is rolled back).
    request = context.get("request")
    if getattr(request, "_api_atomic", False) and transaction.get_connection().in_atomic_block:
        transaction.set_rollback(True)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    fields = _field_errors(detail)
    general = []
    if isinstance(detail, dict):
        general = _flatten({k: v for k, v in detail.items() if k in ("non_field_errors", "__all__", "detail")})
    else:
        general = _flatten(detail)
    general = [m if _is_chinese(m) else _fallback(exc, response.status_code) for m in general]
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            code = codes
    message = (
        general[0] if general else (MESSAGES.get(response.status_code, "请求失败。") if not fields else "提交的数据有误，请检查各字段。")
    )
    body = {"code": code, "message": message, "errors": fields}
    extra = getattr(exc, "extra", None)
    if extra:
        body.update(extra)
    return Response(
        body,
        status=response.status_code,
        headers={k: v for k, v in response.items() if k.lower() in ("retry-after", "www-authenticate", "allow", "etag")},
    )


class ApiErrorSerializer(serializers.Serializer):
    """The one error shape, as documented in the OpenAPI schema."""

    code = serializers.CharField(help_text="错误代码（英文，供程序判断），如 invalid、not_authenticated、permission_denied")
    message = serializers.CharField(help_text="中文说明，可直接展示给用户")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="按字段（或查询参数）列出的中文错误；无则为空对象"
    )


class PreconditionFailedSerializer(ApiErrorSerializer):
    current = serializers.DictField(help_text="对象的当前版本（与详情接口的响应相同）")
    etag = serializers.CharField(help_text="当前版本的 ETag，修改后以 If-Match 回传")
