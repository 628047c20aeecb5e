from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from apps.lights.selectors import report_period
from apps.stats.selectors import PortfolioFigures, portfolio_figures, portfolio_groups

from .serializers import SummaryQuerySerializer, SummarySerializer

HUNDRED = Decimal("100")


def _pct(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value * HUNDRED).quantize(Decimal("0.01"))


def _out(f: PortfolioFigures) -> dict:
    data = asdict(f)
    for key in ("completion_rate", "time_progress", "start_rate", "start_resume_rate"):
        data[key] = _pct(data[key])
    data["gap_points"] = None if f.gap_points is None else f.gap_points.quantize(Decimal("0.01"))
    return data


class SummaryView(generics.GenericAPIView):
    """讲话口径的统计指标：开（复）工项目数与总投资、年度计划与完成、完成率、序时进度、开工率、开复工率、预警灯数。"""

    serializer_class = SummarySerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(summary="统计汇总", parameters=[SummaryQuerySerializer])
    def get(self, request: Request) -> Response:
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        default_year, default_month = report_period(today)
        year = query.validated_data.get("year", default_year)
        month = query.validated_data.get("month", default_month if year == default_year else 12)
        group_by = query.validated_data.get("group_by")
        total = portfolio_figures(year=year, month=month, today=today)
        groups = []
        if group_by:
            for key, label, figures in portfolio_groups(group_by=group_by, year=year, month=month, today=today):
                groups.append({"key": str(key), "label": label, **_out(figures)})
        data = {"year": year, "month": month, "total": _out(total), "group_by": group_by, "groups": groups}
        return Response(SummarySerializer(data).data)
