"""Placeholder until the page lands."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


@login_required
def dashboard(request, **kwargs):
    return render(request, "web/placeholder.html", {"heading": "驾驶舱"})


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
]
