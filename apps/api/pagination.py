from rest_framework import exceptions
from rest_framework.pagination import CursorPagination, PageNumberPagination


def _positive_int(request, name: str) -> int | None:
    """The query parameter as an integer ≥ 1, None when absent; anything else is a 400 (DRF would
    quietly fall back to the default for `page_size=null`)."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    raw = raw.strip()
    # isascii: "²".isdigit() is True but int("²") raises.
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise exceptions.ValidationError({name: ["应为不小于 1 的整数。"]}, code="invalid")
    return int(raw)


class PagePagination(PageNumberPagination):
    """Page numbers for people: ?page=2&page_size=50 (a page_size over the maximum is served at the maximum)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_page_message = "页码超出范围。"

    def get_page_size(self, request):
        size = _positive_int(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return paginator.num_pages
        number = _positive_int(request, self.page_query_param)
        return 1 if number is None else number

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            param["schema"] = {"type": "integer", "minimum": 1}
            if param["name"] == self.page_query_param:
                param["description"] = "页码（从 1 开始）；超出范围返回 404"
            elif param["name"] == self.page_size_query_param:
                param["description"] = f"每页条数，默认 {self.page_size}，最大 {self.max_page_size}（超过按最大值）"
        return params


class SyncCursorPagination(CursorPagination):
    """Cursor pagination for incremental sync, ordered by update time then id (stable under writes)."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("updated_at", "id")
    invalid_cursor_message = "游标无效或已过期，请从第一页重新同步。"

    def get_page_size(self, request):
        size = _positive_int(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.cursor_query_param:
                param["description"] = "游标（取自上一页的 next 链接）；无效返回 404"
            elif param["name"] == self.page_size_query_param:
                param["schema"] = {"type": "integer", "minimum": 1}
                param["description"] = f"每页条数，默认 {self.page_size}，最大 {self.max_page_size}（超过按最大值）"
        return params
