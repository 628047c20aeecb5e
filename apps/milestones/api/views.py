from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.viewsets import ApiViewSet, CreateMixin, ReadMixin, SyncMixin, UpdateMixin, crud_docs
from apps.lights.lists import milestone_list
from apps.milestones.filters import MilestoneFilter
from apps.milestones.models import Milestone
from apps.milestones.services import milestone_complete, milestone_create, milestone_update

from .serializers import MilestoneCompleteSerializer, MilestoneSerializer, MilestoneUpdateSerializer, MilestoneWriteSerializer


@crud_docs(
    list_="要件/节点列表",
    retrieve="要件/节点详情",
    create="新增要件/节点",
    update="修改要件/节点",
    output=MilestoneSerializer,
    sync="MilestoneSyncPage",
)
class MilestoneViewSet(ReadMixin, CreateMixin, UpdateMixin, SyncMixin, ApiViewSet):
    queryset = Milestone.objects.none()
    output_serializer_class = MilestoneSerializer
    input_serializer_class = MilestoneWriteSerializer
    update_serializer_class = MilestoneUpdateSerializer
    filterset_class = MilestoneFilter
    ordering_fields = ("planned_date", "updated_at", "light_rank", "id")
    ordering = ("planned_date", "id")
    # The upload action takes a larger body (the attachment); its parsers are on the action.
    upload_actions = frozenset({"complete"})

    def selector(self, user) -> QuerySet[Milestone]:
        return milestone_list(user=user)

    def create_object(self, data: dict) -> Milestone:
        project = data.pop("project")
        return milestone_create(actor=self.request.user, project=project, data=data)

    def update_object(self, instance: Milestone, data: dict) -> Milestone:
        return milestone_update(actor=self.request.user, milestone=instance, data=data, seen=self.seen_version)

    @extend_schema(summary="办结要件（填写日期、文号，可上传批复文件）", request=MilestoneCompleteSerializer, responses=MilestoneSerializer)
    # The one action that takes a file: multipart here, JSON only everywhere else (settings).
    @action(detail=True, methods=["post"], parser_classes=(JSONParser, MultiPartParser, FormParser))
    def complete(self, request: Request, pk=None) -> Response:
        milestone = self.write_object()
        data = self.validated(MilestoneCompleteSerializer)
        milestone = milestone_complete(
            actor=request.user,
            milestone=milestone,
            actual_date=data["actual_date"],
            doc_number=data.get("doc_number", ""),
            attachment=data.get("attachment"),
        )
        return self.respond(milestone)
