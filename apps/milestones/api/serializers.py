from rest_framework import serializers

from apps.api.serializers import ModelSerializer
from apps.core.models import Light
from apps.core.uploads import ACCEPTED
from apps.milestones.models import Milestone
from apps.milestones.notions import is_done_late
from apps.milestones.services import MILESTONE_FIELDS


class MilestoneSerializer(ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True, help_text="项目名称")
    responsible_dept_name = serializers.CharField(
        source="responsible_dept.name", default=None, read_only=True, allow_null=True, help_text="责任单位"
    )
    light = serializers.ChoiceField(choices=Light.choices, read_only=True, help_text="预警灯")
    attachment_name = serializers.CharField(read_only=True, help_text="附件的原文件名（下载时的文件名）；附件地址本身是随机的")
    done_late = serializers.SerializerMethodField(help_text="逾期办结：已办结，但实际完成日期晚于计划完成日期（预警灯为绿，状态另标）")

    class Meta:
        model = Milestone
        fields = (
            "id",
            "project",
            "project_name",
            "kind",
            "seq",
            "stage",
            "name",
            "issuing_dept_name",
            "responsible_dept",
            "responsible_dept_name",
            "responsible_person",
            "planned_date",
            "after",
            "after_date",
            "after_working_days",
            "actual_date",
            "status",
            "doc_number",
            "attachment",
            "attachment_name",
            "valid_until",
            "remarks",
            "light",
            "done_late",
            "updated_at",
        )

    def get_done_late(self, obj: Milestone) -> bool:
        return is_done_late(obj)


class MilestoneWriteSerializer(ModelSerializer):
    class Meta:
        model = Milestone
        # The fields a write may set are the service's to decide.
        fields = ("project", *sorted(MILESTONE_FIELDS))


class MilestoneUpdateSerializer(MilestoneWriteSerializer):
    class Meta(MilestoneWriteSerializer.Meta):
        fields = tuple(f for f in MilestoneWriteSerializer.Meta.fields if f != "project")


class MilestoneCompleteSerializer(serializers.Serializer):
    actual_date = serializers.DateField(help_text="实际完成（取得批复）日期，不能晚于今天")
    doc_number = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="批复文号/证照编号")
    attachment = serializers.FileField(
        required=False, allow_null=True, help_text=f"批复文件扫描件（multipart 上传）。按内容检查：{ACCEPTED}"
    )
