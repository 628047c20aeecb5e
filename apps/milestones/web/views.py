"""The milestone pages of a project's dossier: complete, undo a completion (the office), history.

Each view asks the policy first and hands the parsed input to the same service the API calls
(apps/web/views/forms.form_page)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path

from apps.milestones.models import Milestone, MilestoneStatus
from apps.milestones.services import milestone_complete, milestone_reopen
from apps.web.views.forms import dossier_url, form_page

from .forms import MilestoneCompleteForm, MilestoneReopenForm


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
        template="milestones/milestone_complete.html",
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
    return render(request, "milestones/milestone_history.html", context)


urlpatterns = [
    path("milestones/<int:pk>/complete/", milestone_complete_view, name="milestone-complete"),
    path("milestones/<int:pk>/reopen/", milestone_reopen_view, name="milestone-reopen"),
    path("milestones/<int:pk>/history/", milestone_history_view, name="milestone-history"),
]
