"""The forms the project offices and the office use from a project's dossier.

Each view asks the policy first (a role that may not gets a Chinese 403 page, never the form),
then hands the parsed input to the same core service the API calls. A refusal comes back as the
service's Chinese messages on the form; success goes back to the dossier, at the item's anchor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.policy import decide
from apps.land.models import LandAcquisition
from apps.land.services import land_acquisition_create, land_acquisition_update
from apps.milestones.models import Milestone, MilestoneStatus
from apps.milestones.services import milestone_complete, milestone_reopen
from apps.problems.models import Problem
from apps.problems.services import problem_close, problem_create, problem_resolve
from apps.projects.models import AnnualPlan, Project
from apps.projects.plans import PLAN_FIELDS, annual_plan_adjust
from apps.projects.services import project_comment_add
from apps.web.forms import (
    LandAcquisitionForm,
    MilestoneCompleteForm,
    MilestoneReopenForm,
    PlanAdjustForm,
    ProblemCloseForm,
    ProblemCreateForm,
    ProblemResolveForm,
    ProjectCommentForm,
    show_service_errors,
)

from .common import call_service


def dossier_url(project: Project | None, anchor: str = "") -> str:
    if project is None:  # a problem outside any project: back to the user's own list
        return reverse("web:mylist")
    url = reverse("web:project-detail", args=[project.pk])
    return f"{url}#{anchor}" if anchor else url


def denied(request: HttpRequest, reason: str, *, back: str) -> HttpResponse:
    return render(request, "403.html", {"reason": reason, "back": back}, status=403)


def form_page(
    request: HttpRequest,
    *,
    verb: str,
    target: models.Model,
    project: Project | None,
    form_class: Callable[..., forms.Form],
    form_kwargs: dict | None = None,
    initial: dict | None = None,
    service: Callable[[dict], Any],
    done: Callable[[Any], tuple[str, str]],
    title: str,
    subject: str,
    submit: str,
    template: str = "web/forms/form.html",
    extra: dict | None = None,
) -> HttpResponse:
    """GET shows the form; POST runs `service(cleaned_data)` and either re-shows the form with the
    service's errors or redirects to `done(value)` = (url, success message).

    The policy is asked before anything is shown, with the same verb and object the service asks."""
    back = dossier_url(project)
    decision = decide(request.user, verb, target)
    if not decision:
        return denied(request, decision.reason, back=back)
    form_kwargs = form_kwargs or {}
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, **form_kwargs)
        status = 400
        if form.is_valid():
            outcome = call_service(service, form.cleaned_data)
            if outcome.ok:
                url, message = done(outcome.value)
                messages.success(request, message)
                return redirect(url)
            show_service_errors(form, outcome.errors)
            status = outcome.status
    else:
        form = form_class(initial=initial, **form_kwargs) if initial is not None else form_class(**form_kwargs)
    context = {"form": form, "title": title, "subject": subject, "submit": submit, "project": project, "back": back, **(extra or {})}
    return render(request, template, context, status=status)


@login_required
def milestone_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("project", "responsible_dept"), pk=pk)
    project = milestone.project

    def run(data: dict) -> Milestone:
        return milestone_complete(
            actor=request.user,
            milestone=milestone,
            actual_date=data["actual_date"],
            doc_number=data.get("doc_number", ""),
            attachment=data.get("attachment"),
        )

    return form_page(
        request,
        verb="complete",
        target=milestone,
        project=project,
        form_class=MilestoneCompleteForm,
        form_kwargs={"milestone": milestone},
        service=run,
        done=lambda m: (dossier_url(project, f"milestone-{m.pk}"), f"“{m.name}”已办结。"),
        title="办结要件/节点",
        subject=f"{project}｜{milestone.name}（计划 {milestone.planned_date or '未定'}）",
        submit="确认办结",
        template="web/forms/milestone_complete.html",
        extra={"milestone": milestone},
    )


@login_required
def milestone_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The office undoes a completion with a reason (kept in the milestone's history)."""
    milestone = get_object_or_404(Milestone.objects.select_related("project", "responsible_dept"), pk=pk)
    project = milestone.project
    return form_page(
        request,
        verb="reopen",
        target=milestone,
        project=project,
        form_class=MilestoneReopenForm,
        service=lambda data: milestone_reopen(actor=request.user, milestone=milestone, reason=data["reason"]),
        done=lambda m: (dossier_url(project, f"milestone-{m.pk}"), f"已撤销“{m.name}”的办结，原因已记入变更记录。"),
        title="撤销办结",
        subject=(
            f"{project}｜{milestone.name}（{milestone.get_status_display()}，实际完成 {milestone.actual_date or '—'}，"
            f"文号 {milestone.doc_number or '—'}）"
        ),
        submit="撤销办结",
    )


MILESTONE_HISTORY_ROWS = 50


@login_required
def milestone_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A milestone's recorded versions, newest first: who completed it, who undid it, when and why."""
    milestone = get_object_or_404(Milestone.objects.select_related("project"), pk=pk)
    records = list(milestone.history.select_related("history_user").order_by("-history_date", "-history_id")[:MILESTONE_HISTORY_ROWS])
    kinds = {"+": "新建", "-": "删除"}
    rows = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if newer.history_type in kinds:
            what = kinds[newer.history_type]
        elif newer.status == MilestoneStatus.DONE and (older is None or older.status != MilestoneStatus.DONE):
            what = "办结"
        elif older is not None and older.status == MilestoneStatus.DONE and newer.status != MilestoneStatus.DONE:
            what = "撤销办结"
        else:
            what = "修改"
        rows.append({"record": newer, "what": what, "who": str(newer.history_user) if newer.history_user else "系统"})
    context = {
        "milestone": milestone,
        "project": milestone.project,
        "rows": rows,
        "back": dossier_url(milestone.project, f"milestone-{pk}"),
    }
    return render(request, "web/forms/milestone_history.html", context)


def comment_box(user, project: Project) -> dict[str, object]:
    """Whether the dossier shows the 批示 box (`comment`), and, where a leader would expect it and it
    is absent, the sentence saying why (`comment_note`); a department or a viewer would not expect it."""
    decision = decide(user, "comment", project)
    note = "" if decision or getattr(user, "role", "") != Role.LEADER else decision.reason
    return {"comment": bool(decision), "comment_note": note}


@login_required
def land_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    return form_page(
        request,
        verb="create",
        target=LandAcquisition(project=project),
        project=project,
        form_class=LandAcquisitionForm,
        initial={"region": project.region_id},
        service=lambda data: land_acquisition_create(actor=request.user, project=project, data=data),
        done=lambda land: (dossier_url(project, f"land-{land.pk}"), f"已新增地块“{land.parcel_name}”的征拆数据。"),
        title="新增征地拆迁地块",
        subject=str(project),
        submit="保存",
    )


@login_required
def land_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    land = get_object_or_404(LandAcquisition.objects.select_related("project"), pk=pk)
    project = land.project
    return form_page(
        request,
        verb="change",
        target=land,
        project=project,
        form_class=LandAcquisitionForm,
        initial=LandAcquisitionForm.initial_from(land),
        service=lambda data: land_acquisition_update(actor=request.user, land=land, data=data),
        done=lambda saved: (dossier_url(project, f"land-{saved.pk}"), f"地块“{saved.parcel_name}”的征拆数据已更新。"),
        title="更新征地拆迁数据",
        subject=f"{project}｜{land.parcel_name}",
        submit="保存",
    )


@login_required
def problem_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    return form_page(
        request,
        verb="create",
        target=Problem(project=project),
        project=project,
        form_class=ProblemCreateForm,
        # A department raises most problems for itself; it may pick another unit.
        initial={"raised_on": timezone.localdate(), "responsible_dept": request.user.department_id},
        service=lambda data: problem_create(actor=request.user, data={**data, "project": project}),
        done=lambda problem: (dossier_url(project, f"problem-{problem.pk}"), "问题已提出，已列入问题清单。"),
        title="提出问题",
        subject=str(project),
        submit="提出问题",
    )


@login_required
def problem_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_object_or_404(Problem.objects.select_related("project", "responsible_dept"), pk=pk)
    return form_page(
        request,
        verb="resolve",
        target=problem,
        project=problem.project,
        form_class=ProblemResolveForm,
        initial={"resolution": problem.resolution},
        service=lambda data: problem_resolve(actor=request.user, problem=problem, resolution=data["resolution"]),
        done=lambda p: (dossier_url(problem.project, f"problem-{p.pk}"), "问题已办结，待项目办销号。"),
        title="办结问题",
        subject=f"{problem.project or '跨项目'}｜{problem.description}",
        submit="确认办结",
    )


@login_required
def problem_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_object_or_404(Problem.objects.select_related("project", "responsible_dept"), pk=pk)
    return form_page(
        request,
        verb="close",
        target=problem,
        project=problem.project,
        form_class=ProblemCloseForm,
        service=lambda data: problem_close(actor=request.user, problem=problem, evidence=data.get("evidence")),
        done=lambda p: (dossier_url(problem.project, f"problem-{p.pk}"), "问题已销号。"),
        title="问题销号",
        subject=f"{problem.project or '跨项目'}｜{problem.description}｜解决情况：{problem.resolution or '—'}",
        submit="确认销号",
    )


@login_required
def project_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    return form_page(
        request,
        verb="comment",
        target=project,
        project=project,
        form_class=ProjectCommentForm,
        service=lambda data: project_comment_add(actor=request.user, project=project, kind=data["kind"], text=data["text"]),
        done=lambda c: (dossier_url(project, "comments"), f"{c.get_kind_display()}已发表。"),
        title="领导批示/意见",
        subject=str(project),
        submit="发表",
    )


@login_required
def plan_adjust_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(AnnualPlan.objects.select_related("project"), pk=pk)
    project = plan.project

    def run(data: dict) -> AnnualPlan:
        values = {name: data[name] for name in PLAN_FIELDS}
        return annual_plan_adjust(actor=request.user, plan=plan, data=values, reason=data["reason"], expected=data["version"])

    return form_page(
        request,
        verb="change",
        target=plan,
        project=project,
        form_class=PlanAdjustForm,
        initial=PlanAdjustForm.initial_from(plan),
        service=run,
        done=lambda saved: (dossier_url(project, "plan-changes"), f"{saved.year}年计划已调整（第{saved.revision}版）。"),
        title="调整计划",
        subject=f"{project}｜{plan.year}年度计划（当前第{plan.revision}版，{plan.annual_plan}万元）",
        submit="保存调整",
    )


urlpatterns = [
    path("milestones/<int:pk>/complete/", milestone_complete_view, name="milestone-complete"),
    path("milestones/<int:pk>/reopen/", milestone_reopen_view, name="milestone-reopen"),
    path("milestones/<int:pk>/history/", milestone_history_view, name="milestone-history"),
    path("projects/<int:pk>/land/new/", land_create_view, name="land-create"),
    path("land/<int:pk>/", land_edit_view, name="land-edit"),
    path("projects/<int:pk>/problems/new/", problem_create_view, name="problem-create"),
    path("problems/<int:pk>/resolve/", problem_resolve_view, name="problem-resolve"),
    path("problems/<int:pk>/close/", problem_close_view, name="problem-close"),
    path("projects/<int:pk>/comments/new/", project_comment_view, name="project-comment"),
    path("plans/<int:pk>/adjust/", plan_adjust_view, name="plan-adjust"),
]
