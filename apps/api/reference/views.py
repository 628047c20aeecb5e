from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.pagination import PagePagination
from apps.api.viewsets import ApiViewSet, CreateMixin, ReadMixin, UpdateMixin
from apps.lights.api.serializers import OverdueItemSerializer
from apps.lights.api.views import OVERDUE_PARAMS, overdue_response
from apps.organization.filters import DepartmentFilter, LeaderFilter, RegionFilter
from apps.organization.models import Department, Leader, Region
from apps.organization.services import reference_create, reference_update

from .serializers import DepartmentSerializer, LeaderSerializer, RegionSerializer


class _SimpleViewSet(ReadMixin, CreateMixin, UpdateMixin, ApiViewSet):
    """Reference data: everyone reads, the portfolio office writes, nothing is deleted through the API."""

    model: type[Region] | type[Department] | type[Leader]

    def selector(self, user) -> QuerySet:
        return self.model._default_manager.all()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()
        return super().get_queryset()

    def get_serializer_class(self):
        return self.output_serializer_class

    def create_object(self, data: dict):
        return reference_create(actor=self.request.user, model=self.model, data=data)

    def update_object(self, instance, data: dict):
        return reference_update(actor=self.request.user, row=instance, data=data, seen=self.seen_version)


def _views(name: str):
    return extend_schema_view(
        list=extend_schema(summary=f"{name}列表"),
        retrieve=extend_schema(summary=f"{name}详情"),
        create=extend_schema(summary=f"新增{name}"),
        update=extend_schema(summary=f"修改{name}"),
        partial_update=extend_schema(summary=f"修改{name}（部分字段）"),
    )


@_views("行政区划")
class RegionViewSet(_SimpleViewSet):
    model = Region
    output_serializer_class = input_serializer_class = RegionSerializer
    filterset_class = RegionFilter
    ordering_fields = ("sort_order", "code", "id")
    ordering = ("sort_order", "code")


@_views("责任单位")
class DepartmentViewSet(_SimpleViewSet):
    model = Department
    output_serializer_class = input_serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    ordering_fields = ("sort_order", "name", "id")
    ordering = ("sort_order", "name")


@_views("县级领导")
class LeaderViewSet(_SimpleViewSet):
    model = Leader
    output_serializer_class = input_serializer_class = LeaderSerializer
    filterset_class = LeaderFilter
    ordering_fields = ("sort_order", "position", "id")
    ordering = ("sort_order", "position")

    @extend_schema(
        summary="该领导包保项目的逾期与临期清单",
        parameters=[p for p in OVERDUE_PARAMS if p.name != "leader"],
        responses=OverdueItemSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=PagePagination, filter_backends=[], serializer_class=OverdueItemSerializer)
    def overdue(self, request: Request, pk=None) -> Response:
        leader = self.get_object()
        return overdue_response(self, request, leader=leader.pk)
