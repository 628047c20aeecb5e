from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.viewsets import ApiViewSet, CreateMixin, ReadMixin, UpdateMixin
from apps.core.services import apply_fields
from apps.workcalendar.filters import CalendarDayFilter
from apps.workcalendar.models import CalendarDay
from apps.workcalendar.services import add_working_days, calendar_day_save, calendar_year_status, is_working_day

from .calendar_serializers import (
    AddWorkingDaysQuerySerializer,
    AddWorkingDaysSerializer,
    CalendarDaySerializer,
    WorkingDayQuerySerializer,
    WorkingDaySerializer,
)


@extend_schema_view(
    list=extend_schema(summary="节假日与调休日列表"),
    retrieve=extend_schema(summary="节假日/调休日详情"),
    create=extend_schema(summary="录入节假日或调休日（用于尚未收录的年份）"),
    update=extend_schema(summary="修改节假日/调休日"),
    partial_update=extend_schema(summary="修改节假日/调休日（部分字段）"),
)
class CalendarDayViewSet(ReadMixin, CreateMixin, UpdateMixin, ApiViewSet):
    queryset = CalendarDay.objects.none()
    output_serializer_class = input_serializer_class = CalendarDaySerializer
    filterset_class = CalendarDayFilter
    ordering_fields = ("date",)
    ordering = ("date",)

    def selector(self, user) -> QuerySet[CalendarDay]:
        return CalendarDay.objects.all()

    def create_object(self, data: dict) -> CalendarDay:
        return calendar_day_save(actor=self.request.user, day=apply_fields(CalendarDay(), data, allowed=set(data)))

    def update_object(self, instance: CalendarDay, data: dict) -> CalendarDay:
        return calendar_day_save(actor=self.request.user, day=apply_fields(instance, data, allowed=set(data)))


class WorkingDayView(generics.GenericAPIView):
    serializer_class = WorkingDaySerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(summary="某日是否工作日", parameters=[WorkingDayQuerySerializer])
    def get(self, request: Request) -> Response:
        query = WorkingDayQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data["date"]
        status = calendar_year_status(year=day.year)
        return Response({"date": day, "is_working_day": is_working_day(day=day), "year_known": status.known, "warning": status.warning})


class AddWorkingDaysView(generics.GenericAPIView):
    serializer_class = AddWorkingDaysSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(summary="某日之后第N个工作日", parameters=[AddWorkingDaysQuerySerializer])
    def get(self, request: Request) -> Response:
        query = AddWorkingDaysQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, days = query.validated_data["start"], query.validated_data["days"]
        try:
            result = add_working_days(start=start, days=days)
        except (OverflowError, ValueError) as exc:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"days": ["推算结果超出可表示的日期范围。"]}) from exc
        return Response({"start": start, "days": days, "result": result})
