from rest_framework import serializers

from apps.api.serializers import ModelSerializer
from apps.core.models import Light
from apps.core.uploads import ACCEPTED
from apps.problems.models import Problem, SupervisionNotice


class ProblemSerializer(ModelSerializer):
    project_name = serializers.CharField(source="project.name", default=None, read_only=True, allow_null=True, help_text="项目名称")
    responsible_dept_name = serializers.CharField(source="responsible_dept.name", read_only=True, help_text="责任单位")
    coordinating_leader_position = serializers.CharField(
        source="coordinating_leader.position", default=None, read_only=True, allow_null=True, help_text="协调领导职务"
    )
    light = serializers.ChoiceField(choices=Light.choices, read_only=True, help_text="预警灯")
    evidence_name = serializers.CharField(read_only=True, help_text="销号佐证材料的原文件名（下载时的文件名）")

    class Meta:
        model = Problem
        fields = (
            "id",
            "project",
            "project_name",
            "category",
            "description",
            "source",
            "raised_on",
            "raised_by",
            "responsible_dept",
            "responsible_dept_name",
            "responsible_person",
            "coordinating_leader",
            "coordinating_leader_position",
            "deadline",
            "status",
            "resolution",
            "resolved_at",
            "closed_at",
            "evidence",
            "evidence_name",
            "escalation_level",
            "light",
            "created_at",
            "updated_at",
        )


class ProblemWriteSerializer(ModelSerializer):
    class Meta:
        model = Problem
        fields = (
            "project",
            "category",
            "description",
            "source",
            "raised_on",
            "responsible_dept",
            "responsible_person",
            "coordinating_leader",
            "deadline",
            "status",
            "escalation_level",
        )


class ProblemResolveSerializer(serializers.Serializer):
    # Blank is let through so that the service refuses it, in the same words as the page's form.
    resolution = serializers.CharField(required=False, allow_blank=True, default="", help_text="解决情况（必填）")


class ProblemCloseSerializer(serializers.Serializer):
    evidence = serializers.FileField(
        required=False, allow_null=True, help_text=f"销号佐证材料（multipart 上传，可选）。按内容检查：{ACCEPTED}"
    )


class SupervisionNoticeSerializer(ModelSerializer):
    target_dept_name = serializers.CharField(source="target_dept.name", read_only=True, help_text="督办单位")
    file_name = serializers.CharField(read_only=True, help_text="文书附件的原文件名（下载时的文件名）")

    class Meta:
        model = SupervisionNotice
        fields = (
            "id",
            "notice_type",
            "number",
            "issued_on",
            "target_dept",
            "target_dept_name",
            "target_person",
            "projects",
            "problems",
            "content",
            "reply_deadline",
            "reply_text",
            "replied_on",
            "status",
            "file",
            "file_name",
            "created_at",
            "updated_at",
        )


class SupervisionNoticeWriteSerializer(ModelSerializer):
    class Meta:
        model = SupervisionNotice
        fields = (
            "notice_type",
            "number",
            "issued_on",
            "target_dept",
            "target_person",
            "projects",
            "problems",
            "content",
            "reply_deadline",
            "reply_text",
            "replied_on",
            "status",
        )
        extra_kwargs: dict[str, dict] = {"number": {"validators": []}}
