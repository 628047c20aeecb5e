"""Admin: the office edits rules (with their steps inline), watches deliveries and resends failures."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models

from apps.accounts.policy import require
from apps.core.admin import PolicyAdmin, PolicyTabularInline

from .models import (
    Channel,
    ChannelPreference,
    DeliveryStatus,
    Notification,
    RecipientRole,
    ReminderDelivery,
    ReminderRule,
    ReminderStep,
    SweepRun,
    WebhookEndpoint,
)
from .services import delivery_resend


class ReminderRuleForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(label="发送渠道", choices=Channel.choices, widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = ReminderRule
        fields = (
            "code",
            "name",
            "subject",
            "enabled",
            "channels",
            "working_days_only",
            "send_from",
            "send_until",
            "backlog_policy",
            "note",
        )


class ReminderStepForm(forms.ModelForm):
    recipients = forms.MultipleChoiceField(
        label="接收人（责任角色）", choices=RecipientRole.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ReminderStep
        fields = ("kind", "working_days", "repeat_every_working_days", "recipients", "issue_supervision_notice")


class ReminderStepInline(PolicyTabularInline):
    model = ReminderStep
    form = ReminderStepForm
    extra = 0
    fields = ("kind", "working_days", "repeat_every_working_days", "recipients", "issue_supervision_notice")


@admin.register(ReminderRule)
class ReminderRuleAdmin(PolicyAdmin):
    form = ReminderRuleForm
    inlines = [ReminderStepInline]
    list_display = (
        "name",
        "subject",
        "enabled",
        "working_days_only",
        "send_from",
        "send_until",
        "channel_labels",
        "backlog_policy",
        "updated_at",
    )
    list_editable = ("enabled",)
    list_filter = ("subject", "enabled")
    search_fields = ("name", "code")

    @admin.display(description="发送渠道")
    def channel_labels(self, obj: ReminderRule) -> str:
        return "、".join(Channel(c).label for c in obj.channels if c in Channel.values)


@admin.action(description="重新发送选中的失败/已取消记录", permissions=["resend"])
def resend_deliveries(modeladmin, request, queryset):
    done = 0
    for delivery in queryset.exclude(status=DeliveryStatus.SENT):
        require(request.user, "resend", delivery)
        try:
            delivery_resend(actor=request.user, delivery=delivery)
            done += 1
        except ValidationError:
            continue
    modeladmin.message_user(request, f"已重新排队 {done} 条提醒。", messages.SUCCESS)


class EnqueueFailedFilter(admin.SimpleListFilter):
    """The rows whose send task never reached the queue (Redis down): the minutely requeue retries them."""

    title = "入队"
    parameter_name = "enqueue_failed"

    def lookups(self, request, model_admin):
        return (("yes", "入队失败（等待重新入队）"), ("no", "正常"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(enqueue_failed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(enqueue_failed_at__isnull=True)
        return queryset


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(PolicyAdmin):
    list_display = (
        "created_at",
        "step_label",
        "subject",
        "project",
        "due_date",
        "recipient",
        "channel",
        "status",
        "attempts",
        "sent_at",
        "enqueue_failed_at",
    )
    list_filter = ("status", EnqueueFailedFilter, "channel", "subject", "rule")
    search_fields = ("step_label", "project__name", "user__username", "last_error", "enqueue_error")
    date_hierarchy = "fire_date"
    list_select_related = ("project", "user", "endpoint")
    actions = [resend_deliveries]
    readonly_fields = [f.name for f in ReminderDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # rows come from the sweep only

    def has_resend_permission(self, request) -> bool:
        return self.has_verb_permission(request, "resend")

    @admin.display(description="接收方")
    def recipient(self, obj: ReminderDelivery) -> str:
        return str(obj.user or obj.endpoint or obj.recipient_key)


@admin.register(Notification)
class NotificationAdmin(PolicyAdmin):
    list_display = ("created_at", "user", "title", "read_at")
    list_filter = ("read_at",)
    search_fields = ("title", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user", "delivery", "project")


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(PolicyAdmin):
    list_display = ("user", "in_app", "email", "sms", "updated_at")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(PolicyAdmin):
    list_display = ("name", "flavor", "department", "enabled", "updated_at")
    # Robot URLs are https; say so now rather than rely on Django 5's http default (changes in 6.0).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("flavor", "enabled")
    list_select_related = ("department",)


@admin.register(SweepRun)
class SweepRunAdmin(PolicyAdmin):
    list_display = ("started_at", "kind", "items", "created", "requeued", "skipped_steps", "notices", "finished_at")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in SweepRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
