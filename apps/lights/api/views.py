from __future__ import annotations

from dataclasses import asdict
from typing import Any, cast

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.pagination import PagePagination
from apps.core.due import kind_choices
from apps.lights.overdue import DueItemPage
from apps.lights.selectors import light_context
from apps.stats.closing import frozen_items, item_as_overdue, narrow_items, period_end_context
from apps.workcalendar.periods import Period

from .serializers import OverdueItemSerializer, OverdueQuerySerializer

OVERDUE_PARAMS = [
    OpenApiParameter("leader", int, description="包保领导ID"),
    OpenApiParameter("department", int, description="责任单位ID"),
    OpenApiParameter("region", int, description="区划ID（含下级）"),
    OpenApiParameter("light", str, enum=["green", "yellow", "red"], description="预警灯"),
    OpenApiParameter("type", str, enum=[code for code, _ in kind_choices()], description="事项类型"),
    OpenApiParameter(
        "period",
        str,
        pattern=r"^\d{4}-\d{2}$",
        description=(
            "报告期（如 2026-11）：该月月末的逾期与临期清单。已关账的月份返回关账时冻结的清单；"
            "未关账的以往月份按月末当时的状态计算（其后才办结的也列入）；不填为当前清单。当月及以后的月份不可用。"
        ),
    ),
]


def _period(text: str) -> Period:
    """The `period` parameter, or a Chinese 400: a month that is over."""
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise ValidationError({"period": [str(exc)]}) from None
    if period >= Period.of(timezone.localdate()):
        raise ValidationError({"period": [f"{period.label}尚未结束，没有月末清单；查看当前清单请不填 period。"]})
    return period


def overdue_response(view: generics.GenericAPIView, request: Request, **fixed) -> Response:
    query = OverdueQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = {**query.validated_data, **fixed}
    period = _period(request.query_params["period"]) if "period" in request.query_params else None
    frozen = frozen_items(year=period.year, month=period.month) if period is not None else None
    if frozen is not None:
        narrowing = {name: params.get(name) for name in ("leader", "department", "region", "light")}
        items = [item_as_overdue(i) for i in narrow_items(frozen, item_type=params.get("type"), **narrowing)]
        page = view.paginate_queryset(items) or []
        return view.get_paginated_response(OverdueItemSerializer([asdict(i) for i in page], many=True).data)
    lazy = DueItemPage(
        ctx=period_end_context(period) if period is not None else light_context(today=timezone.localdate()),
        leader=params.get("leader"),
        department=params.get("department"),
        region=params.get("region"),
        light=params.get("light"),
        item_type=params.get("type"),
    )
    shown: list = view.paginate_queryset(cast(Any, lazy)) or []  # a lazy sequence the paginator counts and slices, not a Sequence
    return view.get_paginated_response(OverdueItemSerializer([asdict(i) for i in shown], many=True).data)


class OverdueView(generics.GenericAPIView):
    """逾期与临期清单：已逾期或在预警窗口内到期的未完成事项（要件/节点、问题、计划开工、未报送月报），最严重的在前；
    带 period 时为该月月末的清单（已关账月份为关账时冻结的清单）。"""

    serializer_class = OverdueItemSerializer
    pagination_class = PagePagination
    filter_backends: list = []

    @extend_schema(summary="逾期与临期清单", parameters=OVERDUE_PARAMS, responses=OverdueItemSerializer(many=True))
    def get(self, request: Request) -> Response:
        return overdue_response(self, request)
