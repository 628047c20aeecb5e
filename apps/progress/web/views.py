"""The monthly report pages: file a report (save, or save and submit), the office's review queue,
approve or return.

Every write goes through apps/progress/services.py, so a page refuses exactly what the API refuses,
with the same Chinese messages. Which buttons a user sees is the policy's answer
(apps.accounts.policy.may) joined with the service's own table of states (EDITABLE_STATUSES,
TRANSITIONS): a button is shown only when pressing it can succeed."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from apps.accounts.policy import decide, may
from apps.progress.due import FILED_REPORT_STATUSES as FILED
from apps.progress.due import report_period_owed
from apps.progress.models import ProgressReport, ReportStatus
from apps.progress.selectors import progress_report_list
from apps.progress.services import (
    EDITABLE_STATUSES,
    TRANSITIONS,
    progress_report_approve,
    progress_report_create,
    progress_report_return,
    progress_report_update,
)
from apps.projects.models import Project
from apps.stats.selectors import report_plan_figures
from apps.web.views.common import call_service
from apps.workcalendar.periods import Period, latest_report_period

from .forms import ReportCreateForm, ReportEditForm, ReturnForm

REVIEW_PAGE_SIZE = 50
HISTORY_ROWS = 20
CHOOSE_ACTION = "请选择要执行的操作。"


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "403.html", {"reason": reason}, status=403)


def _dossier_url(project_id: int) -> str:
    return reverse("web:project-detail", args=[project_id]) + "#reports"


def _period(report: ProgressReport) -> str:
    return f"{report.year}年{report.month}月"


def _requested_period(request: HttpRequest) -> tuple[int, int] | None:
    """?year=2026&month=9 (a link to an earlier overdue period) or ?period=2026-09 (the period
    picker); anything malformed is ignored."""
    if request.GET.get("period"):
        try:
            chosen = Period.parse(request.GET["period"])
        except ValueError:
            return None
        return chosen.year, chosen.month
    year, month = request.GET.get("year", ""), request.GET.get("month", "")
    if not (year.isascii() and year.isdigit() and month.isascii() and month.isdigit()) or len(year) != 4 or len(month) > 2:
        return None
    return int(year), int(month)


# --- which buttons a user sees ---------------------------------------------------------------


@dataclass(frozen=True)
class Buttons:
    save: bool = False
    submit: bool = False
    approve: bool = False
    return_: bool = False

    @property
    def review(self) -> bool:
        return self.approve or self.return_


def buttons_for(user, report: ProgressReport) -> Buttons:
    """What `user` may do to `report` now: the policy's answer and the workflow's allowed states."""
    save = report.status in EDITABLE_STATUSES and may(user, "change", report)
    submit = save and report.status in TRANSITIONS["submit"][0] and may(user, "submit", report)
    approve = report.status in TRANSITIONS["approve"][0] and may(user, "approve", report)
    return_ = report.status in TRANSITIONS["return"][0] and may(user, "return", report)
    return Buttons(save=save, submit=submit, approve=approve, return_=return_)


def _history(report: ProgressReport) -> list:
    """The report's recorded versions, newest first: who saved, submitted, approved or returned it, and when."""
    return list(report.history.select_related("history_user").order_by("-history_date", "-history_id")[:HISTORY_ROWS])


# --- the period picker ------------------------------------------------------------------------

PICKER_MONTHS = 13  # this month and the twelve before it


@dataclass(frozen=True)
class PeriodChoice:
    key: str
    label: str
    selected: bool


def period_choices(project: Project, today, selected: tuple[int, int]) -> list[PeriodChoice]:
    """This month and the twelve before it, newest first, each with the state of its report."""
    states = dict(
        ((year, month), label)
        for year, month, label in (
            (r.year, r.month, r.get_status_display())
            for r in ProgressReport.objects.filter(project=project).only("year", "month", "status")
        )
    )
    choices, period = [], Period.of(today)
    for _ in range(PICKER_MONTHS):
        state = states.get((period.year, period.month), "未填报")
        choices.append(PeriodChoice(period.key, f"{period.label}（{state}）", (period.year, period.month) == selected))
        period = period.previous
    return choices


# --- pages -----------------------------------------------------------------------------------


@login_required
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    """File the monthly report of a project; year and month start at the period due now."""
    project = get_object_or_404(Project, pk=pk)
    decision = decide(request.user, "create", ProgressReport(project=project))
    if not decision:
        return _forbidden(request, decision.reason)
    if request.method == "POST":
        form = ReportCreateForm(request.POST)
        action = request.POST.get("action", "save")
        if action not in ("save", "submit"):
            form.is_valid()
            form.add_error(None, CHOOSE_ACTION)
        elif form.is_valid():
            submit = action == "submit"
            outcome = call_service(
                progress_report_create,
                actor=request.user,
                project=project,
                year=form.cleaned_data["year"],
                month=form.cleaned_data["month"],
                data=form.content(),
                submit=submit,
            )
            if outcome.ok:
                report = outcome.value
                if submit:
                    messages.success(request, f"已提交{_period(report)}月报，等待项目办审核。")
                else:
                    messages.success(request, f"已保存{_period(report)}月报（草稿，尚未提交）。")
                return redirect(_dossier_url(project.pk))
            form.add_service_errors(outcome.errors)
    else:
        today = timezone.localdate()
        requested = _requested_period(request)
        if requested is not None:
            year, month = requested
        else:
            # The month that is due: the earliest report the project owes (a draft or a returned
            # one opens for editing below), not the latest month, which may be filed already.
            owed = report_period_owed(project, today) or latest_report_period(today)
            if ProgressReport.objects.filter(project=project, year=owed.year, month=owed.month, status__in=FILED).exists():
                # Nothing is owed and the latest month is filed: open this month, saying why.
                owed = Period.of(today)
                messages.info(
                    request,
                    f"截至今日，该项目应报的月报均已报送。如需填报{owed.label}或其他月份，请在“报告期”中选择。",
                )
            year, month = owed.year, owed.month
        existing = ProgressReport.objects.filter(project=project, year=year, month=month).first()
        if existing is not None:
            messages.info(request, f"该项目{year}年{month}月已有月报，已为您打开原报告。")
            return redirect("web:report-edit", pk=existing.pk)
        form = ReportCreateForm(initial={"year": year, "month": month})
    selected = (form["year"].value(), form["month"].value())
    try:
        selected = (int(selected[0]), int(selected[1]))
    except (TypeError, ValueError):
        selected = (0, 0)
    choices = period_choices(project, timezone.localdate(), selected)
    return render(request, "progress/report_form.html", {"project": project, "form": form, "periods": choices})


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A report: its state, return reason and history; the form when the user may still change it."""
    report = get_object_or_404(progress_report_list(user=request.user), pk=pk)
    buttons = buttons_for(request.user, report)
    errors: list[str] = []
    form = None
    status = 200  # a form with errors is re-shown as before; a refusal of the policy is a 403
    if request.method == "POST":
        form = ReportEditForm(request.POST)
        action = request.POST.get("action", "save")
        if action not in ("save", "submit"):
            form.is_valid()
            form.add_error(None, CHOOSE_ACTION)
        elif form.is_valid():
            submit = action == "submit"
            outcome = call_service(
                progress_report_update,
                actor=request.user,
                report=report,
                data=form.content(),
                seen=form.cleaned_data["version"],
                submit=submit,
            )
            if outcome.ok:
                if submit:
                    messages.success(request, f"已提交{_period(report)}月报，等待项目办审核。")
                else:
                    messages.success(request, f"已保存{_period(report)}月报的修改。")
                return redirect(_dossier_url(report.project_id))
            form.add_service_errors(outcome.errors)
            status = 403 if outcome.denied else status
        if not buttons.save:  # a read-only page shows the refusal above the report
            errors = [m for ms in form.errors.values() for m in ms]
            form = None
    elif buttons.save:
        initial = {name: getattr(report, name) for name in ReportEditForm.base_fields if name != "version"}
        form = ReportEditForm(initial={**initial, "version": report.version})
    return render(
        request,
        "progress/report_detail.html",
        {"report": report, "form": form, "buttons": buttons, "errors": errors, "history": _history(report)},
        status=status,
    )


@login_required
def report_review_list(request: HttpRequest) -> HttpResponse:
    """The office's queue: submitted reports, oldest submission first, in a constant number of queries."""
    decision = decide(request.user, "approve", ProgressReport)
    if not decision:
        return _forbidden(request, decision.reason)
    reports = (
        progress_report_list(user=request.user)
        .filter(status=ReportStatus.SUBMITTED)
        .select_related("submitted_by__department")
        # A report with no submission time (loaded, not submitted through a service) counts as the oldest.
        .order_by(F("submitted_at").asc(nulls_first=True), "id")
    )
    page = Paginator(reports, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "progress/review_list.html", {"page": page})


@login_required
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A submitted report against the project's plan; 审核通过 and 退回 for whoever may use them."""
    report = get_object_or_404(progress_report_list(user=request.user), pk=pk)
    buttons = buttons_for(request.user, report)
    return_form = ReturnForm()
    errors: list[str] = []
    status = 200  # errors are shown above the report as before; a refusal of the policy is a 403
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "approve":
            outcome = call_service(progress_report_approve, actor=request.user, report=report)
            if outcome.ok:
                messages.success(request, f"已审核通过“{report.project.name}”{_period(report)}月报。")
                return redirect("web:report-review-list")
            errors = outcome.all_messages
            status = 403 if outcome.denied else status
        elif action == "return":
            return_form = ReturnForm(request.POST)
            return_form.is_valid()
            reason = return_form.cleaned_data.get("return_reason", "")
            outcome = call_service(progress_report_return, actor=request.user, report=report, reason=reason)
            if outcome.ok:
                messages.success(request, f"已退回“{report.project.name}”{_period(report)}月报，待责任单位修改后重新提交。")
                return redirect("web:report-review-list")
            return_form.add_service_errors(outcome.errors)
            status = 403 if outcome.denied else status
            if not buttons.return_:  # no return form on this page: the refusal goes above the report
                errors = outcome.all_messages
        else:
            errors = [CHOOSE_ACTION]
    return render(
        request,
        "progress/review.html",
        {
            "report": report,
            "buttons": buttons,
            "return_form": return_form,
            "errors": errors,
            "plan": report_plan_figures(report),
            "review_list": may(request.user, "approve", ProgressReport),
        },
        status=status,
    )


urlpatterns = [
    path("projects/<int:pk>/reports/new/", report_create, name="report-create"),
    path("reports/<int:pk>/", report_edit, name="report-edit"),
    path("reports/review/", report_review_list, name="report-review-list"),
    path("reports/<int:pk>/review/", report_review, name="report-review"),
]
