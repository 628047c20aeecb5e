from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.pagination import PagePagination
from apps.lights.due import KIND_CHOICES
from apps.lights.overdue import DueItemPage
from apps.lights.selectors import light_context

from .serializers import OverdueItemSerializer, OverdueQuerySerializer

OVERDUE_PARAMS = [
    OpenApiParameter("leader", int, description="包保领导ID"),
    OpenApiParameter("department", int, description="责任单位ID"),
    OpenApiParameter("region", int, description="区划ID（含下级）"),
    OpenApiParameter("light", str, enum=["green", "yellow", "red"], description="预警灯"),
    OpenApiParameter("type", str, enum=[code for code, _ in KIND_CHOICES], description="事项类型"),
]


def overdue_response(view: generics.GenericAPIView, request: Request, **fixed) -> Response:
    query = OverdueQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = {**query.validated_data, **fixed}
    items = DueItemPage(
        ctx=light_context(today=timezone.localdate()),
        leader=params.get("leader"),
        department=params.get("department"),
        region=params.get("region"),
        light=params.get("light"),
        item_type=params.get("type"),
    )
    page = view.paginate_queryset(items)
    page = [asdict(i) for i in page]
    return view.get_paginated_response(OverdueItemSerializer(page, many=True).data)


class OverdueView(generics.GenericAPIView):
    """逾期与临期清单：已逾期或在预警窗口内到期的未完成事项（要件/节点、问题、计划开工、未报送月报），最严重的在前。"""

    serializer_class = OverdueItemSerializer
    pagination_class = PagePagination
    filter_backends: list = []

    @extend_schema(summary="逾期与临期清单", parameters=OVERDUE_PARAMS, responses=OverdueItemSerializer(many=True))
    def get(self, request: Request) -> Response:
        return overdue_response(self, request)
