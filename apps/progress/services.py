"""The monthly report and its workflow: draft → submitted → approved, or → returned → submitted.

Approved reports are read-only. Every transition not in TRANSITIONS is refused with a Chinese
message and changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.policy import acting_user, require
from apps.accounts.types import Actor
from apps.core import handoffs
from apps.core.corrections import announce_report_corrected
from apps.core.services import apply_fields, save_validated
from apps.projects.models import Project

from .models import HistoricalCompletion, ProgressReport, ReportStatus

EDITABLE_FIELDS = {"period_completed", "image_progress_text", "image_progress_pct", "problems_text", "next_plan"}
EDITABLE_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)

TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # action: (allowed from, to, Chinese verb)
    "submit": ((ReportStatus.DRAFT, ReportStatus.RETURNED), ReportStatus.SUBMITTED, "提交"),
    "approve": ((ReportStatus.SUBMITTED,), ReportStatus.APPROVED, "审核通过"),
    "return": ((ReportStatus.SUBMITTED,), ReportStatus.RETURNED, "退回"),
}


def _check_transition(report: ProgressReport, action: str) -> str:
    allowed, target, verb = TRANSITIONS[action]
    if report.status not in allowed:
        raise ValidationError(f"月报当前状态为“{report.get_status_display()}”，不能执行“{verb}”。", code="invalid_transition")
    return target


def _check_period(year: int, month: int) -> None:
    today = timezone.localdate()
    if not 1 <= month <= 12:
        raise ValidationError({"month": "月份应在1至12之间。"})
    if (year, month) > (today.year, today.month):
        raise ValidationError({"month": f"不能填报未来报告期（{year}年{month}月）的月报。"})


@transaction.atomic
def progress_report_create(*, actor: Actor, project: Project, year: int, month: int, data: dict, submit: bool = False) -> ProgressReport:
    """Start the report of (project, year, month) as a draft; one report per project and period.
    With `submit`, submit it too: a refused submit leaves no draft behind (one transaction)."""
    author = require(actor, "create", ProgressReport(project=Project.objects.get(pk=project.pk)))
    _check_period(year, month)
    if ProgressReport.objects.filter(project=project, year=year, month=month).exists():
        raise ValidationError(f"该项目{year}年{month}月已有月报，请修改原报告。", code="duplicate_period")
    report = apply_fields(ProgressReport(project=project, year=year, month=month), data, allowed=EDITABLE_FIELDS)
    report.created_by = author
    report = save_validated(report, actor=actor)
    return progress_report_submit(actor=actor, report=report) if submit else report


@transaction.atomic
def progress_report_update(
    *,
    actor: Actor,
    report: ProgressReport,
    data: dict,
    seen: int | None = None,
    submit: bool = False,
) -> ProgressReport:
    """Edit a draft or returned report; submitted and approved reports are read-only.

    `seen` is the version the writer read (apps/core/versioning.py): the report is locked first, so
    of two writers holding the same version the second waits and is then refused in Chinese, naming
    who saved it, with nothing changed. With `submit` the report is submitted in
    the same transaction: a refused submit keeps the edit unsaved too.
    """
    report = ProgressReport.objects.select_for_update(of=("self",)).select_related("project").get(pk=report.pk)
    require(actor, "change", report)
    if report.status not in EDITABLE_STATUSES:
        raise ValidationError(f"月报当前状态为“{report.get_status_display()}”，不能修改。", code="read_only")
    apply_fields(report, data, allowed=EDITABLE_FIELDS)
    report = save_validated(report, actor=actor, seen=seen, savepoint=False)
    return progress_report_submit(actor=actor, report=report) if submit else report


@transaction.atomic
def progress_report_submit(*, actor: Actor, report: ProgressReport) -> ProgressReport:
    """Send a draft or returned report for review."""
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    author = require(actor, "submit", report)
    report.status = _check_transition(report, "submit")
    report.submitted_by = author
    report.submitted_at = timezone.now()
    return save_validated(report, actor=actor)


@transaction.atomic
def progress_report_approve(*, actor: Actor, report: ProgressReport) -> ProgressReport:
    """Accept a submitted report; its figures then count in every statistic."""
    report = ProgressReport.objects.select_for_update(of=("self",)).select_related("project").get(pk=report.pk)
    author = require(actor, "approve", report)
    report.status = _check_transition(report, "approve")
    report.reviewed_by = author
    report.reviewed_at = timezone.now()
    save_validated(report, actor=actor)
    project = report.project
    latest = ProgressReport.objects.filter(project=project, status=ReportStatus.APPROVED).order_by("-year", "-month").first()
    if latest is not None and latest.pk == report.pk and report.image_progress_text:
        project.latest_image_progress = report.image_progress_text[:255]
        save_validated(project, actor=actor)
    handoffs.announce(handoffs.REPORT_APPROVED, report=report, actor=actor)
    return report


@transaction.atomic
def progress_report_return(*, actor: Actor, report: ProgressReport, reason: str) -> ProgressReport:
    """Send a submitted report back with the reviewer's reason (required)."""
    if not (reason or "").strip():
        raise ValidationError({"return_reason": "退回时必须填写退回意见。"})
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    author = require(actor, "return", report)
    report.status = _check_transition(report, "return")
    report.return_reason = reason.strip()
    report.return_count += 1
    report.reviewed_by = author
    report.reviewed_at = timezone.now()
    save_validated(report, actor=actor)
    handoffs.announce(handoffs.REPORT_RETURNED, report=report, actor=actor)
    return report


@transaction.atomic
def historical_completions_save(*, actor: Actor, rows: list[dict], source: str = "") -> tuple[int, int]:
    """Enter or correct 往年完成投资 — each row {project, year, month, completed} — all or none.
    Only for years before this one: from this year on, the month's figure is its approved report.
    Returns (created, updated)."""
    require(actor, "change", HistoricalCompletion)
    this_year = timezone.localdate().year
    created = updated = 0
    for row in rows:
        if row["year"] >= this_year:
            raise ValidationError({"year": f"{row['year']}年的完成投资以月报为准，往年完成投资只能录入{this_year}年以前的年度。"})
        obj = HistoricalCompletion.objects.filter(project=row["project"], year=row["year"], month=row["month"]).first()
        if obj is None:
            obj = HistoricalCompletion(project=row["project"], year=row["year"], month=row["month"])
            created += 1
        elif obj.completed == row["completed"]:
            continue  # unchanged: keeps who entered it and when
        else:
            updated += 1
        obj.completed = row["completed"]
        obj.source = source[:100]
        obj.updated_by = acting_user(actor)
        save_validated(obj, actor=actor)
    return created, updated


CORRECTABLE_FIELDS = EDITABLE_FIELDS


@transaction.atomic
def progress_report_correct(*, actor: Actor, report: ProgressReport, data: dict, reason: str) -> ProgressReport:
    """The office corrects an approved report in the open (更正): a reason is required, the report
    stays approved, its history keeps the revision with the reason, and each changed field gets a
    FigureCorrection (who, when, why, old → new). When the report's month is closed, its frozen
    figures — and the later closed months that include it (年初至今, 累计, next year's 上年同期) — move
    with it in the same transaction, each with its own FigureCorrection. A department's own change
    after the close never moves a closed month: only this correction does."""
    report = ProgressReport.objects.select_for_update(of=("self",)).select_related("project").get(pk=report.pk)
    author = require(actor, "correct", report)
    if not (reason or "").strip():
        raise ValidationError({"reason": "更正月报必须填写更正原因。"})
    if report.status != ReportStatus.APPROVED:
        raise ValidationError(
            f"只能更正审核通过的月报；该月报当前状态为“{report.get_status_display()}”，请按流程修改。", code="not_approved"
        )
    reason = reason.strip()
    before = {name: getattr(report, name) for name in CORRECTABLE_FIELDS}
    apply_fields(report, data, allowed=CORRECTABLE_FIELDS)
    report.full_clean()
    changed = [name for name in sorted(data) if getattr(report, name) != before[name]]
    if not changed:
        raise ValidationError("更正后的内容与原月报相同，无需更正。", code="unchanged")
    report._change_reason = f"更正：{reason}"  # type: ignore[attr-defined]  # the history row carries the reason (django-simple-history, no stubs)
    save_validated(report, actor=actor)
    report.refresh_from_db()  # the values as stored ("300.00", not the "300" given), for the trail
    # The trail (a FigureCorrection per field) and the closed months' frozen figures: the month close's.
    announce_report_corrected(
        actor=actor, corrected_by=author, report=report, before=before, changed=changed, reason=reason, at=timezone.now()
    )
    if "image_progress_text" in changed:
        project = report.project
        latest = ProgressReport.objects.filter(project=project, status=ReportStatus.APPROVED).order_by("-year", "-month").first()
        if latest is not None and latest.pk == report.pk:
            project.latest_image_progress = report.image_progress_text[:255]
            save_validated(project, actor=actor)
    return report


@transaction.atomic
def progress_report_import(*, actor: Actor, project: Project, year: int, month: int, data: dict, source: str) -> tuple[ProgressReport, str]:
    """The month's figures from the office's own 调度表 (apps/sheets). The office is the reviewer,
    so what it imports is the approved figure: a month without a report gets one created,
    submitted and approved by the importing user; a draft or returned one is completed with the
    figures and approved; a submitted one with the same figures is approved; an approved one with
    other figures is corrected in the open with `source` as the reason (progress_report_correct).
    A submitted report with other figures is refused: the department's figure is not overwritten
    unseen. Each step is the service a monthly report goes through. Returns (report, action):
    "created", "approved", "corrected" or "unchanged"."""
    fields = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    report = ProgressReport.objects.filter(project=project, year=year, month=month).first()
    if report is None:
        report = progress_report_create(actor=actor, project=project, year=year, month=month, data=fields, submit=True)
        return progress_report_approve(actor=actor, report=report), "created"
    differs = any(getattr(report, k) != v for k, v in fields.items())
    if report.status == ReportStatus.APPROVED:
        if not differs:
            return report, "unchanged"
        return progress_report_correct(actor=actor, report=report, data=fields, reason=source), "corrected"
    if report.status == ReportStatus.SUBMITTED:
        if differs:
            raise ValidationError(
                f"{year}年{month}月的月报已由责任单位提交、待审核（本月完成 {report.period_completed} 万元），与表中的数字不同："
                "请先审核或退回该月报，再导入。",
                code="submitted_differs",
            )
        return progress_report_approve(actor=actor, report=report), "approved"
    if differs:
        report = progress_report_update(actor=actor, report=report, data=fields)
    report = progress_report_submit(actor=actor, report=report)
    return progress_report_approve(actor=actor, report=report), "approved"
