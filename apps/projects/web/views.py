"""The project forms' pages of the dossier: 修改项目信息, a leader's 批示/意见 and the office's 调整计划."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from apps.projects.models import AnnualPlan, Project
from apps.projects.plans import PLAN_FIELDS, annual_plan_adjust
from apps.projects.services import project_comment_add, project_update
from apps.web.views.forms import dossier_url, form_page

from .forms import PlanAdjustForm, ProjectCommentForm, ProjectEditForm


@login_required
def project_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """修改项目信息, under the version rule: two offices editing the same project, the second save
    is refused naming who saved first, with what the second typed still in the form."""
    project = get_object_or_404(Project, pk=pk)
    return form_page(
        request,
        verb="change",
        target=project,
        project=project,
        form_class=ProjectEditForm,
        initial=ProjectEditForm.initial_from(project),
        service=lambda data, seen: project_update(actor=request.user, project=project, data=data, seen=seen),
        done=lambda result: (dossier_url(project), "项目信息已保存。" + "".join(f"（{w}）" for w in result.warnings)),
        title="修改项目信息",
        subject=str(project),
        submit="保存",
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
    path("projects/<int:pk>/edit/", project_edit_view, name="project-edit"),
    path("projects/<int:pk>/comments/new/", project_comment_view, name="project-comment"),
    path("plans/<int:pk>/adjust/", plan_adjust_view, name="plan-adjust"),
]
