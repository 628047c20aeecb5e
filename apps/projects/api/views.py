from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.viewsets import ApiViewSet, CreateMixin, ReadMixin, SyncMixin, TombstoneSerializer, UpdateMixin, crud_docs
from apps.projects.filters import AnnualPlanFilter, ProjectFilter
from apps.projects.models import AnnualPlan, Project
from apps.projects.selectors import annual_plan_list, project_detail_queryset, project_list
from apps.projects.services import annual_plan_set, annual_plan_update, project_archive, project_comment_add, project_create, project_update

from .lights import PageLightsMixin
from .serializers import (
    AnnualPlanSerializer,
    AnnualPlanWriteSerializer,
    ProjectCommentSerializer,
    ProjectCommentWriteSerializer,
    ProjectCreateSerializer,
    ProjectDetailSerializer,
    ProjectListSerializer,
    ProjectWriteSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="项目列表", description="重点项目台账，含预警灯、包保领导和牵头单位；支持筛选、搜索和排序。"),
    retrieve=extend_schema(summary="项目详情", description="响应带 ETag；修改时以 If-Match 回传，过期的版本返回 412。"),
    create=extend_schema(
        summary="登记项目",
        description="默认按投资管理方式的审批要件模板生成要件节点；不需要时传 generate_milestones=false。",
        responses={201: ProjectDetailSerializer},
    ),
    update=extend_schema(summary="修改项目（整体）", responses=ProjectDetailSerializer),
    partial_update=extend_schema(summary="修改项目（部分字段）", responses=ProjectDetailSerializer),
    sync=extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="ProjectSyncItem",
            serializers=[ProjectDetailSerializer, TombstoneSerializer],
            resource_type_field_name=None,
            many=True,
        )
    ),
)
class ProjectViewSet(PageLightsMixin, ReadMixin, CreateMixin, UpdateMixin, SyncMixin, ApiViewSet):
    queryset = Project.objects.none()
    output_serializer_class = ProjectDetailSerializer
    list_serializer_class = ProjectListSerializer
    input_serializer_class = ProjectCreateSerializer
    update_serializer_class = ProjectWriteSerializer
    filterset_class = ProjectFilter
    ordering_fields = ("total_investment", "updated_at", "name", "light_rank", "planned_start", "id")
    ordering = ("-total_investment", "id")
    tombstone_field = "archived_at"

    def selector(self, user, include_archived: bool = False) -> QuerySet[Project]:
        lights = self.action == "list" and self.needs_all_lights()
        if self.action == "list":
            return project_list(user=user, include_archived=include_archived, ctx=self.light_ctx(), lights=lights)
        return project_detail_queryset(user=user, ctx=self.light_ctx(), lights=False)

    def create_object(self, data: dict) -> Project:
        generate = data.pop("generate_milestones", True)
        result = project_create(actor=self.request.user, data=data, generate_milestones=generate)
        self._warnings = result.warnings
        return result.project

    def update_object(self, instance: Project, data: dict) -> Project:
        result = project_update(actor=self.request.user, project=instance, data=data)
        self._warnings = result.warnings
        return result.project

    def respond(self, instance, *, status_code: int = status.HTTP_200_OK) -> Response:
        response = super().respond(instance, status_code=status_code)
        if getattr(self, "_warnings", None):
            # The Chinese text is in the body's code_warning; the header flags it for machines.
            response["Warning"] = '199 - "legacy-project-code"'

        return response

    @extend_schema(summary="归档（退库）项目", request=None, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk=None) -> Response:
        project = self.write_object()
        project = project_archive(actor=request.user, project=project)
        return self.respond(project)

    @extend_schema(
        summary="领导意见/批示",
        request=ProjectCommentWriteSerializer,
        responses={200: ProjectCommentSerializer(many=True), 201: ProjectCommentSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request: Request, pk=None) -> Response:
        if request.method == "GET":
            project = self.get_object()
            return Response(ProjectCommentSerializer(project.comments.select_related("author"), many=True).data)
        project = self.write_object()
        data = self.validated(ProjectCommentWriteSerializer)
        comment = project_comment_add(actor=request.user, project=project, kind=data.get("kind", "comment"), text=data["text"])
        return Response(ProjectCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


@crud_docs(
    list_="年度计划列表",
    retrieve="年度计划详情",
    create="设定年度计划（同一项目同一年度只有一条，重复提交即覆盖）",
    update="修改年度计划",
    output=AnnualPlanSerializer,
)
class AnnualPlanViewSet(ReadMixin, CreateMixin, UpdateMixin, ApiViewSet):
    queryset = AnnualPlan.objects.none()
    output_serializer_class = AnnualPlanSerializer
    input_serializer_class = AnnualPlanWriteSerializer
    filterset_class = AnnualPlanFilter
    ordering_fields = ("year", "annual_plan", "id")
    ordering = ("-year", "id")

    def selector(self, user) -> QuerySet[AnnualPlan]:
        return annual_plan_list(user=user)

    @staticmethod
    def _monthly(data: dict) -> dict[int, dict]:
        return {t["month"]: {k: v for k, v in t.items() if k != "month"} for t in data.pop("monthly_targets", [])}

    def create_object(self, data: dict) -> AnnualPlan:
        monthly = self._monthly(data)
        project, year = data.pop("project"), data.pop("year")
        return annual_plan_set(actor=self.request.user, project=project, year=year, data=data, monthly=monthly)

    def update_object(self, instance: AnnualPlan, data: dict) -> AnnualPlan:
        monthly = self._monthly(data)
        return annual_plan_update(actor=self.request.user, plan=instance, data=data, monthly=monthly)
