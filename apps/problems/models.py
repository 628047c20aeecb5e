from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from apps.core.constraints import CheckConstraint
from apps.core.uploads import UploadField
from apps.core.versioning import Versioned


class ProblemCategory(models.TextChoices):
    LAND = "land", "用地（征地拆迁/报批/供地）"
    APPROVAL = "approval", "审批手续"
    FUNDING = "funding", "资金"
    SITE = "site", "施工环境/现场"
    UTILITIES = "utilities", "水电路气讯配套"
    PLANNING = "planning", "规划设计"
    ENV = "env", "环保/能耗/林地等要素"
    OTHER = "other", "其他"


class ProblemStatus(models.TextChoices):
    NEW = "new", "新增"
    ASSIGNED = "assigned", "已交办"
    HANDLING = "handling", "办理中"
    RESOLVED = "resolved", "已办结（待销号）"
    CLOSED = "closed", "已销号"
    LONG_TERM = "long", "长期跟踪"


# Statuses that no longer need chasing: no light, no reminder.
PROBLEM_CLOSED_STATUSES = (ProblemStatus.RESOLVED, ProblemStatus.CLOSED)


class ProblemSource(models.TextChoices):
    WEEKLY = "weekly", "周调度会"
    MONTHLY = "monthly", "月调度会"
    INSPECTION = "inspection", "现场督查"
    ENTERPRISE = "enterprise", "企业反映"
    REPORT = "report", "月报填报"
    SYSTEM = "system", "系统预警"


class Problem(Versioned):
    """问题清单的一项：责任单位、协调领导、解决时限、销号."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", null=True, blank=True, on_delete=models.CASCADE, related_name="problems"
    )
    category = models.CharField("问题类型", max_length=10, choices=ProblemCategory.choices)
    description = models.TextField("问题描述")
    source = models.CharField("问题来源", max_length=12, choices=ProblemSource.choices, default=ProblemSource.WEEKLY)
    raised_on = models.DateField("提出日期")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responsible_dept = models.ForeignKey(
        "organization.Department", verbose_name="责任单位", on_delete=models.PROTECT, related_name="problems"
    )
    responsible_person = models.CharField("责任人", max_length=60, blank=True)
    coordinating_leader = models.ForeignKey(
        "organization.Leader", verbose_name="协调领导", null=True, blank=True, on_delete=models.PROTECT, related_name="problems"
    )
    deadline = models.DateField("解决时限", db_index=True)
    status = models.CharField("状态", max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.NEW)
    resolution = models.TextField("解决情况", blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True, help_text="责任单位报办结的时间（统计往月预警灯时用）。")
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    evidence = UploadField("销号佐证材料", folder="problems", blank=True, db_index=True)
    evidence_name = models.CharField("佐证材料文件名", max_length=200, blank=True, editable=False)
    evidence_type = models.CharField("佐证材料类型", max_length=10, blank=True, editable=False)
    escalation_level = models.PositiveSmallIntegerField("督办等级", default=0, validators=[MaxValueValidator(4)])
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    history = HistoricalRecords(verbose_name="问题变更历史")

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题清单"
        ordering = ("deadline", "id")
        constraints = [
            CheckConstraint(
                name="problem_deadline_not_before_raised",
                condition=Q(deadline__gte=F("raised_on")),
                violation_error_message="解决时限不能早于提出日期。",
            ),
            CheckConstraint(
                name="problem_closed_has_time",
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                violation_error_message="已销号的问题必须有销号时间。",
            ),
            CheckConstraint(
                name="problem_escalation_range",
                condition=Q(escalation_level__lte=4),
                violation_error_message="督办等级应在0至4之间。",
            ),
        ]

    def __str__(self) -> str:
        text = self.description if len(self.description) <= 30 else self.description[:30] + "…"
        return f"{self.project or '跨项目'}｜{text}"

    @property
    def is_closed(self) -> bool:
        return self.status in PROBLEM_CLOSED_STATUSES


class NoticeType(models.TextChoices):
    ASSIGN = "assign", "交办函"
    REMIND = "remind", "提醒函"
    SUPERVISE = "supervise", "督办函"
    INTERVIEW = "interview", "约谈"
    BULLETIN = "bulletin", "通报"
    ACCOUNTABILITY = "accountability", "问责/责任追究"


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", "已发出（待回复）"
    REPLIED = "replied", "已回复"
    CLOSED = "closed", "已办结"


class SupervisionNotice(Versioned):
    """督办文书：交办函、提醒函、督办函、约谈…."""

    notice_type = models.CharField("类型", max_length=16, choices=NoticeType.choices)
    number = models.CharField("文号", max_length=60, unique=True)
    issued_on = models.DateField("发文日期")
    target_dept = models.ForeignKey("organization.Department", verbose_name="督办单位", on_delete=models.PROTECT, related_name="notices")
    target_person = models.CharField("督办对象（职务）", max_length=60, blank=True)
    projects = models.ManyToManyField("projects.Project", verbose_name="涉及项目", blank=True, related_name="notices")
    problems = models.ManyToManyField(Problem, verbose_name="涉及问题", blank=True, related_name="notices")
    content = models.TextField("督办内容")
    reply_deadline = models.DateField("限期回复日期", null=True, blank=True)
    reply_text = models.TextField("回复内容", blank=True)
    replied_on = models.DateField("回复日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.ISSUED)
    file = UploadField("文书附件", folder="notices", blank=True, db_index=True)
    file_name = models.CharField("文书附件文件名", max_length=200, blank=True, editable=False)
    file_type = models.CharField("文书附件类型", max_length=10, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "督办文书"
        verbose_name_plural = "督办文书（交办/提醒/督办/约谈）"
        ordering = ("-issued_on", "-id")
        constraints = [
            CheckConstraint(
                name="notice_reply_deadline_not_before_issue",
                condition=Q(reply_deadline__isnull=True) | Q(reply_deadline__gte=F("issued_on")),
                violation_error_message="限期回复日期不能早于发文日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_notice_type_display()} {self.number}"
