"""Reminder rules (edited by the portfolio office), the delivery ledger, in-app notifications,
channel preferences and webhook endpoints (DESIGN.md §5).

Exactly-once lives here: one ReminderDelivery row per (rule, item, due date, step, occurrence,
recipient, channel), guarded by a UNIQUE constraint; the send task flips its status under a row lock.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from apps.core.constraints import CheckConstraint
from apps.core.versioning import Versioned


class Subject(models.TextChoices):
    MILESTONE = "milestone", "要件/节点"
    PROBLEM = "problem", "问题清单"
    REPORT = "report", "月报填报"
    START = "start", "计划开工"
    DIGEST = "digest", "包保领导周报"
    BULLETIN = "bulletin", "月度通报"
    BACKLOG = "backlog", "上线积压汇总"
    HANDOFF = "handoff", "工作交接通知"


class HandoffKind(models.TextChoices):
    """The hand-offs that tell the next person (one delivery per event, recipient and channel)."""

    REPORT_RETURNED = "report_returned", "月报被退回"
    REPORT_APPROVED = "report_approved", "月报审核通过"
    INSTRUCTION = "instruction", "领导批示"
    PROBLEM_ASSIGNED = "problem_assigned", "问题交办"
    NOTICE_ISSUED = "notice_issued", "督办函"


class Channel(models.TextChoices):
    IN_APP = "in_app", "站内消息"
    EMAIL = "email", "电子邮件"
    WEBHOOK = "webhook", "群机器人/Webhook"
    SMS = "sms", "短信"


class RecipientRole(models.TextChoices):
    RESPONSIBLE_DEPT = "responsible_dept", "事项责任单位"
    LEAD_DEPT = "lead_dept", "牵头（责任）单位"
    COOP_DEPT = "coop_dept", "配合单位"
    TOWNSHIP = "township", "属地乡镇（街道）/园区"
    LIAISON = "liaison", "联络员（所在单位）"
    LEADER = "leader", "包保领导"
    OFFICE = "office", "项目办（发改局）"


class StepKind(models.TextChoices):
    BEFORE = "before", "到期前提醒"
    OVERDUE = "overdue", "逾期重复提醒"
    ESCALATE = "escalate", "逾期升级"


class BacklogPolicy(models.TextChoices):
    """What the sweep does with an item it meets for the first time already past steps it never
    sent (thousands of them on go-live day): DESIGN.md §5 catch-up, chosen by the office."""

    CURRENT = "current", "每个事项只发一条当前提醒"
    SUMMARY = "summary", "按责任单位和包保领导各发一条汇总"
    FULL = "full", "完整补发（含逾期升级和督办函）"


def _validate_choices(values, choices, label: str) -> None:
    if not isinstance(values, list) or any(v not in choices.values for v in values):
        raise ValidationError(f"{label}只能从以下选项中选择：{'、'.join(choices.labels)}。")


class ReminderRule(Versioned):
    """一类事项的提醒规则：提醒哪些事项、何时、发给谁、用什么渠道；项目办在后台修改，下一轮扫描即生效."""

    code = models.SlugField("规则编码", max_length=40, unique=True)
    name = models.CharField("规则名称", max_length=60)
    subject = models.CharField("提醒事项", max_length=12, choices=Subject.choices)
    enabled = models.BooleanField("启用", default=True)
    channels = models.JSONField("发送渠道", default=list, help_text="站内消息、电子邮件、群机器人/Webhook、短信中的一项或多项。")
    working_days_only = models.BooleanField("仅工作日发送", default=True, help_text="按工作日历（含调休上班日），法定节假日和周末不发送。")
    send_from = models.TimeField("每日发送开始时间", default=dt.time(9, 0), help_text="北京时间。")
    send_until = models.TimeField("每日发送结束时间", default=dt.time(17, 30), help_text="北京时间。")
    backlog_policy = models.CharField(
        "积压事项（上线时已逾期）",
        max_length=10,
        choices=BacklogPolicy.choices,
        default=BacklogPolicy.CURRENT,
        help_text="扫描第一次遇到、且已错过先前提醒步骤的事项（如系统上线时已逾期的大量事项）如何处理："
        "只发一条当前提醒、汇总后按单位和领导各发一条，或完整补发全部升级并生成督办函。此后的提醒按规则正常进行。",
    )
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "提醒规则"
        verbose_name_plural = "提醒规则"
        ordering = ("subject", "code")
        constraints = [
            CheckConstraint(
                name="reminder_rule_window_order",
                condition=Q(send_until__gt=F("send_from")),
                violation_error_message="每日发送结束时间必须晚于开始时间。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _validate_choices(self.channels, Channel, "发送渠道")
        if self.subject == Subject.BACKLOG:
            raise ValidationError({"subject": "“上线积压汇总”由扫描按规则自动生成，不能作为规则的提醒事项。"})


class ReminderStep(models.Model):
    """规则的一步：到期前N个工作日、逾期每N个工作日重复、逾期满N个工作日升级；各步有自己的接收人."""

    rule = models.ForeignKey(ReminderRule, verbose_name="规则", on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField("类型", max_length=10, choices=StepKind.choices)
    working_days = models.PositiveSmallIntegerField(
        "工作日数", help_text="到期前提醒：到期前第N个工作日（0为到期当日）；逾期提醒和升级：逾期满N个工作日。"
    )
    repeat_every_working_days = models.PositiveSmallIntegerField(
        "重复间隔（工作日）", default=0, help_text="仅用于逾期重复提醒：此后每N个工作日再提醒一次；0表示不重复。"
    )
    recipients = models.JSONField("接收人（责任角色）", default=list)
    issue_supervision_notice = models.BooleanField("自动生成督办函", default=False)

    class Meta:
        verbose_name = "提醒步骤"
        verbose_name_plural = "提醒步骤"
        ordering = ("rule", "kind", "working_days")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "kind", "working_days"],
                name="reminder_step_unique",
                violation_error_message="同一规则中同类型、同工作日数的步骤只能有一个。",
            ),
            CheckConstraint(
                name="reminder_step_overdue_from_day_1",
                condition=Q(kind="before") | Q(working_days__gte=1),
                violation_error_message="逾期提醒和升级的工作日数至少为1。",
            ),
            CheckConstraint(
                name="reminder_step_repeat_only_overdue",
                condition=Q(kind="overdue") | Q(repeat_every_working_days=0),
                violation_error_message="只有逾期重复提醒可以设置重复间隔。",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        _validate_choices(self.recipients, RecipientRole, "接收人")
        if not self.recipients and not self.issue_supervision_notice:
            raise ValidationError({"recipients": "请至少选择一类接收人。"})

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.working_days}"

    @property
    def label(self) -> str:
        if self.kind == StepKind.BEFORE:
            return "到期当日提醒" if self.working_days == 0 else f"到期前{self.working_days}个工作日提醒"
        if self.kind == StepKind.OVERDUE:
            again = f"，每{self.repeat_every_working_days}个工作日重复" if self.repeat_every_working_days else ""
            return f"逾期{self.working_days}个工作日提醒{again}"
        return f"逾期满{self.working_days}个工作日升级"


class ReminderCursor(models.Model):
    """How far the sweep got for one item and due date: lets each sweep skip what it already wrote
    without reading the delivery ledger (the ledger's UNIQUE constraint stays the real guard)."""

    rule = models.ForeignKey(ReminderRule, verbose_name="规则", on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField("事项ID")
    due_date = models.DateField("到期日")
    reminder_fire_date = models.DateField("最近一次提醒的应发日期", null=True, blank=True)
    escalated_days = models.PositiveSmallIntegerField("已升级到（逾期工作日）", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "提醒进度"
        verbose_name_plural = "提醒进度"
        constraints = [models.UniqueConstraint(fields=["rule", "object_id", "due_date"], name="reminder_cursor_unique")]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.object_id}@{self.due_date}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    CANCELLED = "cancelled", "已取消（事项已办结）"


class WebhookFlavor(models.TextChoices):
    GENERIC = "generic", "通用JSON（HMAC-SHA256签名）"
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"


class WebhookEndpoint(Versioned):
    """A group robot or another system that receives reminders by HTTP POST."""

    name = models.CharField("名称", max_length=60, unique=True)
    flavor = models.CharField("消息格式", max_length=10, choices=WebhookFlavor.choices, default=WebhookFlavor.GENERIC)
    url = models.URLField("地址", max_length=500)
    secret = models.CharField(
        "签名密钥", max_length=200, blank=True, help_text="通用格式用于HMAC-SHA256签名（为空时用环境变量的默认密钥）；钉钉为“加签”密钥。"
    )
    department = models.ForeignKey(
        "organization.Department",
        verbose_name="只接收该单位的提醒",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="为空时接收全部提醒。",
    )
    enabled = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "Webhook地址"
        verbose_name_plural = "Webhook地址（企业微信/钉钉/通用）"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class ReminderDelivery(models.Model):
    """One reminder to one recipient on one channel: the idempotency ledger."""

    rule = models.ForeignKey(ReminderRule, verbose_name="规则", on_delete=models.PROTECT, related_name="deliveries")
    subject = models.CharField("事项类型", max_length=12, choices=Subject.choices)
    object_id = models.BigIntegerField("事项ID")
    due_date = models.DateField("到期日")
    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", null=True, blank=True, on_delete=models.SET_NULL, related_name="reminder_deliveries"
    )
    step_key = models.CharField("步骤", max_length=30)
    step_label = models.CharField("步骤说明", max_length=60)
    occurrence = models.PositiveIntegerField("第几次", default=1)
    fire_date = models.DateField("应发日期")
    recipient_key = models.CharField("接收方", max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收用户",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder_deliveries",
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name="Webhook地址", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    status = models.CharField("状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    context = models.JSONField("消息内容", default=dict)
    batch = models.UUIDField("扫描批次", null=True, blank=True, db_index=True)
    enqueued_at = models.DateTimeField("入队时间", null=True, blank=True)
    # A publish that failed (broker down, its transport not installed): the row is in no queue, so the
    # minutely requeue sends it again as soon as the broker answers; cleared by the next publish.
    enqueue_failed_at = models.DateTimeField(
        "入队失败时间",
        null=True,
        blank=True,
        help_text="发送任务未能放入队列（如 Redis 不可用）的时间；队列恢复后每分钟的重新入队会重试，入队成功后清空。",
    )
    enqueue_error = models.TextField("入队失败原因", blank=True)
    # The claim of an external send (SMS, webhook, e-mail), committed before the call and cleared
    # with its outcome: a claim left standing means the sender died in between, "maybe sent".
    claimed_at = models.DateTimeField(
        "开始发送时间",
        null=True,
        blank=True,
        help_text="短信、Webhook、邮件开始发送时记录，发送结果写入后清空；长时间未清空说明发送进程中途中断。",
    )
    interruptions = models.PositiveSmallIntegerField(
        "发送中断次数",
        default=0,
        help_text="发送进程调用渠道后、记下结果前中断的次数（此时可能已发出）。第一次中断后以同一发送编号补发一次，第二次即标记为失败，不再自动重发。",
    )
    retry_at = models.DateTimeField("下次重试时间", null=True, blank=True, help_text="发送失败后按退避时间重试；此前不会重新入队。")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "提醒发送记录"
        verbose_name_plural = "提醒发送记录"
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject", "object_id", "due_date", "step_key", "occurrence", "recipient_key", "channel"],
                name="reminder_delivery_once",
            ),
            CheckConstraint(
                name="reminder_delivery_has_recipient",
                condition=Q(user__isnull=False) | Q(endpoint__isnull=False),
                violation_error_message="发送记录必须有接收用户或Webhook地址。",
            ),
            CheckConstraint(
                name="reminder_delivery_claim_only_pending",
                condition=Q(claimed_at__isnull=True) | Q(status="pending"),
                violation_error_message="只有待发送的记录可以处于“发送中”。",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "enqueued_at"], name="reminder_delivery_queue"),
            models.Index(fields=["subject", "object_id"], name="reminder_delivery_item"),
            # The minutely requeue looks for failed publishes every minute; there are almost never any.
            models.Index(fields=["enqueue_failed_at"], name="reminder_delivery_unpublished", condition=Q(enqueue_failed_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.step_label}｜{self.get_channel_display()}｜{self.recipient_key}"


class Notification(models.Model):
    """站内消息：提醒在系统里的那一份，有已读/未读."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收用户", on_delete=models.CASCADE, related_name="notifications")
    delivery = models.OneToOneField(
        ReminderDelivery, verbose_name="来源发送记录", null=True, blank=True, on_delete=models.SET_NULL, related_name="notification"
    )
    project = models.ForeignKey("projects.Project", verbose_name="项目", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.title


class ChannelPreference(models.Model):
    """Which channels a user wants; users without a row get the defaults below."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="reminder_preference")
    in_app = models.BooleanField("接收站内消息", default=True)
    email = models.BooleanField("接收电子邮件", default=True)
    sms = models.BooleanField("接收短信", default=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "提醒渠道偏好"
        verbose_name_plural = "提醒渠道偏好"

    def __str__(self) -> str:
        return str(self.user)


class SweepRun(models.Model):
    """One run of the sweep, the digest or the 催报: when, how long, what it wrote."""

    kind = models.CharField("类型", max_length=80)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    items = models.PositiveIntegerField("检查事项数", default=0)
    created = models.PositiveIntegerField("新建发送记录", default=0)
    requeued = models.PositiveIntegerField("重新入队", default=0)
    skipped_steps = models.PositiveIntegerField("补扫跳过的过时步骤", default=0)
    notices = models.PositiveIntegerField("生成督办函", default=0)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "扫描记录"
        verbose_name_plural = "提醒扫描记录"
        ordering = ("-started_at", "-id")

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class SweepLock(models.Model):
    """A lease in the database that keeps two sweeps from overlapping, on PostgreSQL and SQLite
    alike, and without Redis (a Redis outage must not stop rows being written)."""

    name = models.CharField("名称", max_length=40, unique=True)
    holder = models.CharField("持有者", max_length=80, blank=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "扫描锁"
        verbose_name_plural = "扫描锁"

    def __str__(self) -> str:
        return self.name
