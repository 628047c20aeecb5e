from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from apps.core.constraints import CheckConstraint
from apps.core.models import MoneyField
from apps.core.versioning import Versioned


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "待提交（草稿）"
    SUBMITTED = "submitted", "已提交（待审核）"
    APPROVED = "approved", "审核通过"
    RETURNED = "returned", "退回修改"


class ProgressReport(Versioned):
    """月度调度报告：一个项目一个报告期一条；审核通过后只读."""

    project = models.ForeignKey("projects.Project", verbose_name="项目", on_delete=models.CASCADE, related_name="progress_reports")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField("月份", validators=[MinValueValidator(1), MaxValueValidator(12)])
    period_completed = MoneyField("本月完成投资（万元）", default=Decimal("0"))
    image_progress_text = models.TextField("形象进度", blank=True)
    image_progress_pct = models.DecimalField(
        "形象进度完成百分比",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    problems_text = models.TextField("存在问题", blank=True)
    next_plan = models.TextField("下步工作安排/需协调事项", blank=True)
    status = models.CharField("流程状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    return_reason = models.TextField("退回意见", blank=True)
    return_count = models.PositiveSmallIntegerField("退回次数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    history = HistoricalRecords(verbose_name="报告变更历史")

    class Meta:
        verbose_name = "月度进度报告"
        verbose_name_plural = "月度进度报告"
        ordering = ("-year", "-month", "project")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "month"],
                name="progress_report_one_per_period",
                violation_error_message="该项目本报告期已有月报，请修改原报告。",
            ),
            CheckConstraint(
                name="progress_report_month_range", condition=Q(month__gte=1, month__lte=12), violation_error_message="月份应在1至12之间。"
            ),
            CheckConstraint(
                name="progress_report_amount_gte_0",
                condition=Q(period_completed__gte=0),
                violation_error_message="本月完成投资不能为负数。",
            ),
            CheckConstraint(
                name="progress_report_pct_range",
                condition=Q(image_progress_pct__isnull=True) | Q(image_progress_pct__gte=0, image_progress_pct__lte=100),
                violation_error_message="形象进度百分比应在0至100之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}年{self.month}月"


class HistoricalCompletion(models.Model):
    """往年完成投资：系统启用前各年度逐月完成投资（导入或录入），用于同比；系统启用后的月份以审核通过的月报为准."""

    project = models.ForeignKey("projects.Project", verbose_name="项目", on_delete=models.CASCADE, related_name="historical_completions")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField("月份", validators=[MinValueValidator(1), MaxValueValidator(12)])
    completed = MoneyField("当月完成投资（万元）", default=Decimal("0"))
    source = models.CharField("来源", max_length=100, blank=True, help_text="如“2025年12月调度表导入”。")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "往年月度完成投资"
        verbose_name_plural = "往年月度完成投资"
        ordering = ("project", "-year", "month")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "month"],
                name="historical_completion_one_per_month",
                violation_error_message="该项目该月已有往年完成投资，请修改原记录。",
            ),
            CheckConstraint(
                name="historical_completion_month_range",
                condition=Q(month__gte=1, month__lte=12),
                violation_error_message="月份应在1至12之间。",
            ),
            CheckConstraint(
                name="historical_completion_amount_gte_0",
                condition=Q(completed__gte=0),
                violation_error_message="完成投资不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}年{self.month}月"
