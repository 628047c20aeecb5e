from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    """Page numbers for people: ?page=2&page_size=50."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200


class SyncCursorPagination(CursorPagination):
    """Cursor pagination for incremental sync, ordered by update time then id (stable under writes)."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("updated_at", "id")
