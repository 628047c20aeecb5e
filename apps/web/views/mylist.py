"""Placeholder until the page lands."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


@login_required
def mylist(request, **kwargs):
    return render(request, "web/placeholder.html", {"heading": "我的清单"})


urlpatterns = [
    path("my/", mylist, name="mylist"),
]
