"""Writes to annual plans (年度计划) and their monthly targets (倒排工期).

A plan is created once per (project, year); a second create for the same year is refused and
changes nothing. Every later change is an adjustment (调整计划): it names its reason, names the
version (`revision`) the writer saw — a writer who saw an older version is refused rather than
overwriting someone else's adjustment — and leaves a history row with who, when and why (the
reason is the history row's change reason, on the plan and on each monthly target it changes).

The API (If-Match), the pages (a hidden version field), the admin (the same hidden field) and the
Excel import (the version it read when it validated the sheet) all call these two functions.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.policy import require
from apps.accounts.types import Actor
from apps.core.services import apply_fields, save_validated

from . import startfacts
from .models import AnnualPlan, MonthlyTarget, Project

PLAN_FIELDS = ("annual_role", "annual_plan", "annual_goal", "planned_start_month", "planned_finish_month", "resume_date")
MONTHLY_FIELDS = frozenset({"plan_investment", "node_target"})
REASON_MAX_LENGTH = 500

CREATE_REASON = "新建年度计划"
REASON_REQUIRED = "请填写调整原因（调整计划须说明原因，记入变更历史）。"
REASON_TOO_LONG = f"调整原因不能超过{REASON_MAX_LENGTH}个字。"
FIXED_PROJECT_YEAR = "不能修改年度计划所属的项目或年度，请新建。"


def plan_exists_message(project: Project, year: int) -> str:
    return f"“{project}”{year}年度已有年度计划，不能重复新建；如需修改，请“调整计划”并填写调整原因。"


def stale_message(expected: object, current: int) -> str:
    return f"年度计划已被他人调整（当前为第{current}版，你看到的是第{expected}版），请刷新后按最新数据重新调整。"


def _monthly_rows(plan: AnnualPlan, monthly: dict[int, dict], existing: dict[int, MonthlyTarget]) -> list[MonthlyTarget]:
    """The monthly targets `monthly` ({month: {plan_investment, node_target}}) creates or changes."""
    changed = []
    for month, values in monthly.items():
        target = existing.get(month) or MonthlyTarget(plan=plan, month=month)
        before = {name: getattr(target, name) for name in MONTHLY_FIELDS}
        apply_fields(target, values, allowed=set(MONTHLY_FIELDS))
        if target.pk is None or any(getattr(target, name) != before[name] for name in MONTHLY_FIELDS):
            changed.append(target)
    return changed


def _save_targets(targets: list[MonthlyTarget], *, actor: Actor, reason: str) -> None:
    for target in targets:
        target._change_reason = reason  # read by django-simple-history
        save_validated(target, actor=actor)


@transaction.atomic
def annual_plan_create(
    *, actor: Actor, project: Project, year: int, data: dict, monthly: dict[int, dict] | None = None, reason: str = ""
) -> AnnualPlan:
    """Create the plan of (project, year), with optional monthly targets {month: {...}}.

    A year that already has a plan is refused (a silent replace lost the figures the office had
    reported upward): changing it is `annual_plan_adjust`, with a reason and the version seen."""
    # Lock the project: two creates for the same year queue here and the second one is refused
    # with the message below rather than the database's conflict.
    project = Project.objects.select_for_update().get(pk=project.pk)
    plan = apply_fields(AnnualPlan(project=project, year=year), data, allowed=set(PLAN_FIELDS))
    require(actor, "create", plan)
    if AnnualPlan.objects.filter(project=project, year=year).exists():
        raise ValidationError({"year": [plan_exists_message(project, year)]})
    plan._change_reason = (reason or "").strip() or CREATE_REASON
    save_validated(plan, actor=actor)
    startfacts.check_plan_write(plan)  # a new plan's 开工 facts must agree with its project's
    _save_targets(_monthly_rows(plan, monthly or {}, {}), actor=actor, reason=plan._change_reason)
    return plan


@transaction.atomic
def annual_plan_adjust(
    *, actor: Actor, plan: AnnualPlan, data: dict, reason: str, expected: int | None, monthly: dict[int, dict] | None = None
) -> AnnualPlan:
    """调整计划: change a plan's figures (amount, role, months, goal, monthly targets).

    `expected` is the plan's `revision` the writer saw; when the plan has been adjusted since, the
    adjustment is refused in Chinese and nothing changes. A change that changes nothing saves
    nothing (no new version, no history row). The project and year of a plan are fixed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": [REASON_TOO_LONG]})
    data = dict(data)
    project, year = data.pop("project", None), data.pop("year", None)
    current = AnnualPlan.objects.select_for_update().select_related("project").get(pk=plan.pk)
    require(actor, "change", current)
    if (project is not None and project.pk != current.project_id) or (year is not None and year != current.year):
        raise ValidationError({"year": [FIXED_PROJECT_YEAR]})
    if expected is None or str(expected) != str(current.revision):
        raise ValidationError({"revision": [stale_message(expected if expected is not None else "？", current.revision)]}, code="stale")
    before = {name: getattr(current, name) for name in PLAN_FIELDS}
    touched = startfacts.touched_facts(current, data, startfacts.PLAN_FACTS)
    apply_fields(current, data, allowed=set(PLAN_FIELDS))
    existing = {t.month: t for t in MonthlyTarget.objects.select_for_update().filter(plan=current)}
    targets = _monthly_rows(current, monthly or {}, existing)
    plan_changed = any(_differs(getattr(current, name), before[name]) for name in PLAN_FIELDS)
    if not plan_changed and not targets:
        current.full_clean()  # still refuse bad input, even when it would change nothing
        return current
    # A new version even when only monthly targets move: whoever holds the old one must re-read.
    current.revision += 1
    current._change_reason = reason
    save_validated(current, actor=actor)
    if touched:  # only an adjustment of the 开工 facts is judged: legacy rows stay adjustable
        startfacts.check_plan_write(current)
    _save_targets(targets, actor=actor, reason=reason)
    return current


def _differs(new: object, old: object) -> bool:
    # 12000 and 12000.00 are the same amount: compare money as numbers.
    if isinstance(new, Decimal | int) and isinstance(old, Decimal | int) and not isinstance(new, bool):
        return Decimal(new) != Decimal(old)
    return new != old
