"""The domain lists with their lights: projects, milestones and problems as the API, the pages and the
OC4IDS feed list them, each row carrying its light (apps.lights.selectors).

They live here, in the derived layer, and not in each domain app's selectors: a light is worked out
from the domain's rows, so a domain app that asked the lights for its own list would import the
layer above it (the cycle lights → projects → lights). Who may change which row:
apps/accounts/policy.py; which projects are a user's own: apps.projects.selectors.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from apps.milestones.models import Milestone
from apps.problems.models import Problem
from apps.projects.models import AnnualPlan, Project, ProjectResponsibility
from apps.projects.notions import on_ledger_q

from .selectors import (
    LightContext,
    annotate_milestone_lights,
    annotate_period_figures,
    annotate_problem_lights,
    annotate_project_lights,
    light_context,
)


def project_list(
    *,
    user,
    today: dt.date | None = None,
    include_archived: bool = False,
    ctx: LightContext | None = None,
    lights: bool = True,
    within: QuerySet | None = None,
) -> QuerySet[Project]:
    """Projects with their light, category, region, lead leader and lead department, in a constant number of queries.

    With `lights=False` the rows carry the period figures but not the light: a caller that shows a
    page sets the page's lights afterwards (`attach_project_lights`), which is far cheaper than
    working out the lights of the whole portfolio to show twenty of them. `within` (a queryset of
    project ids) narrows the list before the lights are worked out: one unit's projects, not all."""
    qs = Project.objects.select_related("category", "region")
    if not include_archived:
        qs = qs.filter(on_ledger_q())
    if within is not None:
        qs = qs.filter(pk__in=within)
    ctx = ctx or light_context(today=today or timezone.localdate())
    qs = annotate_project_lights(qs, ctx) if lights else annotate_period_figures(qs, ctx)
    return qs.prefetch_related(
        Prefetch(
            "responsibilities",
            queryset=ProjectResponsibility.objects.select_related("leader", "department", "reports_to_leader"),
        )
    )


def project_detail_queryset(
    *, user, include_archived: bool = True, ctx: LightContext | None = None, lights: bool = True
) -> QuerySet[Project]:
    return project_list(user=user, include_archived=include_archived, ctx=ctx, lights=lights).prefetch_related(
        Prefetch("annual_plans", queryset=AnnualPlan.objects.order_by("-year"))
    )


def milestone_list(*, user, today: dt.date | None = None) -> QuerySet[Milestone]:
    """Milestones of active projects with `light`, project and department, in one query."""
    qs = Milestone.objects.select_related("project", "responsible_dept").filter(on_ledger_q("project__"))
    return annotate_milestone_lights(qs, light_context(today=today or timezone.localdate()))


def problem_list(*, user, today: dt.date | None = None) -> QuerySet[Problem]:
    qs = Problem.objects.select_related("project", "responsible_dept", "coordinating_leader")
    return annotate_problem_lights(qs, light_context(today=today or timezone.localdate()))
