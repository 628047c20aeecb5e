from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.viewsets import ApiViewSet, CreateMixin, ReadMixin, SyncMixin, UpdateMixin, crud_docs
from apps.progress.filters import ProgressReportFilter
from apps.progress.models import ProgressReport
from apps.progress.selectors import progress_report_list
from apps.progress.services import (
    progress_report_approve,
    progress_report_correct,
    progress_report_create,
    progress_report_return,
    progress_report_submit,
    progress_report_update,
)
from apps.stats.api.closing_serializers import ReportCorrectSerializer

from .serializers import (
    ProgressReportCreateSerializer,
    ProgressReportReturnSerializer,
    ProgressReportSerializer,
    ProgressReportUpdateSerializer,
)


@crud_docs(
    list_="月度进度报告列表",
    retrieve="月报详情",
    create="新建月报（草稿）",
    update="修改月报（仅草稿或退回状态）",
    output=ProgressReportSerializer,
    sync="ProgressReportSyncPage",
)
class ProgressReportViewSet(ReadMixin, CreateMixin, UpdateMixin, SyncMixin, ApiViewSet):
    queryset = ProgressReport.objects.none()
    output_serializer_class = ProgressReportSerializer
    input_serializer_class = ProgressReportCreateSerializer
    update_serializer_class = ProgressReportUpdateSerializer
    filterset_class = ProgressReportFilter
    ordering_fields = ("year", "month", "updated_at", "period_completed", "id")
    ordering = ("-year", "-month", "id")

    def selector(self, user) -> QuerySet[ProgressReport]:
        return progress_report_list(user=user)

    def create_object(self, data: dict) -> ProgressReport:
        project = data.pop("project")
        return progress_report_create(actor=self.request.user, project=project, year=data.pop("year"), month=data.pop("month"), data=data)

    def update_object(self, instance: ProgressReport, data: dict) -> ProgressReport:
        return progress_report_update(actor=self.request.user, report=instance, data=data, seen=self.seen_version)

    @extend_schema(summary="提交月报（草稿或退回 → 已提交）", request=None, responses=ProgressReportSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk=None) -> Response:
        return self.respond(progress_report_submit(actor=request.user, report=self.write_object()))

    @extend_schema(summary="审核通过（已提交 → 审核通过，之后只读）", request=None, responses=ProgressReportSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk=None) -> Response:
        return self.respond(progress_report_approve(actor=request.user, report=self.write_object()))

    @extend_schema(
        summary="退回修改（已提交 → 退回，须填写意见）", request=ProgressReportReturnSerializer, responses=ProgressReportSerializer
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_report(self, request: Request, pk=None) -> Response:
        report = self.write_object()
        data = self.validated(ProgressReportReturnSerializer)
        return self.respond(progress_report_return(actor=request.user, report=report, reason=data["reason"]))

    @extend_schema(
        summary="更正审核通过的月报（仅项目办，须填写原因；留更正记录，已关账月份的冻结数字随之更正）",
        request=ReportCorrectSerializer,
        responses=ProgressReportSerializer,
    )
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk=None) -> Response:
        report = self.write_object()
        data = dict(self.validated(ReportCorrectSerializer))
        reason = data.pop("reason")
        return self.respond(progress_report_correct(actor=request.user, report=report, data=data, reason=reason))
