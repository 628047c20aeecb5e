from rest_framework import serializers

from apps.api.serializers import ModelSerializer
from apps.workcalendar.models import CalendarDay


class CalendarDaySerializer(ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ("id", "date", "kind", "name", "source", "note")
        read_only_fields = ("source",)


class WorkingDayQuerySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="日期，如 2025-10-11")


class WorkingDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="日期")
    is_working_day = serializers.BooleanField(help_text="是否工作日（含调休上班日）")
    year_known = serializers.BooleanField(
        help_text="该年节假日和调休是否已完整录入（包内置或项目办确认）；否则未录入的日期按周一至周五计算"
    )
    warning = serializers.CharField(help_text="该年未完整录入时的提示；已完整时为空", allow_blank=True)


class AddWorkingDaysQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text="起算日期")
    days = serializers.IntegerField(min_value=-2500, max_value=2500, help_text="工作日数（负数向前推）")


class AddWorkingDaysSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="起算日期")
    days = serializers.IntegerField(help_text="工作日数")
    result = serializers.DateField(help_text="起算日期之后第N个工作日")
