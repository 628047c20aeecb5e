from django.db import models


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日（休息）"
    MAKEUP_WORKDAY = "workday", "调休上班日"


class DaySource(models.TextChoices):
    PACKAGE = "package", "国务院办公厅通知（chinesecalendar 包）"
    MANUAL = "manual", "手工录入"


class CalendarDay(models.Model):
    """A day that differs from the Monday–Friday rule: a holiday, or a make-up workday (调休).

    Ordinary days have no row. A year counts as known when it has at least one row; a year
    without rows falls back to Monday–Friday and logs a warning.
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
