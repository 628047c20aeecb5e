from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.exceptions import PermissionDenied

from apps.accounts.models import Role
from apps.api.viewsets import ApiViewSet, CreateMixin, ReadMixin, SyncMixin, UpdateMixin, cursor_page
from apps.land.filters import LandAcquisitionFilter
from apps.land.models import LandAcquisition
from apps.land.selectors import land_acquisition_is_own, land_acquisition_list
from apps.land.services import land_acquisition_create, land_acquisition_update
from apps.projects.selectors import project_is_own

from .serializers import LandAcquisitionSerializer, LandAcquisitionUpdateSerializer, LandAcquisitionWriteSerializer


@extend_schema_view(
    list=extend_schema(summary="征地拆迁列表"),
    retrieve=extend_schema(summary="征地拆迁详情"),
    create=extend_schema(summary="新增征拆任务（地块）", responses={201: LandAcquisitionSerializer}),
    update=extend_schema(summary="更新征拆数据", responses=LandAcquisitionSerializer),
    partial_update=extend_schema(summary="更新征拆数据（部分字段）", responses=LandAcquisitionSerializer),
    sync=extend_schema(responses=cursor_page(LandAcquisitionSerializer, "LandAcquisitionSyncPage")),
)
class LandAcquisitionViewSet(ReadMixin, CreateMixin, UpdateMixin, SyncMixin, ApiViewSet):
    queryset = LandAcquisition.objects.none()
    output_serializer_class = LandAcquisitionSerializer
    input_serializer_class = LandAcquisitionWriteSerializer
    update_serializer_class = LandAcquisitionUpdateSerializer
    filterset_class = LandAcquisitionFilter
    ordering_fields = ("updated_at", "required_area_mu", "id")
    ordering = ("project", "id")
    write_roles = (Role.PORTFOLIO_OFFICE, Role.DEPARTMENT)

    def selector(self, user) -> QuerySet[LandAcquisition]:
        return land_acquisition_list(user=user)

    def can_write_object(self, user, obj: LandAcquisition) -> bool:
        return land_acquisition_is_own(user, obj)

    def create_object(self, data: dict) -> LandAcquisition:
        project = data.pop("project")
        if not project_is_own(self.request.user, project):
            raise PermissionDenied("只能为本单位负责的项目登记征拆数据。")
        return land_acquisition_create(actor=self.request.user, project=project, data=data)

    def update_object(self, instance: LandAcquisition, data: dict) -> LandAcquisition:
        return land_acquisition_update(actor=self.request.user, land=instance, data=data)
