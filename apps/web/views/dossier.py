"""Placeholder until the page lands."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


@login_required
def project_detail(request, **kwargs):
    return render(request, "web/placeholder.html", {"heading": "项目档案"})


urlpatterns = [
    path("projects/<int:pk>/", project_detail, name="project-detail"),
]
