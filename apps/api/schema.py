"""drf-spectacular extensions: our token authentication, Chinese tags and the documented errors."""

from __future__ import annotations

import copy
import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from .strict import record_operation


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "接口令牌：Authorization: Token <令牌>（在后台“接口令牌”或 manage.py issue_token 签发）。",
        }


# --- Operations: Chinese tags, documented errors, and the query parameters the API accepts ----

# One tag per resource, named in Chinese: the first path segment after /api/v1/ → (name, description).
TAGS: dict[str, tuple[str, str]] = {
    "projects": ("项目", "重点项目台账：登记、修改、归档、领导批示、增量同步。"),
    "annual-plans": ("年度计划", "项目的年度投资计划和月度目标。"),
    "milestones": ("要件与节点", "审批要件和建设节点：计划日期、办结、增量同步。"),
    "progress-reports": ("月度进度报告", "月报的填报、提交、审核和退回。"),
    "land-acquisitions": ("征地拆迁", "征拆任务（地块）及其进度。"),
    "problems": ("问题清单", "项目推进中的问题：登记、办结、销号。"),
    "supervision-notices": ("督办文书", "交办、提醒、督办、约谈文书。"),
    "overdue": ("逾期与临期清单", "已逾期或即将到期的未完成事项。"),
    "stats": ("统计汇总", "讲话口径的统计指标。"),
    "regions": ("行政区划", "乡镇（街道）和县（区）。"),
    "departments": ("责任单位", "牵头、配合和属地单位。"),
    "leaders": ("县级领导", "包保领导及其逾期清单。"),
    "calendar": ("工作日历", "法定节假日、调休日和工作日推算。"),
    "deletions": ("已删除对象", "增量同步用的删除墓碑。"),
    "reminder-deliveries": ("提醒发送记录", "提醒的发送、失败与重发。"),
    "notifications": ("站内消息", "本人的站内消息和已读标记。"),
    "notification-preferences": ("提醒渠道偏好", "本人接收提醒的渠道。"),
    "scoring": ("绩效考核", "部门和乡镇（园区）绩效考核方案及按月、季、年的得分排名（含每项得分依据）。"),
    "bulletins": ("月度通报", "已生成的月度通报（各版次）及其 Excel。"),
    "oc4ids": ("OC4IDS 开放数据", "按开放基础设施数据标准 OC4IDS 0.9.5 输出的项目数据包（离线校验通过）。"),
}

ERROR_DESCRIPTIONS = {
    400: "请求有误：字段或查询参数不合法、含有不支持的字段/参数/排序字段，或违反业务规则（message 为中文说明，errors 按字段列出）",
    401: "未登录或令牌无效",
    403: "没有权限：角色、所属单位、包保关系或只读令牌不允许此操作",
    404: "对象不存在或不可见，或页码/游标超出范围",
    412: "If-Match 与当前版本不符：数据已被他人修改（响应含 current 和 etag）",
    428: "缺少 If-Match（或为 *）：修改须回传读取时取得的 ETag",
}

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
LOCATION = {"description": "新建对象的地址（详情接口）", "schema": {"type": "string", "format": "uri"}}


def split_upload_bodies(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: an action that takes a file (a `format: binary` field) documents
    two bodies, because a file travels only in multipart: in JSON the field can only be null or left
    out, in multipart it is a file, never null, and the form is not empty. drf-spectacular gives both
    media types one schema."""
    schemas = result.get("components", {}).get("schemas", {})
    for item in result.get("paths", {}).values():
        for operation in item.values():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "multipart/form-data" not in content or "application/json" not in content:
                continue
            name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            files = [key for key, prop in schemas[name].get("properties", {}).items() if prop.get("format") == "binary"]
            if not files:
                continue
            json_name = name.removesuffix("Request") + "JsonRequest"
            json_body = copy.deepcopy(schemas[name])
            for key in files:
                label = json_body["properties"][key].get("description", key).split("（")[0]
                json_body["properties"][key] = {
                    "nullable": True,
                    "enum": [None],
                    "description": f"{label}：JSON 请求体中只能为 null 或省略，上传文件请用 multipart/form-data",
                }
                schemas[name]["properties"][key].pop("nullable", None)
            # An empty form says nothing (and a malformed part reads as one): without a file, JSON.
            schemas[name]["minProperties"] = 1
            schemas[json_name] = json_body
            content["application/json"]["schema"] = {"$ref": f"#/components/schemas/{json_name}"}
    return result


def close_request_bodies(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: a request body documents every field it takes, so an object in
    one says `additionalProperties: false` — what strict.ConformsToSchema enforces."""
    schemas = result.get("components", {}).get("schemas", {})
    seen: set[str] = set()

    def close(node) -> None:
        if isinstance(node, list):
            for item in node:
                close(item)
            return
        if not isinstance(node, dict):
            return
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/") and ref not in seen:
            seen.add(ref)
            close(schemas.get(ref.rsplit("/", 1)[1]))
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        for key, value in node.items():
            if key != "$ref":
                close(value)

    for item in result.get("paths", {}).values():
        for operation in item.values():
            for body in (operation.get("requestBody") or {}).get("content", {}).values():
                close(body.get("schema"))
    return result


def add_links(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: OpenAPI links from where an object's id appears to what can be done
    with it — a create's 201 and a detail's 200 to the object's operations (`$response.body#/id`), a
    list's first row to its detail. Clients read where an id goes; schemathesis's stateful phase
    follows them (create → read → update) instead of guessing."""
    paths = result.get("paths", {})

    def links(operations: list[dict], source: str) -> dict:
        return {op["operationId"]: {"operationId": op["operationId"], "parameters": {"id": source}} for op in operations}

    for path, item in paths.items():
        detail = path + "{id}/"
        if detail not in paths:
            continue
        on_object = [(p, method, op) for p, ops in paths.items() if p.startswith(detail) for method, op in ops.items()]
        created = item.get("post", {}).get("responses", {}).get("201")
        if created is not None:
            created["links"] = links([op for _, _, op in on_object], "$response.body#/id")
        if "get" in paths[detail]:
            listed = item.get("get", {}).get("responses", {}).get("200")
            if listed is not None:
                listed["links"] = links([paths[detail]["get"]], "$response.body#/results/0/id")
            writes = [op for p, method, op in on_object if not (method == "get" and p == detail)]
            paths[detail]["get"]["responses"]["200"]["links"] = links(writes, "$response.body#/id")
    # An object's id is what another object's field of its name refers to: GET /projects/{id}/ → the
    # `project` of a new milestone, problem, report, plan or parcel; a region's → a `region`.
    schemas = result.get("components", {}).get("schemas", {})
    for path, item in paths.items():
        create = item.get("post")
        if "{" in path or create is None or "requestBody" not in create:
            continue
        body = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        for name, field in schemas[body].get("properties", {}).items():
            source = paths.get(f"{path.rsplit('/', 2)[0]}/{name}s/{{id}}/", {}).get("get")
            if field.get("type") == "integer" and source is not None:
                source["responses"]["200"].setdefault("links", {})[f"{create['operationId']}_{name}"] = {
                    "operationId": create["operationId"],
                    "requestBody": {name: "$response.body#/id"},
                }
    return result


EXAMPLES = {"date": "2026-11-01", "date-time": "2026-11-01T00:00:00+08:00"}


def add_examples(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: an example for each value whose format a client must get right
    — dates, date-times with their offset, amounts as decimal strings — and for object ids, in
    query parameters and request bodies. Swagger UI pre-fills them, and schemathesis's examples
    phase starts from them."""
    schemas = result.get("components", {}).get("schemas", {})

    def example_of(schema: dict):
        fmt = schema.get("format")
        if fmt in EXAMPLES:
            return EXAMPLES[fmt]
        if fmt == "decimal" and "pattern" in schema:
            places = re.findall(r"\{1,(\d+)\}", schema["pattern"])
            return "80" + ("." + "0" * int(places[1]) if len(places) > 1 else "")
        return None

    def fill(schema) -> None:
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            fill(schemas.get(schema["$ref"].rsplit("/", 1)[1]))
        for prop in schema.get("properties", {}).values():
            value = example_of(prop)
            if value is not None:
                prop.setdefault("example", value)
            if prop.get("type") == "array":
                fill(prop.get("items"))

    for item in result.get("paths", {}).values():
        for operation in item.values():
            for param in operation.get("parameters", []):
                value = 1 if param["in"] == "path" and param["schema"].get("type") == "integer" else example_of(param["schema"])
                if value is not None:
                    param.setdefault("example", value)
            for body in (operation.get("requestBody") or {}).get("content", {}).values():
                fill(body.get("schema"))
    return result


def add_tags(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: the tag list in resource order with Chinese descriptions."""
    used = {tag for path in result.get("paths", {}).values() for op in path.values() for tag in op.get("tags", [])}
    result["tags"] = [{"name": name, "description": text} for name, text in TAGS.values() if name in used]
    return result


class ApiAutoSchema(AutoSchema):
    """Chinese tags, the error responses each operation can give, cursor parameters on `sync`, and
    a record of each operation's query parameters for `strict.KnownQueryParameters`."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and "pattern" in schema and field.max_whole_digits:
            # drf-spectacular's pattern also matches "", "-" and "." (refused); say exactly what is
            # taken: digits, a point only before decimals, a minus sign only where negatives are allowed.
            sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
            schema["pattern"] = rf"^{sign}\d{{1,{field.max_whole_digits}}}(?:\.\d{{1,{field.decimal_places}}})?$"
        return schema

    def get_tags(self) -> list[str]:
        tags = super().get_tags()
        return [TAGS.get(tag, (tag, ""))[0] for tag in tags]

    def _get_pagination_parameters(self):
        params = super()._get_pagination_parameters()
        if not params and self.method == "GET" and getattr(self.view, "action", None) == "sync":
            paginator = self._get_paginator()
            if paginator is not None:
                params = paginator.get_schema_operation_parameters(self.view)
        return params

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if not operation:
            return operation
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        record_operation(self.view, method, operation)
        for code in self.error_codes(query):
            if str(code) not in operation["responses"]:
                operation["responses"][str(code)] = self.error_response(code)
        created = operation["responses"].get("201")
        if created is not None and getattr(self.view, "action", None) == "create":
            created["headers"] = {"Location": LOCATION}  # viewsets.CreateMixin.create
        return operation

    def error_codes(self, query: set[str]) -> list[int]:
        from .viewsets import ApiViewSet

        codes = [400, 401, 403]
        detail = "{" in self.path
        if detail or query & {"page", "cursor"}:
            codes.append(404)
        if detail and self.method in WRITE_METHODS and isinstance(self.view, ApiViewSet):
            codes.append(412)  # every detail write goes through ApiViewSet.write_object (If-Match)
            if getattr(self.view, "if_match_required", False):
                codes.append(428)
        return codes

    def error_response(self, code: int) -> dict:
        from .errors import ApiErrorSerializer, PreconditionFailedSerializer

        serializer = PreconditionFailedSerializer if code == 412 else ApiErrorSerializer
        response = self._get_response_for_code(serializer, str(code))
        response["description"] = ERROR_DESCRIPTIONS[code]
        return response
