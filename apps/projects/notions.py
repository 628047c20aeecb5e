"""The portfolio's notions, each defined once. Every reader (statistics, 驾驶舱, 通报, scoring, unit
rankings, OC4IDS, lights, the due registry, reminders, the import's templates) calls these; the
month arithmetic lives beside them in `apps.workcalendar.periods`.
`tests/core/test_one_definition.py` fails when a second definition appears.

- **On the ledger**: not archived — what lists show (a withdrawn project with its stage).
- **Live project** (在库项目): not archived and not withdrawn (退库). Only live projects count in any
  figure, carry items that fall due, or get a light.
- **Started** (已开工) by a day: its 实际开工日期 is on or before that day. The start facts (状态,
  实际开工, 复工日期, 年度属性) are kept consistent by `apps.projects.startfacts`, so the date alone
  answers.
- **新开工 started**: a plan of the year with role 新开工 whose project started by the period end.
- **续建 resumed** (复工): a plan of the year with role 续建 or 当年竣工 that resumed by the period end —
  its 本年复工日期 is on or before it, or, with no 复工日期 entered, the project started before the
  year and is not 停（缓）建 (it never stopped, so it counts from 1 January).
- **开复工**: 新开工 started or 续建 resumed, by the period end.
- **在建** by a period: a live project with a plan that year, started on or before the period end and
  not finished (no 实际竣工日期 on or before it).
- **Due this year**, **done on time**, **逾期办结** (milestones): `apps.milestones.notions`.
- **序时进度** of a project: with monthly targets (倒排工期), the share of the year's targets planned
  up to the month; without them, month/12. The portfolio's 序时进度 is month/12, as published bulletins
  use it.
- **A department's projects** in every figure: those it leads (牵头单位). Lists and edit rights also
  count 配合 and 属地 (`DEPARTMENT_ROLES`); a figure that counts them says so in its label.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.workcalendar.periods import Period, month_share

from .models import AnnualPlan, AnnualRole, BuildStatus, PoolStage, Project, ProjectResponsibility, ResponsibilityRole

CONTINUING_ROLES = (AnnualRole.CONTINUING, AnnualRole.COMPLETING)
FIGURE_DEPT_ROLE = ResponsibilityRole.LEAD_DEPT  # whose project it is, in every figure


# --- on the ledger, live --------------------------------------------------------------------


def on_ledger_q(prefix: str = "") -> Q:
    """Projects on the ledger (not archived): what the lists show, withdrawn ones with their stage."""
    return Q(**{f"{prefix}archived_at__isnull": True})


def live_q(prefix: str = "") -> Q:
    """A Q on Project (prefix "" ) or on a model with a project (prefix "project__")."""
    return on_ledger_q(prefix) & ~Q(**{f"{prefix}pool_stage": PoolStage.WITHDRAWN})


def is_live(project: Project) -> bool:
    return project.archived_at is None and project.pool_stage != PoolStage.WITHDRAWN


def live_projects() -> QuerySet[Project]:
    return Project.objects.filter(live_q())


# --- started, resumed, in construction ------------------------------------------------------


def started_q(day: dt.date, prefix: str = "") -> Q:
    """Projects started on or before `day`."""
    return Q(**{f"{prefix}actual_start__lte": day})


def is_started(project: Project, day: dt.date) -> bool:
    return project.actual_start is not None and project.actual_start <= day


def plan_started_q(period: Period) -> Q:
    """Annual plans (of `period.year`) that are 新开工 and whose project started by the period end."""
    return Q(annual_role=AnnualRole.NEW_START) & started_q(period.last_day, "project__")


def plan_resumed_q(period: Period) -> Q:
    """Annual plans that are 续建/当年竣工 and resumed by the period end (see the module docstring)."""
    never_stopped = Q(resume_date__isnull=True, project__actual_start__lt=period.year_start) & ~Q(
        project__build_status=BuildStatus.SUSPENDED
    )
    return Q(annual_role__in=CONTINUING_ROLES) & (Q(resume_date__lte=period.last_day) | never_stopped)


def plan_going_q(period: Period) -> Q:
    """开复工 plans: 新开工 started or 续建 resumed by the period end."""
    return plan_started_q(period) | plan_resumed_q(period)


def plan_is_started(plan: AnnualPlan, project: Project, period: Period) -> bool:
    return plan.annual_role == AnnualRole.NEW_START and is_started(project, period.last_day)


def plan_is_resumed(plan: AnnualPlan, project: Project, period: Period) -> bool:
    if plan.annual_role not in CONTINUING_ROLES:
        return False
    if plan.resume_date is not None:
        return plan.resume_date <= period.last_day
    return project.actual_start is not None and project.actual_start < period.year_start and project.build_status != BuildStatus.SUSPENDED


def in_construction_q(period: Period) -> Q:
    """在建 in `period` (a Q on Project): live, a plan that year, started by its end, not finished by it."""
    has_plan = Exists(AnnualPlan.objects.filter(project=OuterRef("pk"), year=period.year))
    return live_q() & has_plan & started_q(period.last_day) & ~Q(actual_finish__lte=period.last_day)


def is_in_construction(project: Project, *, has_plan: bool, period: Period) -> bool:
    finished = project.actual_finish is not None and project.actual_finish <= period.last_day
    return is_live(project) and has_plan and is_started(project, period.last_day) and not finished


# --- 序时进度 -------------------------------------------------------------------------------

BY_MONTH_RULE = "按月份计算（月数/12）"
BY_TARGET_RULE = "按月度计划（倒排工期）"


@dataclass(frozen=True)
class TimeProgress:
    """序时进度 as a share (0–1) and the rule that gave it."""

    share: Decimal
    rule: str

    @property
    def percent(self) -> Decimal:
        return self.share * 100


def portfolio_time_progress(month: int) -> TimeProgress:
    """The portfolio's 序时进度: month/12 (the published bulletins' rule)."""
    return TimeProgress(month_share(month), BY_MONTH_RULE)


def project_time_progress(month: int, targets: dict[int, Decimal] | None) -> TimeProgress:
    """A project's 序时进度 at `month`: Σ targets of months 1..M / Σ targets of the year, when it has
    monthly targets with a positive total; month/12 otherwise."""
    total = sum((v for v in (targets or {}).values()), Decimal("0"))
    if not targets or total <= 0:
        return portfolio_time_progress(month)
    planned = sum((v for m, v in targets.items() if m <= month), Decimal("0"))
    return TimeProgress(planned / total, BY_TARGET_RULE)


def monthly_targets_of(plan_ids) -> dict[int, dict[int, Decimal]]:
    """plan id → {month: 月度计划投资} (one query)."""
    from .models import MonthlyTarget

    result: dict[int, dict[int, Decimal]] = {}
    for plan_id, month, amount in (
        MonthlyTarget.objects.filter(plan_id__in=plan_ids).order_by().values_list("plan_id", "month", "plan_investment")
    ):
        result.setdefault(plan_id, {})[month] = Decimal(amount)
    return result


# --- a department's projects ---------------------------------------------------------------


def department_projects_q(department_id: int, *, include_partners: bool = False, prefix: str = "") -> Q:
    """A department's projects in a figure: those it leads; with `include_partners`, also those where
    it is 配合 or 属地 (a figure that says so in its label)."""
    from .models import DEPARTMENT_ROLES

    roles = DEPARTMENT_ROLES if include_partners else (FIGURE_DEPT_ROLE,)
    ids = ProjectResponsibility.objects.filter(role__in=roles, department_id=department_id).values("project_id")
    return Q(**{f"{prefix}pk__in": ids})
