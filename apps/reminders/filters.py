import django_filters as df

from apps.core.filters import IdFilter

from .models import Channel, DeliveryStatus, Notification, ReminderDelivery, Subject


class ReminderDeliveryFilter(df.FilterSet):
    status = df.ChoiceFilter(field_name="status", choices=DeliveryStatus.choices, label="状态")
    channel = df.ChoiceFilter(field_name="channel", choices=Channel.choices, label="渠道")
    subject = df.ChoiceFilter(field_name="subject", choices=Subject.choices, label="事项类型")
    project = IdFilter(field_name="project_id", label="项目ID")
    user = IdFilter(field_name="user_id", label="接收用户ID")
    rule = IdFilter(field_name="rule_id", label="规则ID")
    fire_from = df.DateFilter(field_name="fire_date", lookup_expr="gte", label="应发日期起")
    fire_to = df.DateFilter(field_name="fire_date", lookup_expr="lte", label="应发日期止")
    enqueue_failed = df.BooleanFilter(
        field_name="enqueue_failed_at", lookup_expr="isnull", exclude=True, label="只看入队失败、等待重新入队的（true）或其余的（false）"
    )

    class Meta:
        model = ReminderDelivery
        fields: list[str] = []


class NotificationFilter(df.FilterSet):
    unread = df.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="只看未读（true）或已读（false）")
    project = IdFilter(field_name="project_id", label="项目ID")

    class Meta:
        model = Notification
        fields: list[str] = []
