from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.viewsets import ApiViewSet, CreateMixin, ReadMixin, SyncMixin, TombstoneSerializer, UpdateMixin, crud_docs
from apps.lights.lists import project_detail_queryset, project_list
from apps.projects.filters import AnnualPlanFilter, ProjectFilter
from apps.projects.models import AnnualPlan, Project, ProjectResponsibility
from apps.projects.plans import annual_plan_adjust, annual_plan_create
from apps.projects.responsibilities import responsibility_assign, responsibility_remove, responsibility_update
from apps.projects.selectors import annual_plan_list, responsibility_rows
from apps.projects.services import project_archive, project_comment_add, project_create, project_update

from .lights import PageLightsMixin
from .serializers import (
    AnnualPlanAdjustSerializer,
    AnnualPlanSerializer,
    AnnualPlanWriteSerializer,
    ProjectCommentSerializer,
    ProjectCommentWriteSerializer,
    ProjectCreateSerializer,
    ProjectDetailSerializer,
    ProjectListSerializer,
    ProjectResponsibilitySerializer,
    ProjectResponsibilityWriteSerializer,
    ProjectWriteSerializer,
)

RESPONSIBILITY_RULE = (
    "包保领导、牵头单位、配合单位和属地乡镇（街道）只有项目办可以设置；责任单位可在本单位牵头、配合或属地的项目上"
    "维护本单位的负责人、专班、驻点干部、联络员和业主、施工联系人（单位须为本单位）。"
    "可带项目的 If-Match（项目详情的 ETag，含责任分工），过期返回 412。每次修改记入变更历史（人、时间）。"
)
RESPONSIBILITY_ID = OpenApiParameter("responsibility_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="责任记录ID")
PLAN_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="年度计划详情响应的 ETag；与当前版本不符返回 412，缺少或为 * 返回 428。",
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
        # `instance` is write_object's read, unchanged: with If-Match the service need not read it again.
        result = project_update(actor=self.request.user, project=instance, data=data, seen=self.seen_version, as_read=True)
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

    @extend_schema(
        methods=["GET"],
        summary="责任分工列表",
        description="包保领导、牵头/配合单位、属地、联络员等，按角色排序；联系电话按可见范围显示。",
        responses=ProjectResponsibilitySerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="新增责任（包保领导、牵头/配合单位、联络员…）",
        description=RESPONSIBILITY_RULE,
        request=ProjectResponsibilityWriteSerializer,
        responses={201: ProjectResponsibilitySerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def responsibilities(self, request: Request, pk=None) -> Response:
        context = self.get_serializer_context()
        if request.method == "GET":
            project = self.get_object()
            return Response(ProjectResponsibilitySerializer(responsibility_rows(project), many=True, context=context).data)
        project = self.write_object()
        data = self.validated(ProjectResponsibilityWriteSerializer)
        row = responsibility_assign(actor=request.user, project=project, data=dict(data))
        return Response(ProjectResponsibilitySerializer(self._responsibility(project, row.pk), context=context).data, status=201)

    @extend_schema(
        methods=["PATCH"],
        summary="修改责任（如包保领导变更、更换联络员）",
        description=RESPONSIBILITY_RULE,
        parameters=[RESPONSIBILITY_ID],
        request=ProjectResponsibilityWriteSerializer,
        responses=ProjectResponsibilitySerializer,
    )
    @extend_schema(
        methods=["DELETE"], summary="删除责任", description=RESPONSIBILITY_RULE, parameters=[RESPONSIBILITY_ID], responses={204: None}
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"responsibilities/(?P<responsibility_id>[0-9]+)",
        url_name="responsibility",
        pagination_class=None,
        filter_backends=[],
    )
    def responsibility(self, request: Request, pk=None, responsibility_id=None) -> Response:
        project = self.write_object()
        row = self._responsibility(project, responsibility_id)
        if request.method == "DELETE":
            responsibility_remove(actor=request.user, responsibility=row)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = self.validated(ProjectResponsibilityWriteSerializer, partial=True)
        row = responsibility_update(actor=request.user, responsibility=row, data=dict(data))
        return Response(ProjectResponsibilitySerializer(self._responsibility(project, row.pk), context=self.get_serializer_context()).data)

    @staticmethod
    def _responsibility(project: Project, pk) -> ProjectResponsibility:
        row = next((r for r in responsibility_rows(project, fresh=True) if str(r.pk) == str(pk)), None)
        if row is None:
            raise Http404("该项目没有这条责任记录。")
        return row


ADJUST_DESCRIPTION = (
    "调整计划：须带 If-Match（本计划详情的 ETag；缺少或为 * 返回 428，过期返回 412）和调整原因 reason；"
    "调整后版本号 revision 加一，调整历史记录人、时间和原因。所属项目和年度不能修改。"
)


@crud_docs(
    list_="年度计划列表",
    retrieve="年度计划详情",
    create="新建年度计划（同一项目同一年度只有一条；该年度已有计划时返回 400，不作任何修改，请用调整计划）",
    update="调整年度计划",
    output=AnnualPlanSerializer,
)
@extend_schema_view(
    update=extend_schema(description=ADJUST_DESCRIPTION, parameters=[PLAN_IF_MATCH]),
    partial_update=extend_schema(description=ADJUST_DESCRIPTION, parameters=[PLAN_IF_MATCH]),
)
class AnnualPlanViewSet(ReadMixin, CreateMixin, UpdateMixin, ApiViewSet):
    queryset = AnnualPlan.objects.none()
    output_serializer_class = AnnualPlanSerializer
    input_serializer_class = AnnualPlanWriteSerializer
    update_serializer_class = AnnualPlanAdjustSerializer
    if_match_required = True
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
        return annual_plan_create(actor=self.request.user, project=project, year=year, data=data, monthly=monthly)

    def update_object(self, instance: AnnualPlan, data: dict) -> AnnualPlan:
        monthly = self._monthly(data)
        reason = data.pop("reason", "")
        # write_object locked the plan and matched If-Match against its current ETag, which carries
        # its revision: the version this client saw is the one the service is told to expect.
        return annual_plan_adjust(
            actor=self.request.user, plan=instance, data=data, reason=reason, expected=instance.revision, monthly=monthly
        )
