from rest_framework import serializers

from apps.api.serializers import ModelSerializer
from apps.progress.models import ProgressReport


class ProgressReportSerializer(ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True, help_text="项目名称")

    class Meta:
        model = ProgressReport
        fields = (
            "id",
            "project",
            "project_name",
            "year",
            "month",
            "period_completed",
            "image_progress_text",
            "image_progress_pct",
            "problems_text",
            "next_plan",
            "status",
            "return_reason",
            "return_count",
            "created_by",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "created_at",
            "updated_at",
        )


class ProgressReportCreateSerializer(ModelSerializer):
    class Meta:
        model = ProgressReport
        fields = ("project", "year", "month", "period_completed", "image_progress_text", "image_progress_pct", "problems_text", "next_plan")
        validators: list = []  # one-per-period is the service's rule, with a Chinese message


class ProgressReportUpdateSerializer(ModelSerializer):
    class Meta:
        model = ProgressReport
        fields = ("period_completed", "image_progress_text", "image_progress_pct", "problems_text", "next_plan")


class ProgressReportReturnSerializer(serializers.Serializer):
    # Blank is let through so that the service refuses it, in the same words as the page's form.
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="退回意见（必填）")
