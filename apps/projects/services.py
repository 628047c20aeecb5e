"""Writes to the project ledger. Every function takes the acting user as `actor`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.policy import require
from apps.core.services import apply_fields, save_validated

from . import startfacts
from .models import AnnualPlan, CommentKind, MonthlyTarget, Project, ProjectComment, ProjectResponsibility

PROJECT_FIELDS = {
    f.name
    for f in Project._meta.get_fields()
    if getattr(f, "concrete", False)
    and not f.auto_created
    and f.name not in {"created_at", "updated_at", "created_by", "code_warning", "archived_at"}
}


PLAN_FIELDS = ("annual_role", "annual_plan", "annual_goal", "planned_start_month", "planned_finish_month", "resume_date")


@dataclass
class ProjectResult:
    project: Project
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def project_create(*, actor, data: dict, generate_milestones: bool = False) -> ProjectResult:
    """Register a project; a legacy code is accepted only with `code_is_legacy` and comes back as a warning.

    With `generate_milestones`, its approval milestones come from the template of its investment
    mode in the same transaction (a mode without a template has none to generate).
    """
    touched = startfacts.touched_facts(Project(), data, startfacts.PROJECT_FACTS)
    project = apply_fields(Project(), data, allowed=PROJECT_FIELDS)
    require(actor, "create", project)
    project.created_by = actor
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
def project_update(*, actor, project: Project, data: dict) -> ProjectResult:
    """Change ledger fields; nothing is saved when any field is invalid."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, "change", project)
    if "pool_stage" in data and data["pool_stage"] != project.pool_stage:
        # 入库/退库 decides whether the project's items are due at all: the office's call.
        require(actor, "set_pool_stage", project)
    touched = startfacts.touched_facts(project, data, startfacts.PROJECT_FACTS)
    apply_fields(project, data, allowed=PROJECT_FIELDS)
    startfacts.bring_status_along(project, touched)
    save_validated(project, actor=actor)
    if touched:  # only a write that touches the 开工 facts is judged: legacy rows stay editable
        startfacts.check_project_write(project)
    return ProjectResult(project=project, warnings=[project.code_warning] if project.code_warning else [])


@transaction.atomic
def project_archive(*, actor, project: Project) -> Project:
    """Take a project off the ledger (退库/归档) without deleting its history."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, "archive", project)
    if project.archived_at is None:
        project.archived_at = timezone.now()
        save_validated(project, actor=actor)
    return project


def responsibility_assign(*, actor, project: Project, data: dict) -> ProjectResponsibility:
    """Add one responsibility (包保领导, 牵头单位, 联络员…) to a project."""
    allowed = {"role", "leader", "department", "person_name", "phone", "is_primary", "reports_to_leader"}
    item = apply_fields(ProjectResponsibility(project=project), data, allowed=allowed)
    require(actor, "create", item)
    return save_validated(item, actor=actor)


@transaction.atomic
def annual_plan_set(*, actor, project: Project, year: int, data: dict, monthly: dict[int, dict] | None = None) -> AnnualPlan:
    """Create or replace the plan of (project, year), with optional monthly targets {month: {...}}."""
    allowed = set(PLAN_FIELDS)
    plan = AnnualPlan.objects.filter(project=project, year=year).first() or AnnualPlan(project=project, year=year)
    require(actor, "create" if plan.pk is None else "change", plan)
    touched = plan.pk is None or startfacts.touched_facts(plan, data, startfacts.PLAN_FACTS)
    apply_fields(plan, data, allowed=allowed)
    save_validated(plan, actor=actor)
    if touched:
        startfacts.check_plan_write(plan)
    for month, values in (monthly or {}).items():
        target = MonthlyTarget.objects.filter(plan=plan, month=month).first() or MonthlyTarget(plan=plan, month=month)
        apply_fields(target, values, allowed={"plan_investment", "node_target"})
        save_validated(target, actor=actor)
    return plan


@transaction.atomic
def annual_plan_update(*, actor, plan: AnnualPlan, data: dict, monthly: dict[int, dict] | None = None) -> AnnualPlan:
    """Change a plan's figures; its project and year are fixed (a new year is a new plan)."""
    project, year = data.pop("project", plan.project), data.pop("year", plan.year)
    if project.pk != plan.project_id or year != plan.year:
        raise ValidationError({"year": ["不能修改年度计划所属的项目或年度，请新建。"]})
    values = {f: getattr(plan, f) for f in PLAN_FIELDS} | data
    return annual_plan_set(actor=actor, project=plan.project, year=plan.year, data=values, monthly=monthly)


@transaction.atomic
def project_comment_add(*, actor, project: Project, kind: str, text: str) -> ProjectComment:
    """A leader's comment or instruction (批示) on a project; a 批示 tells the departments concerned."""
    require(actor, "comment", Project.objects.get(pk=project.pk))
    comment = ProjectComment(project=project, author=actor, kind=kind, text=(text or "").strip())
    save_validated(comment, actor=actor)
    if comment.kind == CommentKind.INSTRUCTION:
        from apps.reminders.services.handoffs import notify_instruction  # reminders reads projects: import late

        notify_instruction(comment=comment, actor=actor)
    return comment
