from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.viewsets import ApiViewSet, CreateMixin, ReadMixin, UpdateMixin, crud_docs
from apps.scoring.models import AssessmentScheme
from apps.scoring.selectors import default_number, period_of, scheme_list, score_board
from apps.scoring.services import scheme_copy, scheme_create, scheme_update

from .serializers import (
    AssessmentSchemeSerializer,
    AssessmentSchemeWriteSerializer,
    BoardQuerySerializer,
    SchemeCopySerializer,
    ScoreBoardSerializer,
)


def jsonable(value: Any) -> Any:
    """Evidence as JSON: Decimals as exact strings (not floats), dates as ISO dates."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # "100", not "1E+2"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@crud_docs(
    list_="考核方案列表（含考核项目）",
    retrieve="考核方案详情",
    create="新增考核方案",
    update="修改考核方案",
    output=AssessmentSchemeSerializer,
)
class AssessmentSchemeViewSet(ReadMixin, CreateMixin, UpdateMixin, ApiViewSet):
    """绩效考核方案：所有登录用户可查看，仅项目办可新增、修改和复制。"""

    model = AssessmentScheme
    queryset = AssessmentScheme.objects.none()
    output_serializer_class = AssessmentSchemeSerializer
    input_serializer_class = AssessmentSchemeWriteSerializer
    filterset_fields = ("year", "target_kind")
    ordering_fields = ("year", "id")
    ordering = ("-year", "target_kind")

    def selector(self, user) -> QuerySet[AssessmentScheme]:
        return scheme_list()

    def create_object(self, data: dict) -> AssessmentScheme:
        return scheme_create(actor=self.request.user, **data)

    def update_object(self, instance: AssessmentScheme, data: dict) -> AssessmentScheme:
        return scheme_update(actor=self.request.user, scheme=instance, data=data, seen=self.seen_version)

    @extend_schema(summary="复制考核方案到另一年度", request=SchemeCopySerializer, responses={201: AssessmentSchemeSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        data = self.validated(SchemeCopySerializer)
        return self.respond(scheme_copy(actor=request.user, source=source, **data), status_code=status.HTTP_201_CREATED)


class ScoreBoardView(generics.GenericAPIView):
    """考核排名：按考核方案计算各责任单位或乡镇街道在所选月度、季度或年度的得分、名次及计分依据（实时计算）。"""

    serializer_class = ScoreBoardSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(summary="考核排名", parameters=[BoardQuerySerializer])
    def get(self, request: Request) -> Response:
        query = BoardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        # An unknown scheme is a bad query parameter (400, like any other), not a missing resource.
        scheme = scheme_list().filter(pk=params["scheme"]).first()
        if scheme is None:
            raise ValidationError({"scheme": [f"考核方案（ID {params['scheme']}）不存在。"]})
        year = params.get("year", scheme.year)
        try:
            period = period_of(params["period"], year, params.get("number") or default_number(params["period"], year, timezone.localdate()))
        except ValueError as exc:
            raise ValidationError({"number": [str(exc)]}) from exc
        try:
            rows = score_board(scheme, period_kind=period.kind, year=period.year, number=period.number)
        except DjangoValidationError as exc:  # an item whose params no longer validate
            raise ValidationError({"scheme": exc.messages}) from exc
        data = {
            "scheme": scheme,
            "period": period.kind,
            "year": period.year,
            "number": period.number,
            "month": period.month,
            "label": period.label,
            "rows": [{**asdict(row), "items": [{**asdict(i), "evidence": jsonable(i.evidence)} for i in row.items]} for row in rows],
        }
        return Response(ScoreBoardSerializer(data).data)
