"""The month close and the corrections through the API: /periods/ and /corrections/.

Reads for every signed-in user; closing, reopening and correcting are the office's (the policy's
rules, asked by RolePermission before the body is read and by the services again)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.pagination import PagePagination
from apps.projects.models import Project
from apps.stats.closing import closed_period, correction_list, period_close, period_figure_correct, period_list, period_reopen
from apps.stats.models import FigureCorrection, PeriodClose, PeriodCloseEvent, PeriodFigure
from apps.workcalendar.periods import Period

from .closing_serializers import (
    CorrectionQuerySerializer,
    CorrectionSerializer,
    PeriodCloseRequestSerializer,
    PeriodFigureCorrectSerializer,
    PeriodFigureQuerySerializer,
    PeriodFigureSerializer,
    PeriodReopenRequestSerializer,
    PeriodSerializer,
)

TAG = "月度关账与更正"
PERIOD_PARAM = OpenApiParameter("period", str, OpenApiParameter.PATH, pattern=r"^\d{4}-\d{2}$", description="报告期，如 2026-11")


def parse_period(text: str, name: str = "period") -> Period:
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise ValidationError({name: [str(exc)]}) from None


def _event(e: PeriodCloseEvent) -> dict:
    return {"action": e.action, "actor": str(e.actor) if e.actor else None, "at": e.at, "reason": e.reason}


def _events(row: PeriodClose | None) -> list[dict]:
    if row is None:
        return []
    return [_event(e) for e in row.events.select_related("actor").order_by("at", "id")]


def period_data(period: Period) -> dict:
    """One period's close state, with its history (three queries)."""
    row = PeriodClose.objects.select_related("closed_by").filter(year=period.year, month=period.month).first()
    return {
        "period": period.key,
        "year": period.year,
        "month": period.month,
        "label": period.label,
        "status": row.status if row else "open",
        "status_label": row.get_status_display() if row else "未关账",
        "closed_at": row.closed_at if row else None,
        "closed_by": (str(row.closed_by) if row.closed_by else "系统") if row else None,
        "project_count": row.project_count if row else None,
        "item_count": row.item_count if row else None,
        "events": _events(row),
    }


class PeriodListView(generics.GenericAPIView):
    """报告期列表：上年1月至最近报告期的各月及其关账状态（已关账月份的统计、通报、考核读取关账时冻结的数字）。"""

    serializer_class = PeriodSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(summary="报告期与关账状态", tags=[TAG], responses=PeriodSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = period_list(today=timezone.localdate())
        events: dict[int, list] = {}
        ids = [r["row"].pk for r in rows if r["row"] is not None]
        for e in PeriodCloseEvent.objects.filter(period_id__in=ids).select_related("actor").order_by("at", "id"):
            events.setdefault(e.period_id, []).append(_event(e))
        data = [{**r, "events": events.get(r["row"].pk, []) if r["row"] else []} for r in rows]
        return Response(PeriodSerializer(data, many=True).data)


class _PeriodWrite(generics.GenericAPIView):
    model: type[PeriodClose] | type[PeriodFigure] = PeriodClose
    filter_backends: list = []
    pagination_class = None
    serializer_class: type[PeriodSerializer] | type[PeriodFigureSerializer] = PeriodSerializer


class PeriodCloseView(_PeriodWrite):
    """关账：冻结该月每个在库项目的数字和月末预警灯、月末逾期与临期事项。仅项目办；当月及以后的月份、已关账的月份不能关账。"""

    action = "close"  # the policy verb (apps.api.permissions.view_verb)

    @extend_schema(summary="关账", tags=[TAG], parameters=[PERIOD_PARAM], request=PeriodCloseRequestSerializer, responses=PeriodSerializer)
    def post(self, request: Request, period: str) -> Response:
        p = parse_period(period)
        body = PeriodCloseRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        period_close(actor=request.user, year=p.year, month=p.month, reason=body.validated_data["reason"])
        return Response(PeriodSerializer(period_data(p)).data, status=status.HTTP_200_OK)


class PeriodReopenView(_PeriodWrite):
    """重新打开已关账的月份（须填写原因）：该月恢复按实时数字统计，再次关账时重新冻结（已录入的统计局数字保留）。仅项目办。"""

    action = "reopen"

    @extend_schema(
        summary="重新打开", tags=[TAG], parameters=[PERIOD_PARAM], request=PeriodReopenRequestSerializer, responses=PeriodSerializer
    )
    def post(self, request: Request, period: str) -> Response:
        p = parse_period(period)
        body = PeriodReopenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        period_reopen(actor=request.user, year=p.year, month=p.month, reason=body.validated_data["reason"])
        return Response(PeriodSerializer(period_data(p)).data)


class PeriodFigureListView(generics.ListAPIView):
    """已关账月份各项目的冻结数字（计划、完成、序时、开工状态、月末预警灯及原因、统计局纳统数及差异）。未关账的月份返回 400。"""

    serializer_class = PeriodFigureSerializer
    pagination_class = PagePagination
    filter_backends: list = []
    queryset = PeriodFigure.objects.none()

    @extend_schema(summary="关账冻结数字", tags=[TAG], parameters=[PERIOD_PARAM, PeriodFigureQuerySerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[PeriodFigure]:
        if getattr(self, "swagger_fake_view", False):
            return PeriodFigure.objects.none()
        p = parse_period(self.kwargs["period"])
        query = PeriodFigureQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        closed = closed_period(p.year, p.month)
        if closed is None:
            raise ValidationError({"period": [f"{p.label}尚未关账，没有冻结数字；请查看统计汇总。"]})
        qs = PeriodFigure.objects.filter(period=closed).order_by("project_id")
        if "project" in query.validated_data:
            qs = qs.filter(project_id=query.validated_data["project"])
        return qs


class PeriodFigureCorrectView(_PeriodWrite):
    """更正已关账月份的冻结数字：统计局联网直报的纳统年初至今完成投资、入库纳统（须填写原因，留更正记录）。
    单位填报的完成投资请更正月报（/reports/{id}/correct/）。仅项目办。"""

    model = PeriodFigure
    action = "correct"
    serializer_class = PeriodFigureSerializer

    @extend_schema(
        summary="更正冻结数字（统计局纳统数）",
        tags=[TAG],
        parameters=[PERIOD_PARAM],
        request=PeriodFigureCorrectSerializer,
        responses=PeriodFigureSerializer,
    )
    def post(self, request: Request, period: str) -> Response:
        p = parse_period(period)
        body = PeriodFigureCorrectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        project = Project.objects.filter(pk=data["project"]).first()
        if project is None:
            raise ValidationError({"project": [f"项目（ID {data['project']}）不存在。"]})
        figure = period_figure_correct(
            actor=request.user,
            project=project,
            year=p.year,
            month=p.month,
            field=data["field"],
            value=data[data["field"]],
            reason=data["reason"],
        )
        return Response(PeriodFigureSerializer(figure).data)


class CorrectionListView(generics.ListAPIView):
    """更正记录：谁、何时、为什么更正了哪个项目哪个报告期的哪个数字，原值 → 新值（最新在前）。"""

    serializer_class = CorrectionSerializer
    pagination_class = PagePagination
    filter_backends: list = []
    queryset = FigureCorrection.objects.none()

    @extend_schema(summary="更正记录", tags=[TAG], parameters=[CorrectionQuerySerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[FigureCorrection]:
        if getattr(self, "swagger_fake_view", False):
            return FigureCorrection.objects.none()
        query = CorrectionQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        period = parse_period(params["period"]) if "period" in params else None
        return correction_list(
            project_id=params.get("project"), year=period.year if period else None, month=period.month if period else None
        )
