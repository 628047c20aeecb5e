from __future__ import annotations

from django.db.models import QuerySet

from apps.api.viewsets import ApiViewSet, CreateMixin, ReadMixin, SyncMixin, UpdateMixin, crud_docs
from apps.land.filters import LandAcquisitionFilter
from apps.land.models import LandAcquisition
from apps.land.selectors import land_acquisition_list
from apps.land.services import land_acquisition_create, land_acquisition_update

from .serializers import LandAcquisitionSerializer, LandAcquisitionUpdateSerializer, LandAcquisitionWriteSerializer


@crud_docs(
    list_="征地拆迁列表",
    retrieve="征地拆迁详情",
    create="新增征拆任务（地块）",
    update="更新征拆数据",
    output=LandAcquisitionSerializer,
    sync="LandAcquisitionSyncPage",
)
class LandAcquisitionViewSet(ReadMixin, CreateMixin, UpdateMixin, SyncMixin, ApiViewSet):
    queryset = LandAcquisition.objects.none()
    output_serializer_class = LandAcquisitionSerializer
    input_serializer_class = LandAcquisitionWriteSerializer
    update_serializer_class = LandAcquisitionUpdateSerializer
    filterset_class = LandAcquisitionFilter
    ordering_fields = ("updated_at", "required_area_mu", "id")
    ordering = ("project", "id")

    def selector(self, user) -> QuerySet[LandAcquisition]:
        return land_acquisition_list(user=user)

    def create_object(self, data: dict) -> LandAcquisition:
        project = data.pop("project")
        return land_acquisition_create(actor=self.request.user, project=project, data=data)

    def update_object(self, instance: LandAcquisition, data: dict) -> LandAcquisition:
        return land_acquisition_update(actor=self.request.user, land=instance, data=data, seen=self.seen_version)
