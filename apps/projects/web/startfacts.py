"""开工信息矛盾: the office's list of projects whose 开工 facts contradict each other.

The rules and the listing are apps/projects/startfacts.py's (the same as `manage.py
check_start_facts`); this page only shows them, each project linked to its dossier and, for whoever
may use the admin, to its edit form. Nothing is corrected here.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from apps.accounts.policy import decide
from apps.projects.models import Project
from apps.projects.startfacts import contradictory_projects


@login_required
def start_facts(request: HttpRequest) -> HttpResponse:
    # No app registers a rule for it, so the office's alone (apps/accounts/policy.py: office_only).
    decision = decide(request.user, "check_start_facts", Project)
    if not decision:
        return render(request, "403.html", {"reason": decision.reason}, status=403)
    found = contradictory_projects()
    return render(
        request,
        "projects/start_facts.html",
        {"found": found, "count": sum(len(f.contradictions) for f in found), "admin_links": request.user.is_staff},
    )


urlpatterns = [
    path("projects/start-facts/", start_facts, name="project-start-facts"),
]
