"""Problem and notice reads, with lights; who may change which problem."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from apps.lights.selectors import annotate_problem_lights, light_context
from apps.projects.selectors import is_office, project_is_own

from .models import Problem, SupervisionNotice


def problem_list(*, user, today: dt.date | None = None) -> QuerySet[Problem]:
    qs = Problem.objects.select_related("project", "responsible_dept", "coordinating_leader")
    return annotate_problem_lights(qs, light_context(today=today or timezone.localdate()))


def problem_is_own(user, problem: Problem) -> bool:
    if is_office(user):
        return True
    if user.role != "department":
        return False
    if user.department_id and problem.responsible_dept_id == user.department_id:
        return True
    return problem.project_id is not None and project_is_own(user, problem.project)


def problem_can_raise(user, *, project, responsible_dept) -> bool:
    """The office raises any problem; a department only on its own projects or for itself."""
    if is_office(user):
        return True
    if project is not None and project_is_own(user, project):
        return True
    return user.role == "department" and responsible_dept.pk == user.department_id


def notice_list(*, user) -> QuerySet[SupervisionNotice]:
    return SupervisionNotice.objects.select_related("target_dept").prefetch_related("projects", "problems")
