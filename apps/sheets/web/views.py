"""导入调度表 and 导入往年完成投资: the office uploads an Excel file; a small file (by bytes uploaded,
SHEETS_IMPORT_INLINE_BYTES) is imported at once, anything larger by a worker with a progress bar;
the request never parses a large file. A file with any bad row imports nothing and shows every
error (行号, 列, 错误说明); a job whose worker died or ran out of time shows that, and what to do.
The template download is the sheet the import reads best.

What a row may be and who may import are the importer's and the policy's (apps/sheets,
apps/accounts/policy.py); these views only carry the file there and show what came back."""

from __future__ import annotations

import logging

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.accounts.policy import decide
from apps.core.xlsx import xlsx_response
from apps.progress.models import HistoricalCompletion
from apps.sheets.errors import RowError, SheetError
from apps.sheets.history import HistoryImport, history_template
from apps.sheets.importer import TARGET_CHOICES
from apps.sheets.models import ImportJob, ImportKind, ImportStatus
from apps.sheets.services import (
    import_job_confirm,
    import_job_create,
    import_job_fail_if_stale,
    import_job_map,
    import_job_requeue_if_lost,
    import_job_start,
    import_job_worker_state,
)
from apps.sheets.template import template_workbook
from apps.sheets.xlsxread import MB, check_size, max_bytes
from apps.web.views.common import call_service

logger = logging.getLogger(__name__)

RECENT_JOBS = 20
ERRORS_SHOWN = 1000


class ImportForm(forms.Form):
    file = forms.FileField(
        label="调度表文件（.xlsx）",
        error_messages={"required": "请选择要导入的调度表文件。", "empty": "文件是空的（0 字节），请选择填好的调度表。"},
    )
    year = forms.IntegerField(
        label="年度计划所属年度",
        min_value=2000,
        max_value=2100,
        required=False,
        help_text="“年度计划投资”记入此年度；列名写明年份（如“2026年计划投资”）时以列名为准。",
        error_messages={"invalid": "年度应为四位数字，如 2026。", "min_value": "年度不能早于2000年。", "max_value": "年度不能晚于2100年。"},
    )
    month = forms.IntegerField(
        label="完成投资报告月份",
        min_value=1,
        max_value=12,
        required=False,
        help_text="表中完成投资列（本年累计完成、本月完成、形象进度）所属的月份；列名写明月份（如“1-11月完成”）时以列名为准，不填为上月。",
        error_messages={"invalid": "月份应为1至12的数字。", "min_value": "月份应为1至12。", "max_value": "月份应为1至12。"},
    )
    generate_milestones = forms.BooleanField(label="新增项目按投资管理方式生成审批要件", required=False)


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "sheets/forbidden.html", {"reason": reason}, status=403)


def _may_import(request: HttpRequest):
    return decide(request.user, "create", ImportJob)


def _year(request: HttpRequest) -> int:
    """?year= when it makes sense, else this year: a bad value is ignored, never an error page."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except (TypeError, ValueError):
        return today.year
    return year if 2000 <= year <= 2100 else today.year


def _recent_jobs():
    return ImportJob.objects.select_related("created_by").defer("content")[:RECENT_JOBS]


@login_required
@require_http_methods(["GET", "POST"])
def sheet_import(request: HttpRequest) -> HttpResponse:
    decision = _may_import(request)
    if not decision:
        return _forbidden(request, decision.reason)
    today = timezone.localdate()
    form = ImportForm(request.POST or None, request.FILES or None, initial={"year": today.year})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size)  # before a byte of it is read
        except SheetError as exc:
            form.add_error("file", exc.errors[0].message)
        else:
            outcome = call_service(
                import_job_create,
                actor=request.user,
                file_name=upload.name,
                content=upload.read(),
                year=form.cleaned_data.get("year") or today.year,
                month=form.cleaned_data.get("month"),
                generate_milestones=form.cleaned_data.get("generate_milestones", False),
                preview=True,  # the office maps unknown columns and sees the preview before anything is written
            )
            if outcome.ok:
                job = import_job_start(job=outcome.value)
                return redirect("web:sheet-import-job", pk=job.pk)
            for message in outcome.all_messages:
                form.add_error(None, message)
    return render(
        request,
        "sheets/import.html",
        {"form": form, "jobs": _recent_jobs(), "max_mb": max_bytes() // MB, "year": today.year},
    )


@login_required
def sheet_template(request: HttpRequest) -> HttpResponse:
    decision = _may_import(request)
    if not decision:
        return _forbidden(request, decision.reason)
    year = _year(request)
    return xlsx_response(template_workbook(year=year), f"{year}年重点项目调度表（导入模板）.xlsx")


def _job_or_404(pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("created_by").defer("content"), pk=pk)


def _progress(job: ImportJob) -> dict:
    """Where a running job is: its worker writes progress to the result backend (the rows are
    written in one transaction nobody sees before it commits)."""
    done, total, phase = job.processed_rows, job.total_rows, ""
    if job.status == ImportStatus.RUNNING:
        try:
            state = import_job_worker_state(job)
        except Exception as exc:  # the backend is unreachable: the bar waits, the import goes on
            logger.info("调度表导入 %s 的进度读取失败：%s", job.pk, exc)
            state = None
        if state:
            done, total, phase = int(state.get("done", 0)), int(state.get("total", 0)), str(state.get("phase", ""))
    if job.status == ImportStatus.SUCCEEDED:
        done = total = max(job.total_rows, 1)
    percent = int(done * 100 / total) if total else 0
    label = {"reading": "正在读取", "validating": "正在校验", "importing": "正在写入"}.get(phase, job.get_status_display())
    return {
        "status": job.status,
        "label": label,
        "done": done,
        "total": total,
        "percent": max(0, min(percent, 100)),
        "finished": job.is_finished or job.waiting,  # a preview or a mapping step: the page shows it
    }


def _watch(job: ImportJob) -> ImportJob:
    """What the status poll does for a job that is not finished: publish a message the broker never
    took again; end as failed a job whose worker was lost."""
    if job.status == ImportStatus.PENDING:
        import_job_requeue_if_lost(job=job)
    elif job.status == ImportStatus.RUNNING and import_job_fail_if_stale(job=job):
        job = _job_or_404(job.pk)
    return job


@login_required
def sheet_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _may_import(request)
    if not decision:
        return _forbidden(request, decision.reason)
    job = _watch(_job_or_404(pk))
    errors = job.errors or []
    form = ImportForm(initial={"year": job.year or timezone.localdate().year})
    messages = request.session.pop(f"import-{job.pk}-messages", [])
    return render(
        request,
        "sheets/job.html",
        {
            "job": job,
            "progress": _progress(job),
            "errors": errors[:ERRORS_SHOWN],
            "errors_total": len(errors),
            "errors_hidden": max(len(errors) - ERRORS_SHOWN, 0),
            "form": form,
            "max_mb": max_bytes() // MB,
            "jobs": _recent_jobs(),
            "targets": TARGET_CHOICES,
            "messages_here": messages,
            "preview": job.preview_data if job.status in (ImportStatus.PREVIEW, ImportStatus.MAPPING) else {},
        },
    )


@login_required
@require_http_methods(["POST"])
def sheet_import_map(request: HttpRequest, pk: int) -> HttpResponse:
    """The office's column mapping: each unrecognised header → a target, or ignored on purpose."""
    decision = _may_import(request)
    if not decision:
        return _forbidden(request, decision.reason)
    job = _job_or_404(pk)
    unmapped = (job.preview_data or {}).get("unmapped", [])
    mapping = {h: request.POST.get(f"map-{i}", "") for i, h in enumerate(unmapped)}
    outcome = call_service(import_job_map, actor=request.user, job=job, mapping=mapping)
    if outcome.ok:
        import_job_start(job=outcome.value)
    else:
        request.session[f"import-{job.pk}-messages"] = outcome.all_messages
    return redirect("web:sheet-import-job", pk=job.pk)


@login_required
@require_http_methods(["POST"])
def sheet_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """确认导入: what the preview showed, with the office's choices (creations, near namesakes)."""
    decision = _may_import(request)
    if not decision:
        return _forbidden(request, decision.reason)
    job = _job_or_404(pk)
    preview = job.preview_data or {}
    create = [[c["kind"], c["text"]] for i, c in enumerate(preview.get("creations", [])) if request.POST.get(f"create-{i}") == "on"]
    match: dict[str, int] = {}
    new: list[int] = []
    for row in preview.get("rows", []):
        near = row.get("near")
        if near:
            if request.POST.get(f"near-{row['row']}") == "new":
                new.append(row["row"])
            else:
                match[str(row["row"])] = near["id"]
    outcome = call_service(
        import_job_confirm,
        actor=request.user,
        job=job,
        digest=request.POST.get("digest", ""),
        decisions={"create": create, "match": match, "new": new},
    )
    if outcome.ok:
        import_job_start(job=outcome.value)
    else:
        request.session[f"import-{job.pk}-messages"] = outcome.all_messages
    return redirect("web:sheet-import-job", pk=job.pk)


@login_required
def sheet_import_status(request: HttpRequest, pk: int) -> JsonResponse:
    decision = _may_import(request)
    if not decision:
        return JsonResponse({"detail": decision.reason}, status=403)
    job = _watch(_job_or_404(pk))
    return JsonResponse(_progress(job))


class HistoryForm(forms.Form):
    file = forms.FileField(
        label="往年完成投资文件（.xlsx）",
        error_messages={"required": "请选择要导入的文件。", "empty": "文件是空的（0 字节），请选择填好的表格。"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def history_import_page(request: HttpRequest) -> HttpResponse:
    """导入往年完成投资: last years' monthly figures, for the year-on-year growth (同比)."""
    decision = decide(request.user, "change", HistoricalCompletion)
    if not decision:
        return _forbidden(request, decision.reason)
    form = HistoryForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size)  # before a byte of it is read
        except SheetError as exc:
            form.add_error("file", exc.errors[0].message)
        else:
            outcome = call_service(
                import_job_create,
                actor=request.user,
                kind=ImportKind.HISTORY,
                file_name=upload.name,
                content=upload.read(),
                preview=True,  # the office reads month by month what would change, then confirms
            )
            if outcome.ok:
                job = import_job_start(job=outcome.value)
                if not job.is_finished:  # the preview, or a large file the worker reads: the job page
                    return redirect("web:sheet-import-job", pk=job.pk)
                result = _history_result(job)
            else:
                for message in outcome.all_messages:
                    form.add_error(None, message)
    years = HistoricalCompletion.objects.order_by().values("year").annotate(n=Count("id"), projects=Count("project", distinct=True))
    return render(
        request,
        "sheets/history.html",
        {
            "form": form,
            "result": result,
            "years": years.order_by("-year"),
            "max_mb": max_bytes() // MB,
            "year": timezone.localdate().year - 1,
        },
    )


def _history_result(job: ImportJob) -> HistoryImport:
    return HistoryImport(
        rows=job.total_rows,
        created=job.created_count,
        updated=job.updated_count,
        errors=[RowError(e.get("row"), e.get("column", ""), e.get("message", "")) for e in job.errors or []],
    )


@login_required
def history_template_download(request: HttpRequest) -> HttpResponse:
    decision = decide(request.user, "change", HistoricalCompletion)
    if not decision:
        return _forbidden(request, decision.reason)
    year = _year(request) if "year" in request.GET else timezone.localdate().year - 1
    return xlsx_response(history_template(year=year), f"{year}年重点项目逐月完成投资（导入模板）.xlsx")


urlpatterns = [
    path("import/history/", history_import_page, name="history-import"),
    path("import/history/template.xlsx", history_template_download, name="history-template"),
    path("import/", sheet_import, name="sheet-import"),
    path("import/template.xlsx", sheet_template, name="sheet-template"),
    path("import/jobs/<int:pk>/", sheet_import_job, name="sheet-import-job"),
    path("import/jobs/<int:pk>/status/", sheet_import_status, name="sheet-import-status"),
    path("import/jobs/<int:pk>/mapping/", sheet_import_map, name="sheet-import-map"),
    path("import/jobs/<int:pk>/confirm/", sheet_import_confirm, name="sheet-import-confirm"),
]
