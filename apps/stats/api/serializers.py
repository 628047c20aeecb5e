import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rest_framework import serializers
from rest_framework.settings import api_settings

from apps.api.serializers import DecimalDigits, DecimalOptions
from apps.projects.filters import LEVELS
from apps.projects.models import BuildStatus

MONEY: DecimalDigits = {"max_digits": 16, "decimal_places": 2}
# A rate or a gap in points has no natural bound: a plan of 0.01 万元 against a completion of 10¹⁴ 万元
# (both allowed by the money fields) is 10¹⁸ %, so the printed figure needs 20 integer digits.
RATE: DecimalOptions = {"max_digits": 24, "decimal_places": 4, "allow_null": True}
YI: DecimalDigits = {"max_digits": 16, "decimal_places": 4}


class PrintedDecimalField(serializers.DecimalField):
    """A figure printed as the summary's rounding left it ("71.2", not DRF's "71.2000")."""

    def to_representation(self, value):
        return str(value)


class FiguresSerializer(serializers.Serializer):
    project_count = serializers.IntegerField(help_text="项目数")
    annual_plan = serializers.DecimalField(**MONEY, help_text="年度计划投资（万元）")
    ytd_completed = serializers.DecimalField(**MONEY, help_text="年初至报告期完成投资（万元，仅已审核月报）")
    prior_ytd_completed = serializers.DecimalField(
        **MONEY, help_text="上年同期完成投资（万元：上年1月至报告期月份，已审核月报，无月报的月份取往年完成投资）"
    )
    yoy_growth = PrintedDecimalField(**RATE, help_text="完成投资同比增长（%，负数为下降；上年同期为0时为空）")
    cumulative_completed = serializers.DecimalField(**MONEY, help_text="累计完成投资（万元）")
    completion_rate = PrintedDecimalField(**RATE, help_text="年度完成率（%）")
    time_progress = PrintedDecimalField(**RATE, help_text="序时进度（%）")
    gap_points = PrintedDecimalField(**RATE, help_text="超（欠）序时进度（百分点，负数为落后）")
    new_start_planned = serializers.IntegerField(help_text="计划新开工项目数")
    new_start_started = serializers.IntegerField(help_text="已开工的计划新开工项目数")
    continuing = serializers.IntegerField(help_text="续建（含当年竣工）项目数")
    continuing_resumed = serializers.IntegerField(help_text="已复工的续建项目数")
    start_rate = PrintedDecimalField(**RATE, help_text="开工率（%）")
    start_resume_rate = PrintedDecimalField(**RATE, help_text="开复工率（%）")
    over_5m_count = serializers.IntegerField(help_text="已开（复）工的500万元以上项目数")
    over_5m_investment = serializers.DecimalField(**MONEY, help_text="其计划总投资（万元）")
    over_100m_count = serializers.IntegerField(help_text="已开（复）工的亿元以上项目数")
    over_100m_investment = serializers.DecimalField(**MONEY, help_text="其计划总投资（万元）")
    under_construction = serializers.IntegerField(help_text="在建项目数：在库（未归档、未退库）、有本年度计划、报告期末前已开工且未竣工")
    under_construction_plan = serializers.DecimalField(**MONEY, help_text="在建项目的年度计划投资（万元）")
    milestones_due = serializers.IntegerField(help_text="本年至报告期末（不超过昨天）到期的要件/节点数（不含不涉及）")
    milestones_on_time = serializers.IntegerField(help_text="其中按期办结数")
    milestones_done_late = serializers.IntegerField(help_text="其中逾期办结数（已办结，但晚于计划完成日期）")
    milestone_on_time_rate = PrintedDecimalField(**RATE, help_text="要件按期办结率（%）")
    lights = serializers.DictField(child=serializers.IntegerField(), help_text="各预警灯项目数：green/yellow/red")
    annual_plan_yi = PrintedDecimalField(**YI, help_text="年度计划投资（亿元，按 rounding 取舍）")
    ytd_completed_yi = PrintedDecimalField(**YI, help_text="年初至报告期完成投资（亿元）")
    prior_ytd_completed_yi = PrintedDecimalField(**YI, help_text="上年同期完成投资（亿元）")
    cumulative_completed_yi = PrintedDecimalField(**YI, help_text="累计完成投资（亿元）")
    over_5m_investment_yi = PrintedDecimalField(**YI, help_text="已开（复）工的500万元以上项目计划总投资（亿元）")
    over_100m_investment_yi = PrintedDecimalField(**YI, help_text="已开（复）工的亿元以上项目计划总投资（亿元）")
    under_construction_plan_yi = PrintedDecimalField(**YI, help_text="在建项目的年度计划投资（亿元）")


class GroupFiguresSerializer(FiguresSerializer):
    key = serializers.CharField(help_text="分组键（类别编码或ID）")
    label = serializers.CharField(help_text="分组名称")  # type: ignore[assignment]  # a field named "label" (the API's key) shadows Field.label in the stubs


class RoundingSerializer(serializers.Serializer):
    mode = serializers.CharField(help_text="取舍方式：half_up（四舍五入）或 truncate（截尾）")
    decimals = serializers.IntegerField(help_text="保留小数位数")
    label = serializers.CharField(help_text="取舍方式的中文说明")  # type: ignore[assignment]  # a field named "label" (the API's key) shadows Field.label in the stubs


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="年度")
    month = serializers.IntegerField(help_text="报告期月份")
    rounding = RoundingSerializer(help_text="百分比、百分点和亿元的取舍方式")
    total = FiguresSerializer(help_text="全部项目")
    speech = serializers.ListField(child=serializers.CharField(), help_text="按讲话、通报的口径写成的句子（数字与 total 相同）")
    group_by = serializers.CharField(allow_null=True, help_text="分组方式")
    groups = GroupFiguresSerializer(many=True, help_text="分组统计（未分组时为空）")


class SummaryQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, help_text="年度，默认为最近报告期所在年度")
    month = serializers.IntegerField(min_value=1, max_value=12, required=False, help_text="报告期月份，默认为上月")
    group_by = serializers.ChoiceField(
        choices=("category", "department", "region", "leader"), required=False, help_text="按类别、牵头单位、区划或包保领导分组"
    )
    # The project list's filters that make sense for a period (apps/projects/filters.py).
    category = serializers.CharField(required=False, help_text="项目类别编码（如 infra）")
    level = serializers.ChoiceField(choices=LEVELS, required=False, help_text="项目级别")
    build_status = serializers.ChoiceField(choices=BuildStatus.choices, required=False, help_text="建设状态")
    department = serializers.IntegerField(
        min_value=1, required=False, help_text="单位ID：默认只统计该单位牵头的项目（与分组、考核、通报同一口径）"
    )
    department_role = serializers.ChoiceField(
        choices=(("lead", "只计牵头"), ("all", "牵头、配合和属地")),
        required=False,
        help_text="department 的口径：lead 只计牵头项目（默认）；all 含配合、属地项目（汇总中注明）",
    )
    leader = serializers.IntegerField(min_value=1, required=False, help_text="包保领导ID")
    region = serializers.IntegerField(min_value=1, required=False, help_text="区划ID（含下级）")
    rounding = serializers.ChoiceField(
        choices=("half_up", "truncate"), required=False, help_text="取舍方式：half_up 四舍五入（默认见设置 STATS_ROUNDING）或 truncate 截尾"
    )
    decimals = serializers.IntegerField(
        min_value=0, max_value=4, required=False, help_text="保留小数位数（0–4，默认见设置 STATS_DECIMALS）"
    )


def _money(field: serializers.DecimalField) -> Callable[[Decimal], str]:
    """DecimalField.to_representation (coerce_to_string, not localized) with its quantize's exponent
    and context built once, not once per value."""
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    exponent = Decimal(".1") ** (field.decimal_places or 0)
    rounding = field.rounding

    def show(value: Decimal) -> str:
        value = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        return f"{value.quantize(exponent, rounding=rounding, context=context):f}"

    return show


def _formatter(field: serializers.Field) -> Callable[[Any], Any]:
    """The field's to_representation, the same value for the same input (tests/stats/api), without
    DRF's per-call set-up where it has one."""
    kind = type(field)  # exact types: a subclass may represent otherwise (BigIntegerField)
    if kind in (PrintedDecimalField, serializers.CharField):
        return str
    if kind is serializers.IntegerField:
        return int
    if isinstance(field, serializers.DecimalField) and kind is serializers.DecimalField:
        plain = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING) and not field.localize
        if plain and not field.normalize_output and field.decimal_places is not None:
            return _money(field)
    return field.to_representation


def represent_groups(groups: list[dict]) -> list[dict]:
    """`GroupFiguresSerializer(groups, many=True).data`, field by field with the same fields'
    representation, without the serializer's per-row machinery: a summary grouped by 牵头单位 is
    thousands of groups (a third of its time went there)."""
    formatters = [(name, _formatter(field)) for name, field in GroupFiguresSerializer().fields.items()]
    return [{name: None if (value := group[name]) is None else show(value) for name, show in formatters} for group in groups]
