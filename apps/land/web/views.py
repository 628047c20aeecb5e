"""The land pages of a project's dossier: add a parcel, update its figures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from apps.land.models import LandAcquisition
from apps.land.services import land_acquisition_create, land_acquisition_update
from apps.projects.models import Project
from apps.web.views.forms import dossier_url, form_page

from .forms import LandAcquisitionForm


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
        service=lambda data, seen: land_acquisition_update(actor=request.user, land=land, data=data, seen=seen),
        done=lambda saved: (dossier_url(project, f"land-{saved.pk}"), f"地块“{saved.parcel_name}”的征拆数据已更新。"),
        title="更新征地拆迁数据",
        subject=f"{project}｜{land.parcel_name}",
        submit="保存",
    )


urlpatterns = [
    path("projects/<int:pk>/land/new/", land_create_view, name="land-create"),
    path("land/<int:pk>/", land_edit_view, name="land-edit"),
]
