"""Problems (问题清单): raise, resolve, close (销号) with evidence; supervision notices."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.policy import require
from apps.accounts.types import Actor
from apps.core import handoffs
from apps.core.services import apply_fields, save_validated
from apps.core.uploads import attach

from .models import PROBLEM_CLOSED_STATUSES, NoticeStatus, NoticeType, Problem, ProblemStatus, SupervisionNotice

PROBLEM_FIELDS = {
    "project",
    "category",
    "description",
    "source",
    "raised_on",
    "responsible_dept",
    "responsible_person",
    "coordinating_leader",
    "deadline",
    "status",
    "escalation_level",
}


@transaction.atomic
def problem_create(*, actor: Actor, data: dict) -> Problem:
    """Put a problem on the list with its department and deadline."""
    problem = apply_fields(Problem(), data, allowed=PROBLEM_FIELDS)
    problem.raised_by = require(actor, "create", problem)
    if problem.status in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED):
        raise ValidationError({"status": "新问题不能直接设为已办结或已销号。"})
    save_validated(problem, actor=actor)
    if problem.responsible_dept_id is not None:
        handoffs.announce(handoffs.PROBLEM_ASSIGNED, problem=problem, actor=actor)
    return problem


@transaction.atomic
def problem_update(*, actor: Actor, problem: Problem, data: dict, seen: int | None = None) -> Problem:
    """Edit a problem; 办结 and 销号 go only through problem_resolve and problem_close."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    require(actor, "change", problem)
    if data.get("status") in PROBLEM_CLOSED_STATUSES and data["status"] != problem.status:
        raise ValidationError({"status": ["请使用“办结”或“销号”操作改变为该状态。"]})
    placed = (problem.project_id, problem.responsible_dept_id)
    apply_fields(problem, data, allowed=PROBLEM_FIELDS)
    require(actor, "change", problem)
    if (problem.project_id, problem.responsible_dept_id) != placed:
        # Moving a problem or handing it to a department is placing it: only on the actor's own projects.
        require(actor, "assign", problem)
    save_validated(problem, actor=actor, seen=seen, savepoint=False)
    if problem.responsible_dept_id not in (None, placed[1]):
        handoffs.announce(handoffs.PROBLEM_ASSIGNED, problem=problem, actor=actor, reassigned=True)
    return problem


@transaction.atomic
def problem_resolve(*, actor: Actor, problem: Problem, resolution: str) -> Problem:
    """The department reports the problem solved (已办结，待销号)."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    require(actor, "resolve", problem)
    if problem.status == ProblemStatus.CLOSED:
        raise ValidationError("问题已销号，不能再次办结。", code="invalid_transition")
    if not (resolution or "").strip():
        raise ValidationError({"resolution": "请填写解决情况。"})
    problem.status = ProblemStatus.RESOLVED
    problem.resolution = resolution.strip()
    problem.resolved_at = timezone.now()
    return save_validated(problem, actor=actor)


@transaction.atomic
def problem_close(*, actor: Actor, problem: Problem, evidence=None) -> Problem:
    """The office closes (销号) a resolved problem; its evidence must pass the upload check."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    require(actor, "close", problem)
    if problem.status != ProblemStatus.RESOLVED:
        raise ValidationError(f"问题当前状态为“{problem.get_status_display()}”，办结后才能销号。", code="invalid_transition")
    problem.status = ProblemStatus.CLOSED
    problem.closed_at = timezone.now()
    problem.resolved_at = problem.resolved_at or problem.closed_at
    if evidence is not None:
        attach(problem, "evidence", evidence)  # checked by content, kept under a random name
    return save_validated(problem, actor=actor)


# The escalation ladder (DOMAIN.md §10.3): the level a problem reaches with each instrument.
ESCALATION_LEVEL: dict[str, int] = {
    NoticeType.ASSIGN: 1,
    NoticeType.REMIND: 1,
    NoticeType.SUPERVISE: 2,
    NoticeType.INTERVIEW: 3,
    NoticeType.BULLETIN: 3,
    NoticeType.ACCOUNTABILITY: 4,
}


@transaction.atomic
def notice_issue(*, actor: Actor, data: dict, projects=(), problems=(), file=None) -> SupervisionNotice:
    """Issue a 交办/提醒/督办 notice; the problems it names climb to that rung of the ladder.
    `file` is the scanned notice, checked like every attachment and saved with the notice."""
    allowed = {"notice_type", "number", "issued_on", "target_dept", "target_person", "content", "reply_deadline"}
    notice = apply_fields(SupervisionNotice(status=NoticeStatus.ISSUED), data, allowed=allowed)
    require(actor, "create", notice)
    if file is not None:
        attach(notice, "file", file)
    save_validated(notice, actor=actor)
    notice.projects.set(projects)
    notice.problems.set(problems)
    _escalate_problems(notice, actor=actor)
    handoffs.announce(handoffs.NOTICE_ISSUED, notice=notice, actor=actor)
    return notice


# notice_update's default for `file`: the stored scan stays as it is.
KEEP_FILE = object()

NOTICE_FIELDS = {
    "notice_type",
    "number",
    "issued_on",
    "target_dept",
    "target_person",
    "content",
    "reply_deadline",
    "reply_text",
    "replied_on",
    "status",
}


@transaction.atomic
def notice_update(
    *,
    actor: Actor,
    notice: SupervisionNotice,
    data: dict,
    projects=None,
    problems=None,
    file=KEEP_FILE,
    seen: int | None = None,
) -> SupervisionNotice:
    """Edit a notice (e.g. record the reply); new problems it names climb the ladder too.
    `file`: a new scanned notice, None to remove it, KEEP_FILE (the default) to leave it."""
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    require(actor, "change", notice)
    apply_fields(notice, data, allowed=NOTICE_FIELDS)
    if file is not KEEP_FILE:
        _set_file(notice, file)
    save_validated(notice, actor=actor, seen=seen, savepoint=False)
    if projects is not None:
        notice.projects.set(projects)
    if problems is not None:
        notice.problems.set(problems)
        _escalate_problems(notice, actor=actor)
    return notice


@transaction.atomic
def notice_set_file(*, actor: Actor, notice: SupervisionNotice, file=None) -> SupervisionNotice:
    """Attach the scanned notice (checked by content, kept under a random name), or remove it (None)."""
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    require(actor, "change", notice)
    _set_file(notice, file)
    return save_validated(notice, actor=actor)


def _set_file(notice: SupervisionNotice, file) -> None:
    if file is None:
        notice.file, notice.file_name, notice.file_type = "", "", ""
    else:
        attach(notice, "file", file)  # checked by content, kept under a random name


def _escalate_problems(notice: SupervisionNotice, *, actor: Actor) -> None:
    level = ESCALATION_LEVEL.get(notice.notice_type, 0)
    for problem in Problem.objects.select_for_update().filter(pk__in=notice.problems.values("pk"), escalation_level__lt=level):
        problem.escalation_level = level
        save_validated(problem, actor=actor)
