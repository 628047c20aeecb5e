"""The monthly 通报 as issued, and who receives it.

A bulletin is a document: once generated, its figures, its printable page and its workbook are
kept exactly as they were issued. Regenerating a month adds a new version; nothing is overwritten.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from apps.core.constraints import CheckConstraint


def bulletin_upload_to(instance: "Bulletin", filename: str) -> str:
    return f"bulletins/{instance.year}/{filename}"


class Bulletin(models.Model):
    """一期月度通报（某年某月的第N版）：数字快照、打印页和Excel，按发布时的样子保存。"""

    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份")
    version = models.PositiveSmallIntegerField("版次", default=1)
    title = models.CharField("标题", max_length=120)
    as_of = models.DateField("统计截至", help_text="当月结束前生成的，统计到生成当日；否则统计到月末。")
    generated_at = models.DateTimeField("生成时间")
    # PROTECT: an issued document keeps its author; accounts are deactivated, not deleted.
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="为空表示系统生成（定时任务或服务器命令）。",
    )
    scheduled = models.BooleanField("定时生成", default=False, help_text="由每月定时任务生成（每月至多一份）。")
    figures = models.JSONField("数字快照", default=dict, encoder=DjangoJSONEncoder)
    xlsx = models.FileField("Excel文件", upload_to=bulletin_upload_to, max_length=200)
    html = models.TextField("打印页（发布时的原样）")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    recipients = models.PositiveIntegerField("接收人数", default=0)
    send_note = models.CharField("发送说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "月度通报"
        verbose_name_plural = "月度通报"
        ordering = ("-year", "-month", "-version")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "version"], name="bulletin_version_once", violation_error_message="该月通报的这一版次已存在。"
            ),
            # The beat's idempotence lives here: one scheduled bulletin per month, however often it runs.
            models.UniqueConstraint(
                fields=["year", "month"],
                condition=Q(scheduled=True),
                name="bulletin_one_scheduled_per_month",
                violation_error_message="该月已有系统自动生成的通报。",
            ),
            CheckConstraint(
                name="bulletin_month_range", condition=Q(month__gte=1, month__lte=12), violation_error_message="月份应在1至12之间。"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period_label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def xlsx_filename(self) -> str:
        return f"{self.title}（第{self.version}版）.xlsx"


class BulletinSubscription(models.Model):
    """Whether a user receives the 通报. Users with a leader position receive it unless they opt
    out (active=False); anybody else receives it only with an active row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="bulletin_subscription"
    )
    active = models.BooleanField("接收月度通报", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "通报订阅"
        verbose_name_plural = "通报订阅"

    def __str__(self) -> str:
        return f"{self.user}：{'接收' if self.active else '不接收'}"
