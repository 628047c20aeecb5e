"""Placeholder until the page lands."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


@login_required
def placeholder(request, **kwargs):
    return render(request, "web/placeholder.html", {"heading": "月报"})


urlpatterns = [
    path("projects/<int:pk>/reports/new/", placeholder, name="report-create"),
    path("reports/<int:pk>/", placeholder, name="report-edit"),
    path("reports/review/", placeholder, name="report-review-list"),
    path("reports/<int:pk>/review/", placeholder, name="report-review"),
]
