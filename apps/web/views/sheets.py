"""Placeholder until the page lands."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


@login_required
def sheet_import(request, **kwargs):
    return render(request, "web/placeholder.html", {"heading": "导入调度表"})


urlpatterns = [
    path("import/", sheet_import, name="sheet-import"),
]
