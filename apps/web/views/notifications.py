"""Placeholder until the page lands."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


@login_required
def notifications(request, **kwargs):
    return render(request, "web/placeholder.html", {"heading": "站内消息"})


urlpatterns = [
    path("notifications/", notifications, name="notifications"),
]
