"""Placeholder until the page lands."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


@login_required
def unit_ranking(request, **kwargs):
    return render(request, "web/placeholder.html", {"heading": "单位排名"})


urlpatterns = [
    path("units/", unit_ranking, name="unit-ranking"),
]
