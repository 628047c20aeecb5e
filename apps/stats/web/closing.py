"""The office's month-close page (月度关账) and the correction form of an approved report (更正).

Every write goes through apps/stats/closing.py or apps/progress/services.py, so the page refuses
exactly what the API refuses, with the same Chinese messages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from apps.accounts.policy import decide
from apps.lights.models import RuleCode
from apps.lights.selectors import rule_thresholds
from apps.progress.selectors import progress_report_list
from apps.progress.services import progress_report_correct
from apps.progress.web.forms import CONTENT_FIELDS, ReportContentForm
from apps.stats.closing import close_days, close_setting, close_setting_save, period_close, period_list, period_reopen
from apps.stats.models import PeriodClose
from apps.web.views.common import call_service
from apps.workcalendar.periods import Period


class CloseSettingForm(forms.Form):
    auto_close = forms.BooleanField(label="自动关账", required=False)
    working_days_after_deadline = forms.IntegerField(
        label="月报截止日后第几个工作日关账",
        min_value=0,
        max_value=20,
        error_messages={
            "required": "请填写工作日数。",
            "invalid": "工作日数应为整数。",
            "min_value": "不能小于0。",
            "max_value": "不能大于20。",
        },
    )


class ReasonForm(forms.Form):
    # Not required here: an empty reason gets the service's own refusal, the API's message.
    reason = forms.CharField(label="原因", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CorrectForm(ReportContentForm):
    reason = forms.CharField(label="更正原因（必填）", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "403.html", {"reason": reason}, status=403)


def _period_from(request: HttpRequest) -> Period | None:
    try:
        return Period.parse(request.POST.get("period", ""))
    except ValueError:
        return None


@login_required
def period_close_page(request: HttpRequest) -> HttpResponse:
    """The periods with their close state; close, reopen (with a reason), and the automatic-close setting."""
    decision = decide(request.user, "close", PeriodClose)
    if not decision:
        return _forbidden(request, decision.reason)
    errors: list[str] = []
    status = 200
    setting = close_setting()
    setting_form = CloseSettingForm(
        initial={"auto_close": setting.auto_close, "working_days_after_deadline": setting.working_days_after_deadline}
    )
    if request.method == "POST":
        action = request.POST.get("action")
        period = _period_from(request)
        if action == "setting":
            setting_form = CloseSettingForm(request.POST)
            if setting_form.is_valid():
                outcome = call_service(close_setting_save, actor=request.user, **setting_form.cleaned_data)
                if outcome.ok:
                    messages.success(request, "已保存自动关账设置。")
                    return redirect("web:period-close")
                errors = outcome.all_messages
            status = 400
        elif action in ("close", "reopen") and period is not None:
            if action == "close":
                outcome = call_service(period_close, actor=request.user, year=period.year, month=period.month)
                done = f"已关账：{period.label}的数字、预警灯和逾期事项已按月末冻结。"
            else:
                form = ReasonForm(request.POST)
                form.is_valid()
                reason = form.cleaned_data.get("reason", "")
                outcome = call_service(period_reopen, actor=request.user, year=period.year, month=period.month, reason=reason)
                done = f"已重新打开{period.label}：该月恢复按实时数字统计。"
            if outcome.ok:
                messages.success(request, done)
                return redirect("web:period-close")
            errors, status = outcome.all_messages, outcome.status
        else:
            errors, status = ["请选择要执行的操作。"], 400
    today = timezone.localdate()
    rows = period_list(today=today)
    closing = close_days([Period(row["year"], row["month"]) for row in rows if row["status"] == "open"], setting)
    for row in rows:
        row["close_day"] = closing.get(Period(row["year"], row["month"]))
    return render(
        request,
        "stats/closing/periods.html",
        {
            "rows": rows,
            "setting": setting,
            "setting_form": setting_form,
            "errors": errors,
            "due_day": rule_thresholds(RuleCode.REPORT_FILING).report_due_day,
        },
        status=status,
    )


@login_required
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """The office corrects an approved report (更正) with a reason; the report stays approved."""
    report = get_object_or_404(progress_report_list(user=request.user).select_related("project"), pk=pk)
    decision = decide(request.user, "correct", report)
    if not decision:
        return _forbidden(request, decision.reason)
    status = 200
    if request.method == "POST":
        form = CorrectForm(request.POST)
        if form.is_valid():
            outcome = call_service(
                progress_report_correct, actor=request.user, report=report, data=form.content(), reason=form.cleaned_data["reason"]
            )
            if outcome.ok:
                messages.success(request, f"已更正“{report.project.name}”{report.year}年{report.month}月月报，更正记录已留存。")
                return redirect(reverse("web:project-detail", args=[report.project_id]) + "#corrections")
            form.add_service_errors(outcome.errors)
            status = outcome.status
        else:
            status = 400
    else:
        form = CorrectForm(initial={name: getattr(report, name) for name in CONTENT_FIELDS})
    return render(request, "stats/closing/report_correct.html", {"report": report, "form": form}, status=status)


urlpatterns = [
    path("periods/", period_close_page, name="period-close"),
    path("reports/<int:pk>/correct/", report_correct, name="report-correct"),
]
