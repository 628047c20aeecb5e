"""The problem pages of a project's dossier: raise a problem, resolve it, close it (the office)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone

from apps.problems.models import Problem
from apps.problems.services import problem_close, problem_create, problem_resolve
from apps.projects.models import Project
from apps.web.views.forms import dossier_url, form_page

from .forms import ProblemCloseForm, ProblemCreateForm, ProblemResolveForm


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


urlpatterns = [
    path("projects/<int:pk>/problems/new/", problem_create_view, name="problem-create"),
    path("problems/<int:pk>/resolve/", problem_resolve_view, name="problem-resolve"),
    path("problems/<int:pk>/close/", problem_close_view, name="problem-close"),
]
