"""Writes to a project's responsibilities (包保领导, 牵头/配合单位, 属地, 联络员…).

The API, the admin (the project's inline and the responsibility list) and the Excel import call
these three functions; who may set which role is the policy's rule
(apps/projects/rules.py, `department_responsibility`): 包保领导, 牵头、配合 and 属地 — the roles
that decide whose project it is and whom its figures count for — are the office's to assign; a
department keeps its own people (负责人、联络员、专班、驻点干部、业主和施工联系人) on its own
projects. A change is checked twice: the row as stored (may this user touch it) and the row as it
would be saved (may this user make it so). Every write leaves a history row (who, when) and moves
the project's `updated_at`, so sync clients re-read the project whose responsibilities changed.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.policy import require
from apps.accounts.types import Actor
from apps.core.services import apply_fields, save_validated

from .models import Project, ProjectResponsibility

RESPONSIBILITY_FIELDS = frozenset({"role", "leader", "department", "person_name", "phone", "is_primary", "reports_to_leader"})


def _touch(project_id: int, *, actor: Actor) -> None:
    # The project's representation carries its responsibilities: its sync clients must see it move,
    # and a writer who read the project before this change holds an older version (its ETag).
    now = timezone.now()
    Project.objects.filter(pk=project_id).update(
        updated_at=now,
        version=F("version") + 1,
        version_by=actor if getattr(actor, "is_authenticated", False) else None,
        version_at=now,
    )


@transaction.atomic
def responsibility_assign(*, actor: Actor, project: Project, data: dict) -> ProjectResponsibility:
    """Add one responsibility to a project."""
    item = apply_fields(ProjectResponsibility(project=project), data, allowed=set(RESPONSIBILITY_FIELDS))
    require(actor, "create", item)
    save_validated(item, actor=actor)
    _touch(project.pk, actor=actor)
    return item


@transaction.atomic
def responsibility_update(*, actor: Actor, responsibility: ProjectResponsibility, data: dict) -> ProjectResponsibility:
    """Change one responsibility (e.g. the 包保领导 changes hands, a new 联络员 or phone number)."""
    item = ProjectResponsibility.objects.select_for_update().select_related("project").get(pk=responsibility.pk)
    require(actor, "change", item)
    apply_fields(item, data, allowed=set(RESPONSIBILITY_FIELDS))
    require(actor, "change", item)
    save_validated(item, actor=actor)
    _touch(item.project_id, actor=actor)
    return item


@transaction.atomic
def responsibility_remove(*, actor: Actor, responsibility: ProjectResponsibility) -> None:
    """Take a responsibility off a project; its history keeps who removed it and when."""
    item = ProjectResponsibility.objects.select_for_update().select_related("project").get(pk=responsibility.pk)
    require(actor, "delete", item)
    if actor is not None:
        item._history_user = actor
    project_id = item.project_id
    item.delete()
    _touch(project_id, actor=actor)
