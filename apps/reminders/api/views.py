from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.policy import acting_user
from apps.api.viewsets import ApiViewSet, ReadMixin
from apps.reminders.filters import NotificationFilter, ReminderDeliveryFilter
from apps.reminders.models import ChannelPreference, Notification, ReminderDelivery
from apps.reminders.selectors import deliveries_visible_to, notifications_of, unread_count
from apps.reminders.services import delivery_resend, notification_mark_read, notifications_mark_all_read, preference_update

from .serializers import (
    ChannelPreferenceSerializer,
    ChannelPreferenceWriteSerializer,
    NotificationReadAllSerializer,
    NotificationSerializer,
    NotificationUnreadCountSerializer,
    ReminderDeliverySerializer,
)


@extend_schema_view(
    list=extend_schema(summary="提醒发送记录（项目办看全部，其他用户看发给自己的）"),
    retrieve=extend_schema(summary="提醒发送记录详情"),
)
class ReminderDeliveryViewSet(ReadMixin, ApiViewSet):
    queryset = ReminderDelivery.objects.none()
    output_serializer_class = ReminderDeliverySerializer
    filterset_class = ReminderDeliveryFilter
    ordering_fields = ("created_at", "fire_date", "sent_at", "id")
    ordering = ("-created_at", "-id")

    def selector(self, user) -> QuerySet[ReminderDelivery]:
        return deliveries_visible_to(user)

    @extend_schema(summary="重新发送失败（或已取消）的提醒；已发送的不会重发", request=None, responses=ReminderDeliverySerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk=None) -> Response:
        return self.respond(delivery_resend(actor=request.user, delivery=self.write_object()))


@extend_schema_view(
    list=extend_schema(summary="我的站内消息（最新在前）"),
    retrieve=extend_schema(summary="站内消息详情"),
)
class NotificationViewSet(ReadMixin, ApiViewSet):
    queryset = Notification.objects.none()
    output_serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ("created_at", "id")
    ordering = ("-created_at", "-id")

    def selector(self, user) -> QuerySet[Notification]:
        return notifications_of(user)

    @extend_schema(summary="未读消息数", responses=NotificationUnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response(NotificationUnreadCountSerializer({"unread": unread_count(request.user)}).data)

    @extend_schema(summary="标记为已读", request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk=None) -> Response:
        return self.respond(notification_mark_read(actor=request.user, notification=self.write_object()))

    @extend_schema(summary="全部标记为已读", request=None, responses=NotificationReadAllSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response(NotificationReadAllSerializer({"updated": notifications_mark_all_read(actor=request.user)}).data)


class NotificationPreferenceViewSet(ApiViewSet):
    queryset = ChannelPreference.objects.none()
    output_serializer_class = ChannelPreferenceSerializer
    pagination_class = None
    filter_backends: list = []

    def selector(self, user) -> QuerySet[ChannelPreference]:
        return ChannelPreference.objects.filter(user=user)

    @extend_schema(methods=["GET"], summary="我的提醒渠道偏好", responses=ChannelPreferenceSerializer)
    @extend_schema(
        methods=["PUT"], summary="修改我的提醒渠道偏好", request=ChannelPreferenceWriteSerializer, responses=ChannelPreferenceSerializer
    )
    @action(detail=False, methods=["get", "put"])
    def me(self, request: Request) -> Response:
        if request.method == "PUT":
            pref = preference_update(actor=request.user, **self.validated(ChannelPreferenceWriteSerializer))
        else:
            user = acting_user(request.user)  # signed in (the viewset's permission): says so to mypy
            pref = ChannelPreference.objects.filter(user=user).first() or ChannelPreference(user=user)
        return Response(ChannelPreferenceSerializer(pref).data)
