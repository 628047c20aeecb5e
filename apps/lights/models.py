from django.db import models
from django.db.models import F, Q

from apps.core.constraints import CheckConstraint
from apps.core.versioning import Versioned


class RuleCode(models.TextChoices):
    MILESTONE_DUE = "milestone_due", "要件/节点到期"
    PROBLEM_DUE = "problem_due", "问题解决时限"
    PROJECT_INVESTMENT = "project_investment", "投资进度与序时进度"
    REPORT_FILING = "report_filing", "月报报送"
    START_DUE = "start_due", "计划开工"
    MONTHLY_TARGET = "monthly_target", "月度目标"
    STATS_DB = "stats_db", "入库纳统"


class WarningRule(Versioned):
    """红黄绿灯阈值，项目办在后台调整；代码里的默认值只在没有规则行时使用."""

    code = models.CharField("规则", max_length=30, choices=RuleCode.choices, unique=True)
    name = models.CharField("名称", max_length=60)
    due_soon_working_days = models.PositiveSmallIntegerField(
        "临期预警窗口（工作日）", default=7, help_text="到期日在今天起N个工作日之内（含）且未完成时亮黄灯。"
    )
    yellow_gap_points = models.DecimalField(
        "黄灯：落后序时进度（百分点）", max_digits=5, decimal_places=2, default=10, help_text="落后达到此值亮黄灯。"
    )
    red_gap_points = models.DecimalField(
        "红灯：落后序时进度超过（百分点）", max_digits=5, decimal_places=2, default=30, help_text="落后超过此值亮红灯。"
    )
    report_due_day = models.PositiveSmallIntegerField(
        "月报报送截止日",
        default=5,
        help_text="次月几日前报送上月月报（仅“月报报送”规则使用）。逾期清单、红黄绿灯、催报提醒和领导周报都按此日期。",
    )
    red_after_day = models.PositiveSmallIntegerField(
        "红灯：截止当月几日后",
        default=10,
        help_text="仅“月报报送”规则使用：过了截止日未报送亮黄灯，过了截止当月的这一天仍未报送亮红灯"
        "（截止日因节假日顺延到这一天之后的，过了截止日即亮红灯）。",
    )
    yellow_after_months = models.PositiveSmallIntegerField(
        "黄灯：超过几个月",
        default=0,
        help_text="仅“入库纳统”规则使用：实际开工超过几个月仍未入库纳统亮黄灯。",
    )
    red_after_months = models.PositiveSmallIntegerField(
        "红灯：超过几个月",
        default=3,
        help_text="“计划开工”规则：过了计划开工日期仍未开工亮黄灯，超过几个月亮红灯（填0即过期亮红灯）；"
        "“入库纳统”规则：实际开工超过几个月仍未入库纳统亮红灯。",
    )
    consecutive_periods = models.PositiveSmallIntegerField(
        "红灯：连续未完成月数",
        default=2,
        help_text="仅“月度目标”规则使用：报告期当月未完成月度计划投资亮黄灯，连续几个月未完成亮红灯。",
    )
    enabled = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "预警规则"
        verbose_name_plural = "红黄绿灯预警规则"
        ordering = ("code",)
        constraints = [
            CheckConstraint(
                name="warning_rule_gap_order",
                condition=Q(red_gap_points__gte=F("yellow_gap_points")) & Q(yellow_gap_points__gte=0),
                violation_error_message="红灯阈值不能小于黄灯阈值，且阈值不能为负数。",
            ),
            CheckConstraint(
                name="warning_rule_due_day_range",
                condition=Q(report_due_day__gte=1, report_due_day__lte=28),
                violation_error_message="月报报送截止日应在1至28日之间。",
            ),
            CheckConstraint(
                name="warning_rule_red_day_range",
                condition=Q(red_after_day__lte=28) & Q(red_after_day__gte=F("report_due_day")),
                violation_error_message="月报红灯日应在截止日至28日之间。",
            ),
            CheckConstraint(
                name="warning_rule_months_order",
                condition=Q(red_after_months__gte=F("yellow_after_months")) & Q(red_after_months__lte=24),
                violation_error_message="红灯月数不能小于黄灯月数，且不能超过24个月。",
            ),
            CheckConstraint(
                name="warning_rule_consecutive_range",
                condition=Q(consecutive_periods__gte=1, consecutive_periods__lte=12),
                violation_error_message="连续未完成月数应在1至12之间。",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DueItem(models.Model):
    """一条未办结的到期事项（apps.core.due 各类事项的存储副本）：逾期清单、领导清单和红黄绿灯按日期比较读取.

    Kept equal to the due-item registry's live answer (`apps.lights.services`): a row per open item of
    every registered kind, with the days on which its light turns yellow and red worked out once with
    the working-day calendar and the warning rules — so a light on day D is a comparison of D with
    two stored dates. A kind whose warning rule is switched off never lights: both days are
    `NEVER` (9999-12-31); NULL only while a service is working them out. The system
    writes these rows; nobody edits them (no version, no admin form).
    """

    kind = models.CharField("类别", max_length=20)
    object_id = models.BigIntegerField("事项")
    due = models.DateField("到期日")
    title = models.TextField("事项名称")
    project = models.ForeignKey("projects.Project", verbose_name="项目", null=True, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "organization.Department", verbose_name="责任单位", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    leader = models.ForeignKey("organization.Leader", verbose_name="责任领导", null=True, on_delete=models.SET_NULL, related_name="+")
    own_leader = models.ForeignKey(
        "organization.Leader", verbose_name="事项自身的领导", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    yellow_from = models.DateField("亮黄灯日", null=True)
    red_from = models.DateField("亮红灯日", null=True)

    class Meta:
        verbose_name = "到期事项"
        verbose_name_plural = "到期事项"
        constraints = [models.UniqueConstraint(fields=("kind", "object_id", "due"), name="due_item_unique")]
        indexes = [
            models.Index(fields=("yellow_from", "due"), name="due_item_yellow"),
            models.Index(fields=("red_from", "due"), name="due_item_red"),
            # The overdue list's order within red and within yellow (apps.lights.overdue.DueItemPage):
            # a page is an ordered index read that stops at its last row, not a sort of every lit item.
            models.Index(fields=("due", "kind", "object_id"), name="due_item_order"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}@{self.due}"


class DueLightDay(models.Model):
    """每类事项按到期日算好的亮黄灯日、亮红灯日（系统维护，供到期事项逐条写入时查用）.

    The two light days of a stored due item depend only on its kind, its due date, the warning rules
    and the working-day calendar (`apps.lights.services.light_days`). Worked out once for every day
    of a window of years and kept here, a service that writes an item looks its days up in the same
    statement that inserts it, without loading the rules or the calendar. Emptied by a rule or
    calendar edit, rebuilt in the worker after it, and every night; an item due on a day the table
    does not hold is worked out by hand, and its day kept here.
    """

    kind = models.CharField("类别", max_length=20)
    due = models.DateField("到期日")
    yellow_from = models.DateField("亮黄灯日")
    red_from = models.DateField("亮红灯日")

    class Meta:
        verbose_name = "到期日亮灯日"
        verbose_name_plural = "到期日亮灯日"
        constraints = [models.UniqueConstraint(fields=("kind", "due"), name="due_light_day_unique")]

    def __str__(self) -> str:
        return f"{self.kind}@{self.due}"


class DueItemsDay(models.Model):
    """到期事项存储副本对应的日期（单行）：全部行最近一次整体刷新到的那一天.

    The lists read the stored rows only when they were brought to the day asked for (the nightly pass
    moves them at 00:05; a system that was down, or a list of a day gone by, computes live instead)."""

    as_of = models.DateField("刷新到")

    class Meta:
        verbose_name = "到期事项刷新日"
        verbose_name_plural = "到期事项刷新日"

    def __str__(self) -> str:
        return str(self.as_of)
