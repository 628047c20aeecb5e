from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from apps.core.constraints import CheckConstraint
from apps.core.uploads import UploadField
from apps.core.versioning import Versioned
from apps.projects.models import InvestmentMode


class Stage(models.TextChoices):
    GENERATION = "generation", "项目生成"
    LAND_PLANNING = "land_planning", "立项用地规划许可"
    WORKS_PERMIT = "works_permit", "工程建设许可"
    CONSTRUCTION_PERMIT = "construction_permit", "施工许可"
    CONSTRUCTION = "construction", "建设实施"
    ACCEPTANCE = "acceptance", "竣工验收"
    OPERATION = "operation", "投产运营"


class MilestoneKind(models.TextChoices):
    APPROVAL = "approval", "审批要件（前期手续）"
    CONSTRUCTION = "construction", "建设节点"


class MilestoneStatus(models.TextChoices):
    NOT_STARTED = "todo", "未启动"
    IN_PROGRESS = "doing", "办理中"
    DONE = "done", "已办结（取得批复/证照）"
    NOT_APPLICABLE = "na", "不涉及"
    COMMITMENT = "commit", "告知承诺/容缺受理"
    SUSPENDED = "blocked", "受阻（需协调）"


# Statuses that close a milestone: no light, no reminder.
CLOSED_STATUSES = (MilestoneStatus.DONE, MilestoneStatus.NOT_APPLICABLE)


class OffsetBase(models.TextChoices):
    PLANNED_START = "start", "计划开工日期"
    PLANNED_FINISH = "finish", "计划竣工日期"


class ApprovalTemplate(Versioned):
    """审批要件模板：按投资管理方式（审批/核准/备案）生成项目的前期手续清单."""

    name = models.CharField("模板名称", max_length=80, unique=True)
    investment_mode = models.CharField("投资管理方式", max_length=10, choices=InvestmentMode.choices, unique=True)
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "审批要件模板"
        verbose_name_plural = "审批要件模板"
        ordering = ("investment_mode",)

    def __str__(self) -> str:
        return self.name


class ApprovalTemplateItem(Versioned):
    template = models.ForeignKey(ApprovalTemplate, verbose_name="模板", on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveSmallIntegerField("顺序")
    code = models.SlugField("要件编码", max_length=40)
    name = models.CharField("要件名称", max_length=100)
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices)
    issuing_dept_name = models.CharField("审批（出具）部门", max_length=80, blank=True)
    offset_base = models.CharField("计算基准", max_length=6, choices=OffsetBase.choices, default=OffsetBase.PLANNED_START)
    offset_days = models.IntegerField(
        "偏移天数（自然日）", default=0, help_text="相对计算基准（计划开工或竣工日期）的自然日偏移，负数表示之前。"
    )
    after_item = models.ForeignKey(
        "self",
        verbose_name="前置要件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="设置后，计划日期按“前置要件之后N个工作日”计算。",
    )
    after_working_days = models.PositiveSmallIntegerField(
        "前置要件后工作日数", null=True, blank=True, validators=[MaxValueValidator(1000, "工作日数不能超过1000天。")]
    )
    validity_months = models.PositiveSmallIntegerField("有效期（月）", null=True, blank=True)
    is_required_for_start = models.BooleanField("开工前必须取得", default=False)
    # A 批复/核准/备案 or a permit comes with a number that later checks cite; a node like 招标 does not.
    requires_doc_number = models.BooleanField(
        "办结须填文号", default=False, help_text="勾选后，办结由此生成的要件时必须填写批复文号或证照编号。"
    )
    applies_when = models.CharField("适用条件", max_length=200, blank=True)
    legal_basis = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "模板要件"
        verbose_name_plural = "模板要件"
        ordering = ("template", "seq")
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="template_item_unique_code"),
            models.UniqueConstraint(fields=["template", "seq"], name="template_item_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.seq}. {self.name}"


class Milestone(Versioned):
    """项目的一个要件或建设节点：计划日期、实际日期、状态、文号、责任单位."""

    project = models.ForeignKey("projects.Project", verbose_name="项目", on_delete=models.CASCADE, related_name="milestones")
    template_item = models.ForeignKey(
        ApprovalTemplateItem, verbose_name="来源模板要件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField("类型", max_length=12, choices=MilestoneKind.choices, default=MilestoneKind.APPROVAL)
    seq = models.PositiveSmallIntegerField("顺序", default=0)
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices)
    name = models.CharField("名称", max_length=100)
    issuing_dept_name = models.CharField("审批（出具）部门", max_length=80, blank=True)
    responsible_dept = models.ForeignKey(
        "organization.Department", verbose_name="责任单位", null=True, blank=True, on_delete=models.PROTECT, related_name="milestones"
    )
    responsible_person = models.CharField("责任人", max_length=60, blank=True)
    planned_date = models.DateField("计划完成日期", null=True, blank=True, db_index=True)
    after = models.ForeignKey(
        "self",
        verbose_name="前置节点",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followers",
        help_text="设置后，计划日期 = 前置节点（实际或计划）完成日期之后N个工作日。",
    )
    after_date = models.DateField(
        "起算日期", null=True, blank=True, help_text="不设前置节点时，计划日期 = 起算日期（如批复日期）之后N个工作日。"
    )
    after_working_days = models.PositiveSmallIntegerField(
        "前置节点/起算日期后工作日数", null=True, blank=True, validators=[MaxValueValidator(1000, "工作日数不能超过1000天。")]
    )
    actual_date = models.DateField("实际完成日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.NOT_STARTED)
    doc_number = models.CharField("批复文号/证照编号", max_length=100, blank=True)
    attachment = UploadField("附件", folder="milestones", blank=True, db_index=True)
    attachment_name = models.CharField("附件文件名", max_length=200, blank=True, editable=False)
    attachment_type = models.CharField("附件类型", max_length=10, blank=True, editable=False)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    remarks = models.TextField("备注", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    history = HistoricalRecords(verbose_name="节点变更历史")

    class Meta:
        verbose_name = "要件/节点"
        verbose_name_plural = "审批要件与建设节点"
        ordering = ("project", "seq", "planned_date", "id")
        constraints = [
            CheckConstraint(
                name="milestone_done_has_actual_date",
                condition=~Q(status="done") | Q(actual_date__isnull=False),
                violation_error_message="已办结的要件必须填写实际完成日期。",
            ),
            CheckConstraint(
                name="milestone_after_needs_days",
                condition=(Q(after__isnull=True) & Q(after_date__isnull=True)) | Q(after_working_days__isnull=False),
                violation_error_message="设置前置节点或起算日期时必须填写工作日数。",
            ),
            CheckConstraint(
                name="milestone_after_node_or_date",
                condition=Q(after__isnull=True) | Q(after_date__isnull=True),
                violation_error_message="前置节点和起算日期只能设置其中一个。",
            ),
            CheckConstraint(
                name="milestone_not_after_itself",
                condition=Q(after__isnull=True) | ~Q(after=F("id")),
                violation_error_message="前置节点不能是自身。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project}｜{self.name}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def requires_doc_number(self) -> bool:
        """Whether 办结 needs a 文号: its template item says so (a construction node never does)."""
        return self.template_item is not None and self.template_item.requires_doc_number
