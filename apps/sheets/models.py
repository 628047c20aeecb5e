from django.conf import settings
from django.db import models

from apps.core.constraints import CheckConstraint


class ImportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "导入中"
    SUCCEEDED = "succeeded", "导入成功"
    FAILED = "failed", "有错误，未导入"
    MAPPING = "mapping", "待对应列"
    PREVIEW = "preview", "待确认"


class ImportKind(models.TextChoices):
    SCHEDULE = "schedule", "调度表"
    HISTORY = "history", "往年完成投资"


class ImportJob(models.Model):
    """一次导入（调度表或往年完成投资）：谁、何时、哪个文件、进度和结果（新增/更新条数或逐行错误）."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    kind = models.CharField("导入内容", max_length=10, choices=ImportKind.choices, default=ImportKind.SCHEDULE)
    file_name = models.CharField("文件名", max_length=255)
    file_size = models.PositiveIntegerField("文件大小（字节）", default=0)
    # The upload itself, until the import has run: a worker on another machine reads it from the
    # database (the web tier keeps no files). Emptied when the job finishes.
    content = models.BinaryField("文件内容", blank=True, editable=False)
    year = models.PositiveSmallIntegerField("年度计划所属年度", null=True, blank=True)
    generate_milestones = models.BooleanField("新增项目生成审批要件", default=False)
    status = models.CharField("状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING, db_index=True)
    total_rows = models.PositiveIntegerField("项目行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    created_count = models.PositiveIntegerField("新增项目", default=0)
    updated_count = models.PositiveIntegerField("更新项目", default=0)
    unchanged_count = models.PositiveIntegerField("未变化项目", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    # What the office is told without the file being refused (the template's example rows skipped).
    notes = models.JSONField("提示", default=list, blank=True)
    sheet_name = models.CharField("工作表", max_length=60, blank=True)
    ignored_headers = models.JSONField("未识别的列", default=list, blank=True)
    unit = models.CharField("金额单位", max_length=10, blank=True)
    task_id = models.CharField("后台任务编号", max_length=64, blank=True)
    # The office's own 调度表 goes through a column-mapping step (when a column is not recognised)
    # and a preview the office confirms; the API and commands import at once (preview=False).
    preview = models.BooleanField("先预览后导入", default=False)
    month = models.PositiveSmallIntegerField("完成投资报告月份", null=True, blank=True)
    layout = models.CharField("表样指纹", max_length=64, blank=True)
    mapping = models.JSONField("列对应", default=dict, blank=True)
    preview_data = models.JSONField("预览", default=dict, blank=True)
    decisions = models.JSONField("确认时的选择", default=dict, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    enqueued_at = models.DateTimeField("入队时间", null=True, blank=True)

    class Meta:
        verbose_name = "调度表导入"
        verbose_name_plural = "调度表导入记录"
        ordering = ("-created_at", "-id")
        constraints = [
            CheckConstraint(
                name="import_job_processed_lte_total",
                condition=models.Q(processed_rows__lte=models.F("total_rows")),
                violation_error_message="已处理行数不能大于项目行数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def waiting(self) -> bool:
        """Waits for the office: the column mapping or the confirmation of the preview."""
        return self.status in (ImportStatus.MAPPING, ImportStatus.PREVIEW)

    @property
    def interrupted(self) -> bool:
        """Failed without a word about the file: a time limit, a lost worker, a crash."""
        return self.status == ImportStatus.FAILED and any(e.get("interrupted") for e in self.errors or [])

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SheetLayout(models.Model):
    """一种调度表表样（表头文字归一后的指纹）及项目办为其未识别列选定的对应：下月同样的表直接进入预览."""

    fingerprint = models.CharField("表样指纹", max_length=64, unique=True)
    headers = models.JSONField("表头", default=list)
    mapping = models.JSONField("列对应", default=dict, blank=True, help_text="表头 → 导入列；空字符串表示有意忽略。")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="设定人", null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("设定时间", auto_now=True)

    class Meta:
        verbose_name = "调度表表样"
        verbose_name_plural = "调度表表样（列对应）"

    def __str__(self) -> str:
        return "、".join(self.headers[:4])
