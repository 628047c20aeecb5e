from rest_framework import serializers

from apps.core.due import kind_choices
from apps.core.filters import MAX_ID
from apps.core.models import Light


class OverdueItemSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=kind_choices(), help_text="事项类型：milestone 要件/节点、problem 问题、start 计划开工、report 月报未报送"
    )
    id = serializers.IntegerField(help_text="事项ID（月报未报送时为项目ID）")
    title = serializers.CharField(help_text="事项")
    project_id = serializers.IntegerField(allow_null=True, help_text="项目ID")
    project_name = serializers.CharField(allow_null=True, help_text="项目名称")
    department_id = serializers.IntegerField(allow_null=True, help_text="责任单位ID")
    department_name = serializers.CharField(allow_null=True, help_text="责任单位")
    leader_id = serializers.IntegerField(allow_null=True, help_text="包保（协调）领导ID")
    leader_position = serializers.CharField(allow_null=True, help_text="包保（协调）领导职务")
    due_date = serializers.DateField(help_text="到期日")
    days_overdue = serializers.IntegerField(min_value=0, help_text="逾期自然日数（未逾期为0）")
    working_days_overdue = serializers.IntegerField(min_value=0, help_text="逾期工作日数（未逾期为0）")
    days_left = serializers.IntegerField(min_value=0, help_text="距到期自然日数（已逾期为0）")
    working_days_left = serializers.IntegerField(min_value=0, help_text="距到期工作日数（已逾期为0）")
    light = serializers.ChoiceField(choices=Light.choices, help_text="预警灯")
    link = serializers.CharField(help_text="事项页面链接（站内相对地址）")


class OverdueQuerySerializer(serializers.Serializer):
    leader = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="包保领导ID")
    department = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="责任单位ID")
    region = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="区划ID（含下级）")
    light = serializers.ChoiceField(choices=Light.choices, required=False, help_text="预警灯")
    type = serializers.ChoiceField(choices=kind_choices(), required=False, help_text="事项类型")
