from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.projects import notions
from apps.projects.filters import ProjectFilter
from apps.projects.models import Project
from apps.stats.formulas import Rounding
from apps.stats.printing import printed_figures
from apps.stats.selectors import active_projects, portfolio_figures, portfolio_groups, stored_rows_ready
from apps.stats.speech import speech_lines
from apps.workcalendar.periods import latest_report_period

from .serializers import SummaryQuerySerializer, SummarySerializer, represent_groups

FILTERS = ("category", "level", "build_status", "leader", "region")


def _filtered_projects(params: dict) -> QuerySet[Project]:
    """The live portfolio narrowed by the project list's own filters, and by a department in the
    figures' meaning (its lead projects; with department_role=all, also 配合/属地)."""
    data = {name: params[name] for name in FILTERS if name in params}
    filterset = ProjectFilter(data=data, queryset=active_projects())
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    qs = filterset.qs
    if "department" in params:
        partners = params.get("department_role") == "all"
        qs = qs.filter(notions.department_projects_q(params["department"], include_partners=partners))
    return qs


class SummaryView(generics.GenericAPIView):
    """讲话口径的统计指标：开（复）工项目数与总投资、年度计划与完成、完成率、序时进度、开工率、开复工率、预警灯数。"""

    serializer_class = SummarySerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(summary="统计汇总", parameters=[SummaryQuerySerializer])
    def get(self, request: Request) -> Response:
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        latest = latest_report_period(today)
        default_year, default_month = latest.year, latest.month
        year = query.validated_data.get("year", default_year)
        month = query.validated_data.get("month", default_month if year == default_year else 12)
        group_by = query.validated_data.get("group_by")
        rounding = Rounding(
            query.validated_data.get("rounding", settings.STATS_ROUNDING), query.validated_data.get("decimals", settings.STATS_DECIMALS)
        )
        projects = _filtered_projects(query.validated_data)
        fresh = stored_rows_ready(year=year, month=month, today=today, projects=projects)  # once for the total and the groups
        total = portfolio_figures(year=year, month=month, today=today, projects=projects, fresh=fresh)
        groups = []
        if group_by:
            for key, label, figures in portfolio_groups(
                group_by=group_by, year=year, month=month, today=today, projects=projects, fresh=fresh
            ):
                groups.append({"key": str(key), "label": label, **printed_figures(figures, rounding)})
        data = {
            "year": year,
            "month": month,
            "rounding": {"mode": rounding.mode, "decimals": rounding.decimals, "label": rounding.label},
            "total": printed_figures(total, rounding),
            "speech": speech_lines(total, rounding),
            "group_by": group_by,
            "groups": [],
        }
        body = SummarySerializer(data).data
        body["groups"] = represent_groups(groups)
        return Response(body)
