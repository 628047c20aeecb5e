"""Serializers of the month close and the corrections (月度关账、更正记录)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.api.serializers import DecimalDigits
from apps.core.filters import MAX_ID
from apps.core.models import Light
from apps.stats.closing import FIGURE_FIELDS, stats_gap_light
from apps.stats.models import CorrectionKind, FigureCorrection, PeriodFigure

MONEY: DecimalDigits = {"max_digits": 16, "decimal_places": 2}
PERIOD_PATTERN = r"^\d{4}-\d{2}$"
PERIOD_FIELD = serializers.RegexField(PERIOD_PATTERN, help_text="报告期，如 2026-11")
GAP_LIGHT_FIELD = serializers.ChoiceField(choices=[(Light.GREEN.value, "绿灯"), (Light.YELLOW.value, "黄灯")], allow_null=True)
STATUS_CHOICES = [("open", "未关账"), ("closed", "已关账"), ("reopened", "已重新打开")]


class PeriodEventSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("close", "关账"), ("reopen", "重新打开")], help_text="操作")
    actor = serializers.CharField(allow_null=True, help_text="操作人（为空表示系统自动关账）")
    at = serializers.DateTimeField(help_text="时间")
    reason = serializers.CharField(allow_blank=True, help_text="原因")


class PeriodSerializer(serializers.Serializer):
    period = serializers.RegexField(PERIOD_PATTERN, help_text="报告期，如 2026-11")
    year = serializers.IntegerField(help_text="年度")
    month = serializers.IntegerField(min_value=1, max_value=12, help_text="月份")
    label = serializers.CharField(help_text="报告期名称")  # type: ignore[assignment]  # a field named "label" (the API's key) shadows Field.label in the stubs
    status = serializers.ChoiceField(
        choices=STATUS_CHOICES, help_text="状态：open 未关账、closed 已关账、reopened 已重新打开（按实时数字）"
    )
    status_label = serializers.CharField(help_text="状态名称")
    closed_at = serializers.DateTimeField(allow_null=True, help_text="最近一次关账时间")
    closed_by = serializers.CharField(allow_null=True, help_text="最近一次关账人（“系统”为自动关账）")
    project_count = serializers.IntegerField(allow_null=True, help_text="冻结的在库项目数")
    item_count = serializers.IntegerField(allow_null=True, help_text="冻结的逾期与临期事项数")
    events = PeriodEventSerializer(many=True, help_text="关账与重新打开的记录（先后顺序）")


class PeriodCloseRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500, help_text="说明（可不填）")


class PeriodReopenRequestSerializer(serializers.Serializer):
    # Blank is let through so that the service refuses it in the same words as the page's form.
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500, help_text="重新打开的原因（必填）")


class PeriodFigureSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", help_text="项目ID")
    period = serializers.SerializerMethodField(help_text="报告期，如 2026-11")
    lead_department = serializers.IntegerField(source="lead_department_id", allow_null=True, help_text="关账时的牵头单位ID")
    lead_leader = serializers.IntegerField(source="lead_leader_id", allow_null=True, help_text="关账时的包保领导ID")
    light = serializers.ChoiceField(choices=Light.choices, help_text="报告期末的预警灯")
    light_parts = serializers.DictField(child=serializers.IntegerField(), help_text="预警灯的各分项（2红、1黄），即红黄灯原因")
    time_progress = serializers.DecimalField(max_digits=14, decimal_places=12, help_text="项目序时进度（比例，0—1）")
    stats_gap = serializers.DecimalField(**MONEY, allow_null=True, read_only=True, help_text="单位填报年初至今完成 − 统计局纳统数（万元）")
    stats_gap_light = serializers.SerializerMethodField(
        help_text="纳统差异灯：单位数与统计局数相差超过设定比例（STATS_BUREAU_GAP_YELLOW_PCT，默认10%）为黄灯；未录入统计局数字时为空"
    )

    class Meta:
        model = PeriodFigure
        fields = (
            "id",
            "period",
            "year",
            "month",
            "project",
            "project_name",
            "lead_department",
            "lead_leader",
            "total_investment",
            "carry_over",
            "build_status",
            "actual_start",
            "actual_finish",
            "has_plan",
            "annual_plan",
            "annual_role",
            "started",
            "resumed",
            "in_construction",
            "month_completed",
            "ytd",
            "prior_ytd",
            "until_period",
            "time_progress",
            "time_progress_rule",
            "light",
            "light_parts",
            "milestones_due",
            "milestones_on_time",
            "stats_ytd_completed",
            "in_stats_db",
            "stats_gap",
            "stats_gap_light",
        )
        read_only_fields = fields

    @extend_schema_field(PERIOD_FIELD)
    def get_period(self, obj: PeriodFigure) -> str:
        return f"{obj.year}-{obj.month:02d}"

    @extend_schema_field(GAP_LIGHT_FIELD)
    def get_stats_gap_light(self, obj: PeriodFigure) -> str | None:
        return stats_gap_light(obj)


class PeriodFigureQuerySerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="项目ID")


class PeriodFigureCorrectSerializer(serializers.Serializer):
    project = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="项目ID")
    field = serializers.ChoiceField(
        choices=list(FIGURE_FIELDS.items()), help_text="更正的数字：stats_ytd_completed 纳统年初至今完成（统计局）、in_stats_db 入库纳统"
    )
    stats_ytd_completed = serializers.DecimalField(
        **MONEY, min_value=0, required=False, allow_null=True, help_text="field 为 stats_ytd_completed 时的新值（万元；null 为清除）"
    )
    in_stats_db = serializers.BooleanField(required=False, allow_null=True, help_text="field 为 in_stats_db 时的新值")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500, help_text="更正原因（必填）")

    def validate(self, attrs: dict) -> dict:
        if attrs["field"] not in attrs:
            raise serializers.ValidationError({attrs["field"]: [f"请填写{FIGURE_FIELDS[attrs['field']]}的新值（可为 null）。"]})
        return attrs


class CorrectionSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True, help_text="项目名称")
    period = serializers.SerializerMethodField(help_text="被更正的报告期，如 2026-11")
    kind = serializers.ChoiceField(
        choices=CorrectionKind.choices, help_text="report 月报更正、frozen 冻结数字随月报更正、figure 冻结数字更正"
    )
    corrected_by_name = serializers.SerializerMethodField(help_text="更正人")

    class Meta:
        model = FigureCorrection
        fields = (
            "id",
            "kind",
            "project",
            "project_name",
            "period",
            "year",
            "month",
            "report",
            "field",
            "field_label",
            "old_value",
            "new_value",
            "reason",
            "corrected_by",
            "corrected_by_name",
            "corrected_at",
        )
        read_only_fields = fields

    @extend_schema_field(PERIOD_FIELD)
    def get_period(self, obj: FigureCorrection) -> str:
        return f"{obj.year}-{obj.month:02d}"

    def get_corrected_by_name(self, obj: FigureCorrection) -> str:
        return str(obj.corrected_by) if obj.corrected_by else "系统"


class CorrectionQuerySerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="项目ID")
    period = serializers.RegexField(PERIOD_PATTERN, required=False, help_text="被更正的报告期，如 2026-11")


class ReportCorrectSerializer(serializers.Serializer):
    """The fields of an approved report the office may correct, and the reason (required)."""

    period_completed = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, help_text="本月完成投资（万元）"
    )
    image_progress_text = serializers.CharField(required=False, allow_blank=True, help_text="形象进度")
    image_progress_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True, help_text="形象进度完成百分比"
    )
    problems_text = serializers.CharField(required=False, allow_blank=True, help_text="存在问题")
    next_plan = serializers.CharField(required=False, allow_blank=True, help_text="下步工作安排/需协调事项")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500, help_text="更正原因（必填）")
