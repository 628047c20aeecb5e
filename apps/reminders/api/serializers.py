from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.api.serializers import ModelSerializer
from apps.reminders.models import ChannelPreference, DeliveryStatus, Notification, ReminderDelivery


@extend_schema_field(
    {"type": "string", "enum": DeliveryStatus.values, "description": "；".join(f"{v}：{label}" for v, label in DeliveryStatus.choices)}
)
class DeliveryStatusField(serializers.ChoiceField):
    """Inline enum: "status" is already the name of several other enums in the schema."""

    def __init__(self, **kwargs):
        super().__init__(choices=DeliveryStatus.choices, **kwargs)


class ReminderDeliverySerializer(ModelSerializer):
    status = DeliveryStatusField(read_only=True, help_text="发送状态")
    rule_name = serializers.CharField(source="rule.name", read_only=True, help_text="提醒规则")
    project_name = serializers.CharField(source="project.name", default=None, read_only=True, allow_null=True, help_text="项目名称")
    user_name = serializers.CharField(source="user.username", default=None, read_only=True, allow_null=True, help_text="接收用户名")
    endpoint_name = serializers.CharField(source="endpoint.name", default=None, read_only=True, allow_null=True, help_text="Webhook名称")
    title = serializers.SerializerMethodField(help_text="事项名称（周报为领导职务）")

    class Meta:
        model = ReminderDelivery
        fields = (
            "id",
            "rule",
            "rule_name",
            "subject",
            "object_id",
            "title",
            "project",
            "project_name",
            "due_date",
            "step_key",
            "step_label",
            "occurrence",
            "fire_date",
            "recipient_key",
            "user",
            "user_name",
            "endpoint",
            "endpoint_name",
            "channel",
            "status",
            "attempts",
            "last_error",
            "enqueued_at",
            "enqueue_failed_at",
            "enqueue_error",
            "sent_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_title(self, obj: ReminderDelivery) -> str:
        return str(obj.context.get("title") or obj.context.get("leader") or "")


class NotificationSerializer(ModelSerializer):
    project_name = serializers.CharField(source="project.name", default=None, read_only=True, allow_null=True, help_text="项目名称")
    is_read = serializers.SerializerMethodField(help_text="是否已读")

    class Meta:
        model = Notification
        fields = ("id", "title", "body", "link", "project", "project_name", "created_at", "read_at", "is_read")
        read_only_fields = fields

    def get_is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationUnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="未读消息数")


class NotificationReadAllSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="本次标记为已读的消息数")


class ChannelPreferenceSerializer(ModelSerializer):
    # A user who never saved preferences gets the defaults, with no update time yet.
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="更新时间（从未修改过时为空）")

    class Meta:
        model = ChannelPreference
        fields = ("in_app", "email", "sms", "updated_at")
        read_only_fields = fields


class ChannelPreferenceWriteSerializer(serializers.Serializer):
    in_app = serializers.BooleanField(required=False, help_text="接收站内消息")
    email = serializers.BooleanField(required=False, help_text="接收电子邮件（需在个人资料中填写邮箱）")
    sms = serializers.BooleanField(required=False, help_text="接收短信（需填写手机号）")
