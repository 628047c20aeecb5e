"""Milestones: generation from the approval templates, working-day deadlines, completion and its undo."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.policy import require
from apps.accounts.types import Actor
from apps.core.services import apply_fields, save_validated
from apps.core.uploads import attach
from apps.projects.models import Project
from apps.workcalendar.services import add_working_days

from .models import ApprovalTemplate, Milestone, MilestoneKind, MilestoneStatus, OffsetBase

DOC_NUMBER_REQUIRED = "该要件办结须填写批复文号或证照编号。"
REOPEN_ONLY = "已办结的要件/节点不能在此改为未办结；如需撤销办结，请由项目办使用“撤销办结”并说明原因。"
REOPEN_NOT_DONE = "该要件/节点尚未办结，无需撤销。"
REOPEN_REASON_REQUIRED = "请说明撤销办结的原因。"
REOPEN_REASON_MAX = 200

MILESTONE_FIELDS = {
    "kind",
    "seq",
    "stage",
    "name",
    "issuing_dept_name",
    "responsible_dept",
    "responsible_person",
    "planned_date",
    "after",
    "after_date",
    "after_working_days",
    "status",
    "valid_until",
    "remarks",
}


def _derived_date(milestone: Milestone) -> dt.date | None:
    """N working days after a start date, or after the predecessor's actual date (its planned date while open)."""
    try:
        return _derive(milestone)
    except (ValueError, OverflowError) as exc:
        raise ValidationError({"after_working_days": ["工作日数过大，推算的日期超出范围。"]}) from exc


def _derive(milestone: Milestone) -> dt.date | None:
    if milestone.after_working_days is None:
        return milestone.planned_date
    if milestone.after_id is None:
        if milestone.after_date is None:
            return milestone.planned_date
        return add_working_days(start=milestone.after_date, days=milestone.after_working_days)
    after = milestone.after
    if after is None:
        return milestone.planned_date
    base = after.actual_date or after.planned_date
    if base is None:
        return None
    return add_working_days(start=base, days=milestone.after_working_days)


def _cascade(milestone: Milestone, *, actor: Actor, seen: set[int] | None = None) -> None:
    """Move the planned dates of every milestone that counts from this one."""
    seen = seen or {milestone.pk}
    for follower in milestone.followers.select_related("after").all():
        if follower.pk in seen:
            raise ValidationError("前置节点形成了循环依赖。")
        seen.add(follower.pk)
        new_date = _derived_date(follower)
        if new_date != follower.planned_date:
            follower.planned_date = new_date
            save_validated(follower, actor=actor)
        _cascade(follower, actor=actor, seen=seen)


@transaction.atomic
def milestone_generate_from_template(*, actor: Actor, project: Project, template: ApprovalTemplate | None = None) -> list[Milestone]:
    """Create the approval milestones of the template for the project's investment mode.

    Running it again adds only the items the project does not have yet. Planned dates count
    from the project's planned start or finish (calendar-day offsets) or, where the item says so,
    N working days after its predecessor.
    """
    require(actor, "generate_milestones", Project.objects.get(pk=project.pk))
    template = template or ApprovalTemplate.objects.filter(investment_mode=project.investment_mode).first()
    if template is None:
        raise ValidationError(f"没有适用于“{project.get_investment_mode_display()}”的审批要件模板。")
    # template_item__template=...: every row has its template item (the test only narrows the type)
    existing = {
        m.template_item_id: m for m in project.milestones.filter(template_item__template=template) if m.template_item_id is not None
    }
    created: list[Milestone] = []
    by_item: dict[int, Milestone] = dict(existing)
    for item in template.items.select_related("after_item").order_by("seq"):
        if item.pk in existing:
            continue
        milestone = Milestone(
            project=project,
            template_item=item,
            kind=MilestoneKind.APPROVAL,
            seq=item.seq,
            stage=item.stage,
            name=item.name,
            issuing_dept_name=item.issuing_dept_name,
        )
        predecessor = by_item.get(item.after_item_id) if item.after_item_id else None
        if predecessor is not None and item.after_working_days is not None:
            milestone.after = predecessor
            milestone.after_working_days = item.after_working_days
            milestone.planned_date = _derived_date(milestone)
        else:
            base = project.planned_finish if item.offset_base == OffsetBase.PLANNED_FINISH else project.planned_start
            if base is not None:
                try:
                    milestone.planned_date = base + dt.timedelta(days=item.offset_days)
                except OverflowError as exc:
                    raise ValidationError({"planned_start": "计划开工/竣工日期超出合理范围，无法按模板推算审批要件的计划日期。"}) from exc
        save_validated(milestone, actor=actor)
        by_item[item.pk] = milestone
        created.append(milestone)
    return created


@transaction.atomic
def milestone_create(*, actor: Actor, project: Project, data: dict) -> Milestone:
    """Add a milestone (e.g. a construction node) to a project."""
    milestone = apply_fields(Milestone(project=Project.objects.get(pk=project.pk)), data, allowed=MILESTONE_FIELDS)
    require(actor, "create", milestone)
    if milestone.after_id and milestone.after is not None and milestone.after.project_id != project.pk:
        raise ValidationError({"after": "前置节点必须属于同一项目。"})
    milestone.planned_date = _derived_date(milestone)
    return save_validated(milestone, actor=actor)


@transaction.atomic
def milestone_update(*, actor: Actor, milestone: Milestone, data: dict, seen: int | None = None) -> Milestone:
    """Change a milestone; dates that count from it move with it."""
    milestone = Milestone.objects.select_for_update(of=("self",)).select_related("after").get(pk=milestone.pk)
    require(actor, "change", milestone)
    responsible = milestone.responsible_dept_id
    was_done = milestone.status == MilestoneStatus.DONE
    apply_fields(milestone, data, allowed=MILESTONE_FIELDS)
    if was_done and milestone.status != MilestoneStatus.DONE:
        # Undoing a completion is the office's, with a reason kept in the history (milestone_reopen);
        # an edit must not be a quiet way round it.
        raise ValidationError({"status": REOPEN_ONLY})
    if milestone.responsible_dept_id != responsible:
        # Handing a milestone to another department is placing it: only on the actor's own projects.
        require(actor, "assign", milestone)
    if milestone.after_id and milestone.after is not None and milestone.after.project_id != milestone.project_id:
        raise ValidationError({"after": "前置节点必须属于同一项目。"})
    milestone.planned_date = _derived_date(milestone)
    save_validated(milestone, actor=actor, seen=seen, savepoint=False)
    _cascade(milestone, actor=actor)
    return milestone


@transaction.atomic
def milestone_complete(*, actor: Actor, milestone: Milestone, actual_date: dt.date, doc_number: str = "", attachment=None) -> Milestone:
    """Mark a milestone done with its date and 文号; the date may not lie in the future, the scan must
    pass the upload check (apps/core/uploads.py). Where its template item says so, a 文号 is required
    (given now, or entered on the milestone before)."""
    milestone = Milestone.objects.select_for_update(of=("self",)).select_related("template_item").get(pk=milestone.pk)
    require(actor, "complete", milestone)
    if actual_date > timezone.localdate():
        raise ValidationError({"actual_date": "实际完成日期不能晚于今天。"})
    doc_number = (doc_number or "").strip() or milestone.doc_number
    if milestone.requires_doc_number and not doc_number:
        raise ValidationError({"doc_number": DOC_NUMBER_REQUIRED})
    milestone.status = MilestoneStatus.DONE
    milestone.actual_date = actual_date
    milestone.doc_number = doc_number
    if attachment is not None:
        attach(milestone, "attachment", attachment)  # checked by content, kept under a random name
    save_validated(milestone, actor=actor)
    _cascade(milestone, actor=actor)
    return milestone


@transaction.atomic
def milestone_reopen(*, actor: Actor, milestone: Milestone, reason: str) -> Milestone:
    """Undo a completion (the office's, with a reason): the milestone goes back to the status, date
    and 文号 it had before it was completed (办理中 when the history does not say), and the dates
    that count from it move back. The completion stays in the history; this change is recorded with
    who, when and the reason. The attachment is kept: it is evidence, and the office may replace it."""
    milestone = Milestone.objects.select_for_update(of=("self",)).get(pk=milestone.pk)
    require(actor, "reopen", milestone)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REOPEN_REASON_REQUIRED})
    if len(reason) > REOPEN_REASON_MAX:
        raise ValidationError({"reason": f"撤销原因不能超过{REOPEN_REASON_MAX}个字。"})
    if milestone.status != MilestoneStatus.DONE:
        raise ValidationError(REOPEN_NOT_DONE)
    before = milestone.history.exclude(status=MilestoneStatus.DONE).order_by("-history_date", "-history_id").first()
    milestone.status = before.status if before is not None else MilestoneStatus.IN_PROGRESS
    milestone.actual_date = before.actual_date if before is not None else None
    milestone.doc_number = before.doc_number if before is not None else milestone.doc_number
    milestone._change_reason = f"撤销办结：{reason}"  # type: ignore[attr-defined]  # read by django-simple-history (no stubs)
    save_validated(milestone, actor=actor)
    _cascade(milestone, actor=actor)
    return milestone
