"""Placeholder until the page lands."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


@login_required
def project_list(request, **kwargs):
    return render(request, "web/placeholder.html", {"heading": "项目清单"})


urlpatterns = [
    path("projects/", project_list, name="project-list"),
]
