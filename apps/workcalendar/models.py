from django.db import models

from apps.core.constraints import CheckConstraint
from apps.core.versioning import Versioned


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日（休息）"
    MAKEUP_WORKDAY = "workday", "调休上班日"


class DaySource(models.TextChoices):
    PACKAGE = "package", "国务院办公厅通知（chinesecalendar 包）"
    MANUAL = "manual", "手工录入"


class CalendarDay(Versioned):
    """A day that differs from the Monday–Friday rule: a holiday, or a make-up workday (调休).

    Ordinary days have no row. Whether a year is complete is CalendarYear's; days of an incomplete
    year that have no row fall back to Monday–Friday, with a logged warning.
    """

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=DayKind.choices)
    name = models.CharField("节日名称", max_length=40, blank=True)
    source = models.CharField("来源", max_length=10, choices=DaySource.choices, default=DaySource.MANUAL)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "节假日/调休日"
        verbose_name_plural = "工作日历（节假日与调休）"
        ordering = ("date",)

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()

    @property
    def is_workday(self) -> bool:
        return self.kind == DayKind.MAKEUP_WORKDAY


class CalendarYear(models.Model):
    """Whether a year's holidays and make-up workdays are all entered.

    A year is known only when it is complete: the package provides it, or the office marks it
    complete after entering its days. One entered day does not make a year known: until the
    office marks it, the rest of the year counts Monday–Friday and the system keeps warning.
    """

    year = models.PositiveSmallIntegerField("年份", unique=True)
    complete = models.BooleanField("已完整录入", default=False, help_text="该年全部法定节假日和调休上班日都已录入。")
    source = models.CharField("来源", max_length=10, choices=DaySource.choices, default=DaySource.MANUAL)
    marked_by = models.ForeignKey(
        "accounts.User", verbose_name="确认人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "日历年度"
        verbose_name_plural = "工作日历年度（是否完整）"
        ordering = ("-year",)
        constraints = [
            CheckConstraint(
                name="calendar_year_range",
                condition=models.Q(year__gte=2000, year__lte=2100),
                violation_error_message="年份应在2000至2100之间。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年（{'已完整' if self.complete else '未完整'}）"
