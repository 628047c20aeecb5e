"""A strict API: a query parameter, an ordering term or a body field the API does not know is a 400
that names it, never silently ignored (a typo in a filter must not return the unfiltered list), and
so is a known one whose value the schema does not allow (`conformance`).

The accepted query parameters and bodies of each operation are the ones its OpenAPI schema
documents, so the schema and the check cannot drift apart: `schema.ApiAutoSchema` records them while
it builds each operation, and the first request builds the schema once per process.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, NamedTuple

from rest_framework import exceptions, permissions
from rest_framework.settings import api_settings

from . import conformance

if TYPE_CHECKING:  # DRF imports this module while rest_framework.views is half-loaded
    from rest_framework.request import Request
    from rest_framework.views import APIView

# Always accepted: DRF's response-format override (`?format=json`, `?format=api`).
ALWAYS = frozenset({"format"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class Operation(NamedTuple):
    query: frozenset[str]
    summary: str
    description: str
    tags: tuple[str, ...]
    # The operation object itself: its parameters and requestBody are read once the whole
    # document (components included) has been generated and post-processed.
    spec: dict[str, Any]


# (view class, action, HTTP method) → what its schema documents.
_documented: dict[tuple[type, str | None, str], Operation] = {}
_built = threading.Event()
_lock = threading.Lock()
_checker: list[conformance.SchemaChecker] = []


def record_operation(view, method: str, operation: dict) -> None:
    """Called by the AutoSchema for each operation it generates."""
    _documented[(type(view), getattr(view, "action", None), method.upper())] = Operation(
        query=frozenset(p["name"] for p in operation.get("parameters", []) if p["in"] == "query"),
        summary=str(operation.get("summary", "")),
        description=str(operation.get("description", "")),
        tags=tuple(operation.get("tags", ())),
        spec=operation,
    )


def _ensure_built() -> None:
    if _built.is_set():
        return
    with _lock:
        if _built.is_set():
            return
        from drf_spectacular.generators import SchemaGenerator

        document = SchemaGenerator().get_schema(request=None, public=True)
        _checker[:] = [conformance.SchemaChecker(document)]
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


class ConformsToSchema(permissions.BasePermission):
    """Refuses a request whose query parameters or body its operation's schema does not allow: an
    undocumented parameter or field, a repeated parameter, a value of the wrong type or format.

    A permission class because DRF runs these after authentication for every view, so a stranger
    still gets 401 and a role that may not write gets 403 first, and no view needs its own hook; it
    never denies, it only raises a 400.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method == "OPTIONS":
            return True
        operation = documented_operation(view, request.method)
        if operation is None:
            return True
        reject_unknown_query_parameters(operation, request, view)
        reject_nul_characters(request)
        reject_nonconforming_query(operation, request)
        if request.method in BODY_METHODS:
            reject_nonconforming_body(operation, request)
        return True


def reject_unknown_query_parameters(operation: Operation, request: Request, view: APIView) -> None:
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


def reject_nonconforming_query(operation: Operation, request: Request) -> None:
    """Each documented query parameter given once, with a value its schema allows."""
    checker = _checker[0]
    fields: dict[str, list[str]] = {}
    for param in operation.spec.get("parameters", []):
        if param["in"] != "query":
            continue
        name, schema = param["name"], param.get("schema", {})
        values = request.query_params.getlist(name)
        if not values:
            if param.get("required"):
                fields[name] = ["缺少必填的查询参数。"]
            continue
        if len(values) > 1:
            fields[name] = ["只能给出一次" + ("（多个值用逗号分隔）。" if schema.get("type") == "array" else "。")]
            continue
        if name == api_settings.ORDERING_PARAM:
            continue  # StrictOrderingFilter refuses an unknown term with the terms it accepts
        value = conformance.from_text(values[0], schema)
        for messages in conformance.error_fields(checker.errors(schema, value), checker.registry, root=name).values():
            fields.setdefault(name, []).extend(messages)
    if fields:
        summary = "；".join(f"{name}：{messages[0]}" for name, messages in sorted(fields.items()))
        raise exceptions.ValidationError({**fields, "non_field_errors": [f"查询参数不符合接口文档：{summary}"]})


def reject_nonconforming_body(operation: Operation, request: Request) -> None:
    """The body as its schema describes it: the documented fields only, each of its type."""
    content = (operation.spec.get("requestBody") or {}).get("content", {})
    if not content:
        return
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    body = content.get(media_type) or content.get("application/json")
    schema = body.get("schema", {}) if body else {}
    checker = _checker[0]
    data = request.data
    if media_type != "application/json" and hasattr(data, "getlist"):
        resolved = checker.registry.resolver().lookup(conformance.DOCUMENT_URI + schema["$ref"]).contents if "$ref" in schema else schema
        data = conformance.form_values(data, resolved)
    fields = conformance.error_fields(checker.errors(schema, data), checker.registry, root="non_field_errors")
    if not fields:
        return
    unknown = [name for name, messages in fields.items() if messages == ["不支持的字段。"]]
    if "non_field_errors" in fields:
        fields["non_field_errors"] = [
            "请求数据应为 JSON 对象，字段见接口文档。" if not isinstance(data, dict) else fields["non_field_errors"][0]
        ]
    elif unknown:
        fields["non_field_errors"] = [f"不支持的字段：{names(unknown)}。请对照接口文档检查字段名。"]
    raise exceptions.ValidationError(fields)


def reject_nul_characters(request: Request) -> None:
    """A NUL character anywhere in the query or the body, which no schema type excludes."""
    query = request.query_params
    found = [key for key in query if "\x00" in key or any("\x00" in value for value in query.getlist(key))]
    if request.method in BODY_METHODS and isinstance(request.data, dict | list):
        found += conformance.nul_fields(request.data, "")
    if found:
        detail = {name: [conformance.NUL_MESSAGE] for name in found}
        raise exceptions.ValidationError({**detail, "non_field_errors": [f"{names(found)}：{conformance.NUL_MESSAGE}"]})
