"""factory_boy factories of the reminders app, one per model."""

import datetime as dt

import factory

from apps.reminders.models import (
    ChannelPreference,
    Notification,
    ReminderDelivery,
    ReminderRule,
    ReminderStep,
    StepKind,
    Subject,
    WebhookEndpoint,
    WebhookFlavor,
)
from tests.factories import UserFactory


class ReminderRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderRule
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"rule-{n}")
    name = factory.Sequence(lambda n: f"提醒规则{n}")
    subject = Subject.MILESTONE
    channels = factory.LazyFunction(lambda: ["in_app"])


class ReminderStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderStep

    rule = factory.SubFactory(ReminderRuleFactory)
    kind = StepKind.BEFORE
    working_days = 0
    recipients = factory.LazyFunction(lambda: ["responsible_dept"])


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    name = factory.Sequence(lambda n: f"群机器人{n}")
    flavor = WebhookFlavor.GENERIC
    url = "http://127.0.0.1:9/hook"
    secret = "s3cret"


class ReminderDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderDelivery

    rule = factory.SubFactory(ReminderRuleFactory)
    subject = Subject.MILESTONE
    object_id = factory.Sequence(lambda n: n + 1)
    due_date = dt.date(2025, 10, 13)
    step_key = "before:0"
    step_label = "到期当日提醒"
    fire_date = dt.date(2025, 10, 13)
    user = factory.SubFactory(UserFactory)
    recipient_key = factory.LazyAttribute(lambda o: f"user:{o.user.pk}")
    channel = "in_app"
    context = factory.LazyFunction(
        lambda: {
            "subject": "milestone",
            "subject_label": "要件/节点",
            "kind": "before",
            "title": "施工许可",
            "project": "古罗大道",
            "due_date": "2025-10-13",
            "remaining_days": 0,
            "overdue_days": 0,
            "dept": "住建局",
            "step_label": "到期当日提醒",
            "link": "/projects/1/#milestone-1",
        }
    )


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"消息{n}")
    body = "内容"


class ChannelPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelPreference
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
