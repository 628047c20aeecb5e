"""Every request is checked against the OpenAPI schema the API publishes: a query parameter or a body
value of the wrong type or format, out of range, empty where the schema forbids it, or a body field
the schema does not document is a 400 with a Chinese message per field, before any view runs.

One check for every operation, driven by the same schema clients read (`/api/schema/`), so the
documentation and the behaviour cannot disagree: DRF would otherwise coerce `"1"` to 1, `"true"` or
`0` to a boolean and `0.5` to a year, and django-filter would ignore an empty `updated_since=`.
The schema is JSON Schema (OpenAPI 3.0's dialect); query strings and form fields arrive as text and
are read the way OpenAPI serialises them (integers as digits, booleans as `true`/`false`, arrays as
comma-separated lists) before the same validation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from apps.core.datetimes import DATETIME_MESSAGE, parse_aware_datetime

DATE_MESSAGE = "日期格式应为 YYYY-MM-DD，例如 2026-11-01。"

# RFC 3339 (what OpenAPI's date-time and date formats mean): four-digit year, two-digit fields,
# a "T", seconds, and a zone; ASCII digits only.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_INTEGER = re.compile(r"-?[0-9]+\Z")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)


def parse_date(text: str) -> dt.date:
    if not isinstance(text, str) or not _DATE.match(text):
        raise ValueError(DATE_MESSAGE)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(DATE_MESSAGE) from None


FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    return not isinstance(value, str) or bool(parse_aware_datetime(value))


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(parse_date(value))


@FORMATS.checks("int64")
def _is_int64(value: object) -> bool:
    return not isinstance(value, int) or INT64[0] <= value <= INT64[1]


@FORMATS.checks("int32")
def _is_int32(value: object) -> bool:
    return not isinstance(value, int) or INT32[0] <= value <= INT32[1]


# --- the schema as JSON Schema ----------------------------------------------------------------

DOCUMENT_URI = "urn:projects-mgmt:openapi"


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0's schema object as plain JSON Schema (draft 4, whose `integer` excludes 1.0):
    `nullable` becomes a null type, refs point into the registered document, and patterns mean
    what they mean in ECMA-262 (`\\d` is an ASCII digit, `$` the very end)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _json_schema(value) for key, value in node.items() if key not in ("nullable", "example", "examples", "properties")}
    if isinstance(node.get("properties"), dict):  # field names, not keywords: a field may be called "example"
        out["properties"] = {name: _json_schema(value) for name, value in node["properties"].items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        out["$ref"] = DOCUMENT_URI + ref
    pattern = out.get("pattern")
    if isinstance(pattern, str):
        pattern = pattern.replace(r"\d", "[0-9]")
        out["pattern"] = pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern
    if node.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


class SchemaChecker:
    """Validators for the operations of one generated schema document."""

    def __init__(self, document: dict):
        converted = {"components": _json_schema(document.get("components", {}))}
        self.registry = Registry().with_resource(DOCUMENT_URI, Resource.from_contents(converted, default_specification=DRAFT4))
        self._validators: dict[int, Draft4Validator] = {}
        self._keep: list[dict] = []  # the schemas cached by id() stay alive as long as the cache

    def validator(self, schema: dict) -> Draft4Validator:
        found = self._validators.get(id(schema))
        if found is None:
            found = Draft4Validator(_json_schema(schema), registry=self.registry, format_checker=FORMATS)
            self._keep.append(schema)
            self._validators[id(schema)] = found
        return found

    def errors(self, schema: dict, value: Any) -> Iterable[SchemaError]:
        return self.validator(schema).iter_errors(value)


# --- text (query strings and form fields) read as OpenAPI serialises typed values ----------------


def _kind(schema: dict) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind


def from_text(text: str, schema: dict) -> Any:
    """The typed value a text stands for under `schema`, or the text itself when it stands for none
    (validation then refuses it with the schema's own type)."""
    kind = _kind(schema)
    if kind == "integer" and _INTEGER.match(text):
        return int(text)
    if kind == "number" and _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    if kind == "array":
        items = schema.get("items", {})
        return [from_text(part, items) for part in text.split(",")] if text else []
    return text


def form_values(data, schema: dict) -> dict:
    """A multipart or urlencoded body as the object its schema describes (files stand as strings)."""
    properties = schema.get("properties", {})
    values: dict[str, Any] = {}
    for key in data:
        if key == "csrfmiddlewaretoken":  # the browsable API's HTML form
            continue
        value = data.get(key)
        values[key] = "" if isinstance(value, UploadedFile) else from_text(str(value), properties.get(key, {}))
    return values


# --- what JSON Schema cannot say --------------------------------------------------------------

NUL_MESSAGE = "不能包含空字符（U+0000）。"


def nul_fields(value: Any, path: str) -> list[str]:
    """Dotted names of the strings (or keys) holding a NUL character: PostgreSQL cannot store or
    compare one, so a lookup by such a text (a category code, a search) would be a 500."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            found += [name] if "\x00" in str(key) else nul_fields(item, name)
        return found
    if isinstance(value, list):
        return [name for index, item in enumerate(value) for name in nul_fields(item, f"{path}.{index}" if path else str(index))]
    return []


# --- Chinese messages -------------------------------------------------------------------------

TYPE_NAMES = {
    "integer": "整数",
    "number": "数字",
    "string": "字符串",
    "boolean": "布尔值（true 或 false）",
    "array": "列表（数组）",
    "object": "对象",
}


def _shown(value: Any) -> str:
    return "null" if value is None else "空字符串" if value == "" else str(value)


def _enum_values(schema: dict, registry: Registry) -> list | None:
    """The values an enum schema (or an anyOf/oneOf/allOf of enum refs) allows."""
    resolver = registry.resolver()
    if "$ref" in schema:
        return _enum_values(resolver.lookup(schema["$ref"]).contents, registry)
    if "enum" in schema:
        return list(schema["enum"])
    if schema.get("type") == "null":
        return [None]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            found: list = []
            for part in schema[key]:
                values = _enum_values(part, registry)
                if values is None:
                    return None
                found += values
            return found
    return None


def decimal_message(pattern: str) -> str:
    """What a decimal's pattern (schema.ApiAutoSchema) allows, in words."""
    digits = re.findall(r"\{1,(\d+)\}", pattern)
    limits = f"整数部分最多 {digits[0]} 位" if digits else ""
    if len(digits) > 1:
        limits += f"、最多 {digits[1]} 位小数"
    sign = "" if "-?" in pattern else "，不能为负数"
    return f'应为十进制数字的字符串，例如 "800.00"（{limits}{sign}）。'


def message(error: SchemaError, registry: Registry) -> str:
    """The Chinese sentence for one schema violation."""
    keyword, expected, schema = error.validator, error.validator_value, error.schema
    if isinstance(error.cause, ValueError) and error.cause.args:
        return str(error.cause.args[0])
    if keyword == "type":
        kinds = [k for k in ([expected] if isinstance(expected, str) else expected) if k != "null"]
        if error.instance is None:
            return "不能为 null。"
        return "应为" + "或".join(TYPE_NAMES.get(k, k) for k in kinds) + "。"
    if keyword in ("enum", "anyOf", "oneOf", "allOf"):
        values = _enum_values(schema, registry)
        if values is not None:
            shown = "、".join(dict.fromkeys(_shown(v) for v in values))
            return f"不支持的值：{_shown(error.instance)}。可用：{shown}。"
        best = min(error.context, key=lambda e: len(e.path), default=None) if error.context else None
        return message(best, registry) if best is not None else "不符合接口文档的格式。"
    if keyword == "format":
        return {"date": DATE_MESSAGE, "date-time": DATETIME_MESSAGE}.get(expected, "超出范围。")
    if keyword == "minimum":
        return f"不能小于 {expected}。"
    if keyword == "maximum":
        return f"不能大于 {expected}。"
    if keyword == "minLength":
        return "不能为空。" if expected == 1 else f"至少 {expected} 个字符。"
    if keyword == "maxLength":
        return f"不能超过 {expected} 个字符。"
    if keyword == "pattern":
        if schema.get("format") == "decimal":
            if "-?" not in str(expected) and re.match(r"-[0-9]", str(error.instance)):
                return "不能为负数。"
            return decimal_message(str(expected))
        return "格式不正确。"
    if keyword == "required":
        return "该字段是必填项。"
    if keyword == "additionalProperties":
        return "不支持的字段。"
    if keyword == "minProperties":
        return "请求体不能为空（不上传文件时请用 JSON 请求体）。"
    if keyword == "minItems":
        return f"至少 {expected} 项。"
    if keyword == "maxItems":
        return f"最多 {expected} 项。"
    return "不符合接口文档的格式。"


def error_fields(errors: Iterable[SchemaError], registry: Registry, *, root: str) -> dict[str, list[str]]:
    """Schema violations as {dotted field name: [Chinese message, …]}; `root` names the value itself."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        path = [str(part) for part in error.absolute_path]
        if error.validator == "required":
            missing = [name for name in error.validator_value if isinstance(error.instance, dict) and name not in error.instance]
            names = [".".join([*path, name]) for name in missing]
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {}))
            names = [".".join([*path, name]) for name in error.instance if name not in known]
        else:
            names = [".".join(path) or root]
        text = message(error, registry)
        for name in names:
            if text not in fields.setdefault(name, []):
                fields[name].append(text)
    return fields
