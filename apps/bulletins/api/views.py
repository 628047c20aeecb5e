from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view

from apps.api.viewsets import ApiViewSet, ReadMixin

from ..filters import BulletinFilter
from ..models import Bulletin
from ..selectors import bulletin_list
from .serializers import BulletinListSerializer

TAG = "月度通报"


@extend_schema_view(
    list=extend_schema(summary="月度通报列表（各期各版次，最新在前）", tags=[TAG]),
    retrieve=extend_schema(summary="月度通报详情", tags=[TAG]),
)
class BulletinViewSet(ReadMixin, ApiViewSet):
    """已发布的月度通报（只读）：由项目办在“月度通报”页面生成，或每月定时生成；打印页和 Excel 见 page_url、xlsx_url。"""

    queryset = Bulletin.objects.none()
    output_serializer_class = BulletinListSerializer
    filterset_class = BulletinFilter
    ordering_fields = ("year", "month", "version", "generated_at", "id")
    ordering = ("-year", "-month", "-version")

    def selector(self, user) -> QuerySet[Bulletin]:
        return bulletin_list()
