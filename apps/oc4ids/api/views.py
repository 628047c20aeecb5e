"""OC4IDS 0.9.5 views: the project package (the project list's filters, a page at a time) and one project."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.viewsets import ApiViewSet
from apps.lights.lists import project_list
from apps.oc4ids.package import package_dict, package_queryset, project_dict
from apps.projects.api.lights import PageLightsMixin
from apps.projects.filters import ProjectFilter
from apps.projects.models import Project

TAG = "OC4IDS 开放数据"


# many=False: the package is one object per page, not a list of packages (drf-spectacular would
# otherwise wrap the list action's response in the paginated envelope).
@extend_schema_serializer(many=False)
class Oc4idsPackageSerializer(serializers.Serializer):
    uri = serializers.URLField(help_text="本数据包（本页）的地址")
    version = serializers.CharField(help_text="OC4IDS 版本（主.次），如 0.9")
    publishedDate = serializers.DateTimeField(help_text="包内项目最后更新时间（北京时间）")  # noqa: N815 (OC4IDS field name)
    publisher = serializers.JSONField(help_text="发布者")
    projects = serializers.ListField(child=serializers.JSONField(), help_text="OC4IDS 0.9.5 项目（见 project-schema.json）")
    x_pagination = serializers.JSONField(help_text="分页扩展：count 总数、next 下一页、previous 上一页")


class Oc4idsProjectSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="OC4IDS 项目标识：前缀 oc4ids-cnkp00- 加本系统项目ID")
    identifiers = serializers.ListField(
        child=serializers.JSONField(), help_text="项目代码（全国统一项目代码用 CN-XMDM，旧编码用 CN-KP-LEGACY）和本系统ID（CN-KP-LOCAL）"
    )
    title = serializers.CharField(help_text="项目名称")
    status = serializers.CharField(help_text="项目阶段（projectStatus 代码表）")
    x_keyProject = serializers.JSONField(help_text="本系统扩展字段：类别、级别、预警灯、责任单位、包保领导等")  # noqa: N815


class _Oc4idsBase(PageLightsMixin, ApiViewSet):
    queryset = Project.objects.none()
    output_serializer_class = Oc4idsProjectSerializer

    def selector(self, user) -> QuerySet[Project]:
        # Same visibility and lights as the project list; ordered by id for stable pages. The lights
        # of every project only when a filter asks for them, else only the page's (set after the cut).
        return package_queryset(project_list(user=user, ctx=self.light_ctx(), lights=self.needs_all_lights())).order_by("id")


@extend_schema(tags=[TAG])
class Oc4idsPackageViewSet(_Oc4idsBase):
    # The project list's filters (incl. updated_since); no ordering parameter: pages go by id.
    filterset_class = ProjectFilter
    filter_backends = [DjangoFilterBackend]

    @extend_schema(
        summary="OC4IDS 项目数据包",
        description=(
            "按开放合同基础设施数据标准（OC4IDS 0.9.5）输出项目数据包，筛选参数与项目列表相同（含 updated_since），"
            "按项目ID分页（page、page_size，每页一个数据包）。金额单位为元（CNY，由万元换算）；本系统特有字段在 x_keyProject 扩展对象中。"
        ),
        responses=Oc4idsPackageSerializer,
    )
    def list(self, request: Request) -> Response:
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        # The API's default pagination (PagePagination, page numbers): paginate_queryset has set its page.
        paginator = cast(PageNumberPagination, self.paginator)
        extra = {
            "x_pagination": {
                "count": paginator.page.paginator.count if paginator.page is not None else 0,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
            }
        }
        return Response(package_dict(page, uri=request.build_absolute_uri(), extra=extra))


@extend_schema(tags=[TAG])
class Oc4idsProjectViewSet(_Oc4idsBase):
    filter_backends: list = []
    pagination_class = None

    @extend_schema(summary="OC4IDS 单个项目", description="一个项目的 OC4IDS 0.9.5 表示；不存在或已归档返回 404。")
    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(project_dict(self.get_object()))
