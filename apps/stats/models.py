"""The month close (月度关账): a closed period's per-project figures and due items, frozen as they
stood at its end, and the corrections made to them in the open.

- `PeriodClose`: one row per (year, month) once it has been closed; `status` closed or reopened,
  every close and reopen kept in `PeriodCloseEvent` with who, when and why.
- `PeriodFigure`: one row per live project of a closed period — every field of
  `apps.stats.selectors.ProjectPeriodFigures`, the 统计局 figure (纳统 YTD), and the grouping facts
  (lead department, lead leader, category, region) as they were at the close.
- `PeriodItem`: the overdue and due-soon items as of the period end (the overdue list of a period).
- `FigureCorrection`: who corrected which figure of which project and period, when, why, old → new.
- `CloseSetting`: the office's setting for the automatic close (N working days after the deadline).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.core.constraints import CheckConstraint
from apps.core.versioning import Versioned


def Money(verbose: str, **kwargs) -> models.DecimalField:  # noqa: N802 - a field factory
    """An amount in 万元, 16 digits (sums of a year's completions)."""
    return models.DecimalField(verbose, max_digits=16, decimal_places=2, **kwargs)


class PeriodStatus(models.TextChoices):
    CLOSED = "closed", "已关账"
    REOPENED = "reopened", "已重新打开"


class PeriodClose(models.Model):
    """一个报告期（月）的关账状态：关账后统计、通报、考核读取冻结的数字。"""

    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField("月份", validators=[MinValueValidator(1), MaxValueValidator(12)])
    status = models.CharField("状态", max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.CLOSED)
    closed_at = models.DateTimeField("关账时间")
    # PROTECT: who closed a month stays known; accounts are deactivated, not deleted.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="关账人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="为空表示系统按设定的工作日自动关账。",
    )
    project_count = models.PositiveIntegerField("冻结项目数", default=0)
    item_count = models.PositiveIntegerField("冻结事项数", default=0)
    # The department ranking of the unit board on the period's last day (the 通报's ranking when the
    # year has no scoring scheme): apps.stats.units.UnitFigures as dicts.
    unit_board = models.JSONField("单位排名（关账时）", default=list, blank=True)

    class Meta:
        verbose_name = "月度关账"
        verbose_name_plural = "月度关账"
        ordering = ("-year", "-month")
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="period_close_once", violation_error_message="该月已有关账记录。"),
            CheckConstraint(
                name="period_close_month_range", condition=Q(month__gte=1, month__lte=12), violation_error_message="月份应在1至12之间。"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月（{self.get_status_display()}）"

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_closed(self) -> bool:
        return self.status == PeriodStatus.CLOSED


class PeriodAction(models.TextChoices):
    CLOSE = "close", "关账"
    REOPEN = "reopen", "重新打开"


class PeriodCloseEvent(models.Model):
    """关账、重新打开的记录：谁、何时、为什么。"""

    period = models.ForeignKey(PeriodClose, verbose_name="报告期", on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=10, choices=PeriodAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")
    reason = models.TextField("原因", blank=True)

    class Meta:
        verbose_name = "关账记录"
        verbose_name_plural = "关账记录"
        ordering = ("period", "at", "id")

    def __str__(self) -> str:
        return f"{self.period} {self.get_action_display()}"


class PeriodFigure(models.Model):
    """关账时冻结的一个项目的当月数字（计划、完成、序时、开工状态、预警灯及原因、纳统）。"""

    period = models.ForeignKey(PeriodClose, verbose_name="报告期", on_delete=models.CASCADE, related_name="figures")
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份")
    # PROTECT: a frozen figure names its project for good (projects are archived, not deleted).
    project = models.ForeignKey("projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="period_figures")
    project_name = models.CharField("项目名称（关账时）", max_length=200)
    # Grouping facts as they were at the close: a later change of 牵头单位 does not move a closed month.
    lead_department = models.ForeignKey(
        "organization.Department", verbose_name="牵头单位（关账时）", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_leader = models.ForeignKey(
        "organization.Leader", verbose_name="包保领导（关账时）", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_department_ids = models.JSONField("全部牵头单位ID", default=list)
    lead_leader_ids = models.JSONField("全部包保领导ID", default=list)
    category_id_at_close = models.BigIntegerField("项目类别ID（关账时）", null=True, blank=True)
    region_id_at_close = models.BigIntegerField("区划ID（关账时）", null=True, blank=True)
    region_parent_id_at_close = models.BigIntegerField("上级区划ID（关账时）", null=True, blank=True)
    planned_start = models.DateField("计划开工日期（关账时）", null=True, blank=True)
    resume_date = models.DateField("本年复工日期（关账时）", null=True, blank=True)
    # ProjectPeriodFigures, field by field.
    total_investment = Money("总投资（万元）", default=Decimal("0"))
    carry_over = Money("以前年度累计完成（万元）", default=Decimal("0"))
    build_status = models.CharField("建设状态", max_length=12, blank=True)
    actual_start = models.DateField("实际开工日期", null=True, blank=True)
    actual_finish = models.DateField("实际竣工日期", null=True, blank=True)
    has_plan = models.BooleanField("有年度计划", default=False)
    annual_plan = Money("年度计划投资（万元）", default=Decimal("0"))
    annual_role = models.CharField("年度属性", max_length=10, blank=True)
    started = models.BooleanField("新开工且已开工", default=False)
    resumed = models.BooleanField("续建且已复工", default=False)
    in_construction = models.BooleanField("在建", default=False)
    month_completed = Money("本月完成投资（万元）", default=Decimal("0"))
    ytd = Money("年初至今完成投资（万元）", default=Decimal("0"))
    prior_ytd = Money("上年同期完成投资（万元）", default=Decimal("0"))
    until_period = Money("至报告期末累计完成（系统内，万元）", default=Decimal("0"))
    time_progress = models.DecimalField("序时进度（比例）", max_digits=14, decimal_places=12, default=Decimal("0"))
    time_progress_rule = models.CharField("序时进度口径", max_length=40, blank=True)
    light = models.CharField("预警灯", max_length=10, default="green")
    light_parts = models.JSONField("预警原因（各分项：2红 1黄）", default=dict)
    light_past_due = models.JSONField("已过期的事项类型（其余为临期）", default=list)
    milestones_due = models.PositiveIntegerField("应办结要件和节点", default=0)
    milestones_on_time = models.PositiveIntegerField("按期办结", default=0)
    milestones_done_late = models.PositiveIntegerField("逾期办结", default=0)
    # 统计局联网直报 figure, entered by the office after the close (a correction with a reason).
    stats_ytd_completed = Money("纳统年初至今完成投资（统计局，万元）", null=True, blank=True)
    in_stats_db = models.BooleanField("入库纳统", null=True, blank=True)

    class Meta:
        verbose_name = "关账冻结数字"
        verbose_name_plural = "关账冻结数字"
        ordering = ("-year", "-month", "project_id")
        indexes = [models.Index(fields=["year", "month"], name="period_figure_ym")]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "project"], name="period_figure_once", violation_error_message="该项目该月已有冻结数字。"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_name} {self.year}年{self.month}月"

    @property
    def stats_gap(self) -> Decimal | None:
        """单位填报的年初至今完成 − 统计局纳统数（万元）；未录入统计局数字时为空。"""
        if self.stats_ytd_completed is None:
            return None
        return self.ytd - self.stats_ytd_completed


class PeriodItem(models.Model):
    """关账时冻结的逾期与临期事项（报告期末的状态）。"""

    period = models.ForeignKey(PeriodClose, verbose_name="报告期", on_delete=models.CASCADE, related_name="items")
    kind = models.CharField("事项类型", max_length=20)
    object_id = models.BigIntegerField("事项ID")
    title = models.CharField("事项", max_length=300)
    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", null=True, blank=True, on_delete=models.PROTECT, related_name="period_items"
    )
    project_name = models.CharField("项目名称", max_length=200, blank=True)
    department_id_at_close = models.BigIntegerField("责任单位ID", null=True, blank=True)
    department_name = models.CharField("责任单位", max_length=120, blank=True)
    leader_id_at_close = models.BigIntegerField("包保领导ID", null=True, blank=True)
    leader_position = models.CharField("包保领导职务", max_length=120, blank=True)
    leader_ids = models.JSONField("相关领导ID", default=list)
    region_ids = models.JSONField("所在区划ID（含上级）", default=list)
    due_date = models.DateField("到期日")
    days_overdue = models.PositiveIntegerField("逾期自然日", default=0)
    working_days_overdue = models.PositiveIntegerField("逾期工作日", default=0)
    days_left = models.PositiveIntegerField("距到期自然日", default=0)
    working_days_left = models.PositiveIntegerField("距到期工作日", default=0)
    light = models.CharField("预警灯", max_length=10)
    link = models.CharField("链接", max_length=300, blank=True)
    sort_order = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "关账冻结事项"
        verbose_name_plural = "关账冻结事项"
        ordering = ("period", "sort_order", "id")

    def __str__(self) -> str:
        return self.title


class CorrectionKind(models.TextChoices):
    REPORT = "report", "月报更正"
    FROZEN = "frozen", "冻结数字随月报更正"
    FIGURE = "figure", "冻结数字更正"


class FigureCorrection(models.Model):
    """一次更正：谁、何时、为什么，哪个项目哪个报告期的哪个数字，原值 → 新值。"""

    kind = models.CharField("更正类型", max_length=10, choices=CorrectionKind.choices)
    project = models.ForeignKey("projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="figure_corrections")
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份")
    report = models.ForeignKey(
        "progress.ProgressReport", verbose_name="月报", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    field = models.CharField("字段", max_length=40)
    field_label = models.CharField("数字", max_length=60)
    old_value = models.TextField("原值", blank=True)
    new_value = models.TextField("新值", blank=True)
    reason = models.TextField("更正原因")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更正人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField("更正时间", db_index=True)

    class Meta:
        verbose_name = "数字更正记录"
        verbose_name_plural = "数字更正记录"
        ordering = ("-corrected_at", "-id")
        indexes = [models.Index(fields=["project", "year", "month"], name="correction_project_period")]

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月 {self.field_label}：{self.old_value} → {self.new_value}"

    @property
    def period_label(self) -> str:
        return f"{self.year}年{self.month}月"


class CloseSetting(Versioned):
    """自动关账设置（唯一一行）：月报截止日（顺延到工作日）后第N个工作日自动关上月的账。"""

    auto_close = models.BooleanField("自动关账", default=True)
    working_days_after_deadline = models.PositiveSmallIntegerField(
        "截止日后第N个工作日",
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
        help_text="月报截止日（次月5日，遇节假日顺延）之后的第几个工作日自动关账；0 表示截止日当天。",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "自动关账设置"
        verbose_name_plural = "自动关账设置"

    def __str__(self) -> str:
        return f"截止日后第{self.working_days_after_deadline}个工作日{'自动关账' if self.auto_close else '（不自动关账）'}"


class LiveFigure(models.Model):
    """未关账月份的项目统计行（系统维护的存储副本）：统计汇总、分组统计和驾驶舱按 SQL 汇总读取.

    One `apps.stats.selectors.ProjectPeriodFigures` per project and open month, worked out by
    `project_period_figures` and kept as long as nothing it was computed from has changed
    (`apps.stats.live`): it holds the `FigureStamp` of its project and the global one as they were
    read before the computation, and the day it was computed for (`as_of`: the lights and the
    milestones due are the day's). The system writes these rows; nobody edits them.
    """

    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份")
    project = models.ForeignKey("projects.Project", verbose_name="项目", on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField("计算日")
    stamp = models.BigIntegerField("项目变更戳")
    global_stamp = models.BigIntegerField("全局变更戳")
    # ProjectPeriodFigures, field by field.
    name = models.CharField("项目名称", max_length=200)
    total_investment = Money("总投资（万元）")
    carry_over = Money("以前年度累计完成（万元）")
    planned_start = models.DateField("计划开工日期", null=True)
    build_status = models.CharField("建设状态", max_length=12, blank=True)
    actual_start = models.DateField("实际开工日期", null=True)
    actual_finish = models.DateField("实际竣工日期", null=True)
    has_plan = models.BooleanField("有年度计划")
    annual_plan = Money("年度计划投资（万元）")
    annual_role = models.CharField("年度属性", max_length=10, blank=True)
    started = models.BooleanField("新开工且已开工")
    resumed = models.BooleanField("续建且已复工")
    in_construction = models.BooleanField("在建")
    month_completed = Money("本月完成投资（万元）")
    ytd = Money("年初至今完成投资（万元）")
    prior_ytd = Money("上年同期完成投资（万元）")
    until_period = Money("至报告期末累计完成（系统内，万元）")
    # As text: the share is a Decimal of 28 digits, kept exactly (SQLite would round a number).
    time_progress = models.CharField("序时进度（比例）", max_length=40)
    time_progress_rule = models.CharField("序时进度口径", max_length=40, blank=True)
    light = models.CharField("预警灯", max_length=10)
    light_parts = models.JSONField("预警原因（各分项：2红 1黄）", default=dict)
    light_past_due = models.JSONField("已过期的事项类型（其余为临期）", default=list)
    milestones_due = models.PositiveIntegerField("应办结要件和节点")
    milestones_on_time = models.PositiveIntegerField("按期办结")
    milestones_done_late = models.PositiveIntegerField("逾期办结")

    class Meta:
        verbose_name = "统计行存储副本"
        verbose_name_plural = "统计行存储副本"
        constraints = [models.UniqueConstraint(fields=["year", "month", "project"], name="live_figure_once")]

    def __str__(self) -> str:
        return f"{self.name} {self.year}年{self.month}月"


class FigureStamp(models.Model):
    """一个项目的统计输入变更计数（数据库触发器维护）；project_id 为 0 的一行是全局计数（预警规则、工作日历）.

    Bumped by the database triggers of migration 0003 in the transaction of every write to a table a
    project's figures are computed from: a `LiveFigure` computed before the write no longer matches.
    Triggers, not the services, because every way in (services, admin, imports, bulk statements,
    cascades) must move it, and it costs the request no statement of its own.
    """

    project_id = models.BigIntegerField("项目", primary_key=True)
    n = models.BigIntegerField("变更次数", default=0)

    class Meta:
        verbose_name = "统计输入变更戳"
        verbose_name_plural = "统计输入变更戳"

    def __str__(self) -> str:
        return f"{self.project_id}:{self.n}"


class FreshMark(models.Model):
    """某月的统计行对全部在库项目均为最新的记录（系统维护）：此后无任何变更时，读取不再逐行核对.

    Written by `apps.stats.live.ensure_fresh` when it has brought the rows of every live project up
    to date for (year, month) on `as_of`, with the stamps' total and count read *before* that check.
    Every committed bump raises the total (a stamp only grows, and no stamp row is ever deleted), so
    a mark whose total and count are today's means no input of any row has changed since: the whole
    portfolio's reader skips the row-by-row check (an anti-join over every project, ~40 ms at 20 000).
    Deleting stored rows (a prune, a test, a project's cascade) deletes every mark: a trigger of
    migration 0004, so no deleter has to remember it.
    """

    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份")
    as_of = models.DateField("计算日")
    stamp_total = models.BigIntegerField("变更戳合计")
    stamp_rows = models.BigIntegerField("变更戳行数")

    class Meta:
        verbose_name = "统计行核对记录"
        verbose_name_plural = "统计行核对记录"
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="fresh_mark_once")]

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月 {self.as_of}"
