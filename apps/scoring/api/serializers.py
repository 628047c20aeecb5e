from rest_framework import serializers

from apps.api.serializers import ModelSerializer
from apps.scoring.models import AssessmentItem, AssessmentScheme, TargetKind
from apps.scoring.selectors import PERIOD_KINDS


class AssessmentItemSerializer(ModelSerializer):
    class Meta:
        model = AssessmentItem
        fields = ("id", "order", "name", "method", "params", "base_score", "cap_plus", "cap_minus")


class AssessmentSchemeSerializer(ModelSerializer):
    items = AssessmentItemSerializer(many=True, read_only=True, help_text="考核项目（按序号）")

    class Meta:
        model = AssessmentScheme
        fields = ("id", "year", "target_kind", "name", "note", "updated_at", "items")
        read_only_fields = ("updated_at",)


class AssessmentSchemeWriteSerializer(ModelSerializer):
    class Meta:
        model = AssessmentScheme
        fields = ("year", "target_kind", "name", "note")
        validators: list = []  # the unique (year, target_kind) is the model's, checked by the service in Chinese


class SchemeCopySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="复制到的年度")
    name = serializers.CharField(max_length=100, required=False, help_text="新方案名称，默认沿用原名称（年份替换为新年度）")


class BoardQuerySerializer(serializers.Serializer):
    scheme = serializers.IntegerField(min_value=1, help_text="考核方案ID")
    period = serializers.ChoiceField(
        choices=tuple(PERIOD_KINDS), default="month", help_text="考核周期：month（月度）、quarter（季度）、year（年度）"
    )
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, help_text="年度，默认为方案年度")
    number = serializers.IntegerField(min_value=1, max_value=12, required=False, help_text="月份（1–12）或季度（1–4）；年度考核不用")


class ItemScoreSerializer(serializers.Serializer):
    item_id = serializers.IntegerField(help_text="考核项目ID")
    name = serializers.CharField(help_text="考核项目")
    method = serializers.CharField(help_text="计分方法")
    raw_value = serializers.DecimalField(
        max_digits=16, decimal_places=4, allow_null=True, help_text="原始值：指标值（比率为%）、计入项目数或扣分事项数"
    )
    score = serializers.DecimalField(max_digits=9, decimal_places=2, help_text="得分")
    evidence = serializers.JSONField(help_text="计分依据：完成额、计划额、比率、计入项目（名称与ID）、扣分事由等")


class ScoreRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="名次（并列同名次，下一名次顺延）")
    target_kind = serializers.ChoiceField(choices=TargetKind.choices, help_text="考核对象类型")
    target_id = serializers.IntegerField(help_text="责任单位或乡镇街道ID")
    target_name = serializers.CharField(help_text="考核对象名称")
    project_count = serializers.IntegerField(help_text="项目数")
    total = serializers.DecimalField(max_digits=9, decimal_places=2, help_text="总分")
    items = ItemScoreSerializer(many=True, help_text="各考核项目得分")


class ScoreBoardSerializer(serializers.Serializer):
    scheme = AssessmentSchemeSerializer(help_text="考核方案")
    period = serializers.CharField(help_text="考核周期")
    year = serializers.IntegerField(help_text="年度")
    number = serializers.IntegerField(help_text="月份或季度（年度考核为12）")
    month = serializers.IntegerField(help_text="计分所用的年初至今数据截至月份")
    label = serializers.CharField(help_text="考核期，如“2026年第3季度”")  # type: ignore[assignment]  # a field named "label" (the API's key) shadows Field.label in the stubs
    rows = ScoreRowSerializer(many=True, help_text="排名（名次从高到低）")
