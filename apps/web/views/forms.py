"""The one form page every app's dossier forms use (apps/<app>/web/views.py): `form_page`.

Each view asks the policy first (a role that may not gets a Chinese 403 page, never the form),
then hands the parsed input to the same core service the API calls. A refusal comes back as the
service's Chinese messages on the form; success goes back to the dossier, at the item's anchor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounts.policy import decide
from apps.core.versioning import Versioned, version_field
from apps.projects.models import Project
from apps.web.forms import show_service_errors

from .common import call_service


def dossier_url(project: Project | None, anchor: str = "") -> str:
    if project is None:  # a problem outside any project: back to the user's own list
        return reverse("web:mylist")
    url = reverse("web:project-detail", args=[project.pk])
    return f"{url}#{anchor}" if anchor else url


def denied(request: HttpRequest, reason: str, *, back: str) -> HttpResponse:
    return render(request, "403.html", {"reason": reason, "back": back}, status=403)


def form_page(
    request: HttpRequest,
    *,
    verb: str,
    target: models.Model,
    project: Project | None,
    form_class: Callable[..., forms.Form],
    form_kwargs: dict | None = None,
    initial: dict | None = None,
    service: Callable[..., Any],
    done: Callable[[Any], tuple[str, str]],
    title: str,
    subject: str,
    submit: str,
    template: str = "web/forms/form.html",
    extra: dict | None = None,
) -> HttpResponse:
    """GET shows the form; POST runs `service(cleaned_data)` and either re-shows the form with the
    service's errors or redirects to `done(value)` = (url, success message).

    The policy is asked before anything is shown, with the same verb and object the service asks.
    A change of a versioned row (apps/core/versioning.py) carries the version the page was opened
    on in a hidden field, and runs `service(cleaned_data, seen)`: a save over someone else's newer
    one is refused, naming who made it, and the form comes back with what the user typed."""
    back = dossier_url(project)
    decision = decide(request.user, verb, target)
    if not decision:
        return denied(request, decision.reason, back=back)
    form_kwargs = form_kwargs or {}
    status = 200
    versioned = verb == "change" and isinstance(target, Versioned) and target.pk is not None
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, **form_kwargs)
        if versioned:
            form.fields["version"] = version_field()
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            if versioned:
                seen = data.pop("version")
                outcome = call_service(lambda values: service(values, seen), data)
            else:
                outcome = call_service(service, data)
            if outcome.ok:
                url, message = done(outcome.value)
                messages.success(request, message)
                return redirect(url)
            show_service_errors(form, outcome.errors)
            status = outcome.status
    else:
        form = form_class(initial=initial, **form_kwargs) if initial is not None else form_class(**form_kwargs)
        if versioned:
            form.fields["version"] = version_field()
            form.initial["version"] = target.version
    context = {"form": form, "title": title, "subject": subject, "submit": submit, "project": project, "back": back, **(extra or {})}
    return render(request, template, context, status=status)
