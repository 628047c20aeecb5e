"""A strict API: a query parameter, an ordering term or a body field the API does not know is a 400
that names it, never silently ignored (a typo in a filter must not return the unfiltered list).

The accepted query parameters of each operation are the ones its OpenAPI schema documents, so the
schema and the check cannot drift apart: `schema.ApiAutoSchema` records them while it builds each
operation, and the first request builds the schema once per process.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

from rest_framework import exceptions, permissions, serializers

# Always accepted: DRF's response-format override (`?format=json`, `?format=api`).
ALWAYS = frozenset({"format"})


class Operation(NamedTuple):
    query: frozenset[str]
    summary: str
    description: str
    tags: tuple[str, ...]


# (view class, action, HTTP method) → what its schema documents.
_documented: dict[tuple[type, str | None, str], Operation] = {}
_built = threading.Event()
_lock = threading.Lock()


def record_operation(view, method: str, operation: dict) -> None:
    """Called by the AutoSchema for each operation it generates."""
    _documented[(type(view), getattr(view, "action", None), method.upper())] = Operation(
        query=frozenset(p["name"] for p in operation.get("parameters", []) if p["in"] == "query"),
        summary=str(operation.get("summary", "")),
        description=str(operation.get("description", "")),
        tags=tuple(operation.get("tags", ())),
    )


def _ensure_built() -> None:
    if _built.is_set():
        return
    with _lock:
        if _built.is_set():
            return
        from drf_spectacular.generators import SchemaGenerator

        SchemaGenerator().get_schema(request=None, public=True)
        _built.set()


def documented_operation(view, method: str) -> Operation | None:
    """What the schema documents for this view's operation, or None for views outside the schema."""
    method = "GET" if method.upper() == "HEAD" else method.upper()
    _ensure_built()
    return _documented.get((type(view), getattr(view, "action", None), method))


def documented_operations_of(view_class: type) -> list[Operation]:
    _ensure_built()
    return [op for (cls, _, _), op in _documented.items() if cls is view_class]


def names(items) -> str:
    return "、".join(sorted(items))


class KnownQueryParameters(permissions.BasePermission):
    """Refuses a request that carries a query parameter its operation does not document.

    A permission class because DRF runs these after authentication for every view, so a stranger
    still gets 401 first and no view needs its own hook; it never denies, it only raises a 400.
    """

    def has_permission(self, request, view) -> bool:
        if request.method == "OPTIONS":
            return True
        operation = documented_operation(view, request.method)
        if operation is None:
            return True
        allowed = operation.query
        paginator = getattr(view, "paginator", None)
        extra = set(ALWAYS)
        for attr in ("page_query_param", "page_size_query_param", "cursor_query_param"):
            if paginator is not None and getattr(paginator, attr, None):
                extra.add(getattr(paginator, attr))
        unknown = set(request.query_params) - allowed - extra
        if unknown:
            accepted = names((allowed | extra) - ALWAYS) or "无"
            detail = {key: ["不支持的查询参数。"] for key in sorted(unknown)}
            detail["non_field_errors"] = [f"不支持的查询参数：{names(unknown)}。可用的参数：{accepted}。"]
            raise exceptions.ValidationError(detail)
        return True


def unknown_body_fields(serializer: serializers.BaseSerializer, data, prefix: str = "") -> list[str]:
    """Dotted names of the keys in `data` that `serializer` does not declare (nested ones too)."""
    if isinstance(serializer, serializers.ListSerializer):
        if not isinstance(data, list):
            return []
        found: list[str] = []
        for index, item in enumerate(data):
            found += unknown_body_fields(serializer.child, item, f"{prefix}{index}.")
        return found
    if not isinstance(serializer, serializers.Serializer) or not hasattr(data, "keys"):
        return []
    fields = serializer.fields
    found = []
    for key in data:
        if key == "csrfmiddlewaretoken":  # the browsable API's HTML form
            continue
        field = fields.get(key)
        if field is None or field.read_only:
            found.append(f"{prefix}{key}")
        elif isinstance(field, serializers.BaseSerializer):
            found += unknown_body_fields(field, data[key], f"{prefix}{key}.")
    return found


def reject_unknown_body_fields(serializer: serializers.BaseSerializer, data) -> None:
    unknown = unknown_body_fields(serializer, data)
    if unknown:
        detail = {key: ["不支持的字段。"] for key in unknown}
        detail["non_field_errors"] = [f"不支持的字段：{names(unknown)}。请对照接口文档检查字段名。"]
        raise exceptions.ValidationError(detail)
