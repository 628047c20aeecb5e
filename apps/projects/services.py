"""Writes to the project ledger. Every function takes the acting user as `actor`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from apps.accounts.policy import require
from apps.accounts.types import Actor
from apps.core import handoffs
from apps.core.services import apply_fields, save_validated
from apps.core.versioning import VERSION_FIELDS

from . import startfacts
from .models import CommentKind, Project, ProjectComment

PROJECT_FIELDS = {
    f.name
    for f in Project._meta.get_fields()
    if getattr(f, "concrete", False)
    and not f.auto_created
    and f.name not in {"created_at", "updated_at", "created_by", "code_warning", "archived_at", *VERSION_FIELDS}
}


# 入库纳统 is the office's record of the 统计局's database (policy verb "set_stats_db").
STATS_DB_FIELDS = ("in_stats_db", "stats_code", "stats_entry_date", "not_in_stats_reason")


def _require_stats_db(actor: Actor, project: Project, data: dict) -> None:
    if any(f in data and data[f] != getattr(project, f) for f in STATS_DB_FIELDS):
        require(actor, "set_stats_db", project)


# Annual plans: apps/projects/plans.py (create once, then 调整计划 with reason and version);
# responsibilities: apps/projects/responsibilities.py.


@dataclass
class ProjectResult:
    project: Project
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def project_create(*, actor: Actor, data: dict, generate_milestones: bool = False) -> ProjectResult:
    """Register a project; a legacy code is accepted only with `code_is_legacy` and comes back as a warning.

    With `generate_milestones`, its approval milestones come from the template of its investment
    mode in the same transaction (a mode without a template has none to generate).
    """
    touched = startfacts.touched_facts(Project(), data, startfacts.PROJECT_FACTS)
    project = apply_fields(Project(), data, allowed=PROJECT_FIELDS)
    author = require(actor, "create", project)
    _require_stats_db(actor, Project(), data)
    project.created_by = author
    startfacts.bring_status_along(project, touched)
    save_validated(project, actor=actor)
    startfacts.check_project_write(project)  # a new project's 开工 facts must agree (refused: rolled back)
    if generate_milestones:
        # Imported here: the milestones app builds on projects, not the other way round.
        from apps.milestones.models import ApprovalTemplate
        from apps.milestones.services import milestone_generate_from_template

        if ApprovalTemplate.objects.filter(investment_mode=project.investment_mode).exists():
            milestone_generate_from_template(actor=actor, project=project)
    return ProjectResult(project=project, warnings=[project.code_warning] if project.code_warning else [])


@transaction.atomic
def project_update(*, actor: Actor, project: Project, data: dict, seen: int | None = None, as_read: bool = False) -> ProjectResult:
    """Change ledger fields; nothing is saved when any field is invalid, or when the project was
    saved by someone else since the writer read version `seen`.

    `as_read`: `project` is the row as the caller read it, unchanged since (the API's), not one a
    form has already written into (the admin's). At version `seen` it is then not read again: every
    write counts the version up, so the row still holds what was read exactly when the versioned
    UPDATE (apps/core/versioning.py) finds version `seen`, and a write that lost the race is refused
    there. Otherwise the row is read again under a lock."""
    if not (as_read and seen is not None and project.version == seen):
        project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, "change", project)
    if "pool_stage" in data and data["pool_stage"] != project.pool_stage:
        # 入库/退库 decides whether the project's items are due at all: the office's call.
        require(actor, "set_pool_stage", project)
    _require_stats_db(actor, project, data)
    touched = startfacts.touched_facts(project, data, startfacts.PROJECT_FACTS)
    apply_fields(project, data, allowed=PROJECT_FIELDS)
    startfacts.bring_status_along(project, touched)
    save_validated(project, actor=actor, seen=seen, savepoint=False)
    if touched:  # only a write that touches the 开工 facts is judged: legacy rows stay editable
        startfacts.check_project_write(project)
    return ProjectResult(project=project, warnings=[project.code_warning] if project.code_warning else [])


@transaction.atomic
def project_archive(*, actor: Actor, project: Project) -> Project:
    """Take a project off the ledger (退库/归档) without deleting its history."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, "archive", project)
    if project.archived_at is None:
        project.archived_at = timezone.now()
        save_validated(project, actor=actor)
    return project


@transaction.atomic
def project_comment_add(*, actor: Actor, project: Project, kind: str, text: str) -> ProjectComment:
    """A leader's comment or instruction (批示) on a project; a 批示 tells the departments concerned."""
    author = require(actor, "comment", Project.objects.get(pk=project.pk))
    comment = ProjectComment(project=project, author=author, kind=kind, text=(text or "").strip())
    save_validated(comment, actor=actor)
    if comment.kind == CommentKind.INSTRUCTION:
        handoffs.announce(handoffs.INSTRUCTION, comment=comment, actor=actor)
    return comment
