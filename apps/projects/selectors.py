"""Reads of the ledger (the lists with their lights: apps.lights.lists). Which projects are a user's own is decided here; what a user may do to them, in apps/accounts/policy.py.

Everyone signed in reads the whole portfolio (DESIGN.md §1: leaders and other systems read all).
A department user changes only its "own" projects: those where its department holds a 牵头,
配合 or 属地 responsibility; and items (milestones, problems) its department is responsible for.
A leader's own projects are those where it is the 包保 leader.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.models import Role
from apps.accounts.policy import is_office

from .models import DEPARTMENT_ROLES, AnnualPlan, Project, ProjectResponsibility, ResponsibilityRole

DEPT_ROLES = DEPARTMENT_ROLES  # the name other apps import


def own_projects_q(user, prefix: str = "") -> Q:
    """A Q on Project (or on a model with `project` when prefix="project__") for the user's own projects."""
    if is_office(user):
        return Q()
    if user.role == Role.DEPARTMENT and user.department_id:
        ids = ProjectResponsibility.objects.filter(role__in=DEPT_ROLES, department_id=user.department_id).values("project_id")
        return Q(**{f"{prefix}pk__in": ids})
    if user.role == Role.LEADER and user.leader_id:
        ids = ProjectResponsibility.objects.filter(role=ResponsibilityRole.LEAD_LEADER, leader_id=user.leader_id).values("project_id")
        return Q(**{f"{prefix}pk__in": ids})
    return Q(pk__in=[])


def leader_answers_q(leader_id: int, prefix: str = "") -> Q:
    """A Q on Project (prefix as in own_projects_q) for the projects a leader answers for in any
    leader role: its 包保（联系/挂点）领导, the 直报领导 a responsibility reports to, or the 协调领导
    of one of its problems. Such a leader may 批示 there; its own projects (lists, figures,
    phone numbers) stay the 包保 ones."""
    lead = ProjectResponsibility.objects.filter(role=ResponsibilityRole.LEAD_LEADER, leader_id=leader_id).values("project_id")
    direct = ProjectResponsibility.objects.filter(reports_to_leader_id=leader_id).values("project_id")
    from apps.problems.models import Problem  # problems depend on projects, not the other way round

    coordinating = Problem.objects.filter(coordinating_leader_id=leader_id, project__isnull=False).values("project_id")
    return Q(**{f"{prefix}pk__in": lead}) | Q(**{f"{prefix}pk__in": direct}) | Q(**{f"{prefix}pk__in": coordinating})


def annual_plan_list(*, user) -> QuerySet[AnnualPlan]:
    return AnnualPlan.objects.select_related("project").prefetch_related("monthly_targets")


ROLE_ORDER = {role: i for i, role in enumerate(ResponsibilityRole.values)}


def responsibility_rows(project: Project, *, fresh: bool = False) -> list[ProjectResponsibility]:
    """A project's responsibilities in the order of the roles (包保领导, 牵头, 配合…), primary first.

    From the project's prefetch (apps.lights.lists.project_detail_queryset: no query per row), or with `fresh` read
    again in one query, as after a write."""
    if fresh or "responsibilities" not in getattr(project, "_prefetched_objects_cache", {}):
        rows = list(ProjectResponsibility.objects.filter(project=project).select_related("leader", "department", "reports_to_leader"))
        for row in rows:
            row.project = project
    else:
        rows = list(project.responsibilities.all())
    return sorted(rows, key=lambda r: (ROLE_ORDER.get(r.role, len(ROLE_ORDER)), not r.is_primary, r.pk))
