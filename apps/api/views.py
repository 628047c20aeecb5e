from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from .deletions import RESOURCES, deletions_since
from .pagination import PagePagination
from .viewsets import updated_since


class DeletionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="被删除对象的ID")
    deleted_at = serializers.DateTimeField(help_text="删除时间")


class DeletionsView(generics.GenericAPIView):
    """已删除对象的墓碑（id、deleted_at），供增量同步方删除本地副本；归档的项目见 /projects/sync/。"""

    serializer_class = DeletionSerializer
    pagination_class = PagePagination
    filter_backends: list = []

    @extend_schema(
        summary="已删除对象（墓碑）",
        responses=DeletionSerializer(many=True),
        parameters=[
            OpenApiParameter("resource", str, required=True, enum=sorted(RESOURCES), description="资源"),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="只返回此时间之后的删除（ISO 8601，含时区）"),
        ],
    )
    def get(self, request: Request) -> Response:
        resource = request.query_params.get("resource")
        if resource not in RESOURCES:
            raise exceptions.ValidationError({"resource": [f"资源应为：{'、'.join(sorted(RESOURCES))}。"]})
        since = request.query_params.get("updated_since")
        rows = deletions_since(resource=resource, since=None if since is None else updated_since(since))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([{"id": r["id"], "deleted_at": r["history_date"]} for r in page])
