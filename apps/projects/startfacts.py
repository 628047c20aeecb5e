"""The 开工 facts of a project and the rules that keep them from contradicting each other.

The facts: the project's 建设状态 (`build_status`), 实际开工 / 实际竣工 dates, and per annual plan
its 年度属性 (`annual_role`) and 本年复工日期 (`resume_date`). Statistics (开工率, 开复工率, 在建),
lights and the 通报 read these facts; when they disagree each reader picks a different truth. The
rules are stated here once: `contradictions()` judges one project, `contradictory_projects()` lists
every project in the ledger that breaks one (two queries, whatever the size of the ledger).

Every way in (project and plan services, hence the API, the admin, the Excel import) calls
`check_project_write` / `check_plan_write` after saving, inside its transaction: a write that touches
the facts and leaves a contradiction the write could have caused is refused with the Chinese
messages, and nothing is saved. A write that does not touch the facts is not judged, so an existing
contradictory row (legacy data) never blocks an unrelated edit; such rows are listed by
`manage.py check_start_facts` and on the office's page 开工信息矛盾, never silently rewritten.

One thing is brought along instead of refused: setting 实际开工日期 on a project whose status is
未开工, without changing the status in the same write, moves the status to 已开工（在建）. Every other
disagreement is refused: the writer says which fact is right.

What is deliberately not a contradiction (missing data, or a state the rules must let a project pass
through so that any consistent state can be reached by single writes through the API):
- a 续建 plan without 复工日期 while the project has not finished that year: it has not resumed yet
  (the winter stop, 春节); it becomes a contradiction once the project is 竣工 within that year;
- a plan's 年度属性 while the project has no 实际开工日期 (the role can be set before the date);
- 停（缓）建 with or without a start date (a project may be postponed before it starts).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone

from .models import STARTED_STATUSES, AnnualPlan, AnnualRole, BuildStatus, Project
from .notions import on_ledger_q

PROJECT_FACTS = ("build_status", "actual_start", "actual_finish")
PLAN_FACTS = ("year", "annual_role", "resume_date")
# The roles whose plan carries a 本年复工日期 (the 开复工 count's "resumed" side).
RESUMING_ROLES = (AnnualRole.CONTINUING, AnnualRole.COMPLETING)


@dataclass(frozen=True)
class Contradiction:
    """One contradiction: a stable code, the Chinese message, and the fields it is about.

    `project_field` is the project's field the message belongs to (None when only the plan is
    involved); `plan_field` and `year` name the annual plan's field when a plan is involved.
    """

    code: str
    message: str
    project_field: str | None = None
    plan_field: str | None = None
    year: int | None = None

    @property
    def field(self) -> str:
        """The key a listing shows: `actual_start`, or `annual_plans.2026.resume_date` for a plan."""
        if self.plan_field is not None:
            return f"annual_plans.{self.year}.{self.plan_field}"
        return self.project_field or "build_status"


def _d(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _status_label(value: str) -> str:
    return str(BuildStatus(value).label) if value in BuildStatus.values else value


def _role_label(value: str) -> str:
    return str(AnnualRole(value).label) if value in AnnualRole.values else value


def project_level(project, *, today: dt.date) -> list[Contradiction]:
    """The rules on the project's own facts (status, start, finish)."""
    status, start, finish = project.build_status, project.actual_start, project.actual_finish
    found: list[Contradiction] = []

    def add(code: str, message: str, field_name: str) -> None:
        found.append(Contradiction(code, message, project_field=field_name))

    if status == BuildStatus.NOT_STARTED and start is not None:
        add("not_started_with_start", f"建设状态为“未开工”，却填写了实际开工日期（{_d(start)}）。", "build_status")
    if status in STARTED_STATUSES and start is None:
        add("started_without_start", f"建设状态为“{_status_label(status)}”，却没有实际开工日期。", "actual_start")
    if start is not None and start > today:
        add("start_in_future", f"实际开工日期（{_d(start)}）晚于今天；未开工的项目请填计划开工日期。", "actual_start")
    if finish is not None and start is None:
        add("finish_without_start", "填写了实际竣工日期，却没有实际开工日期。", "actual_finish")
    if finish is not None and finish > today:
        add("finish_in_future", f"实际竣工日期（{_d(finish)}）晚于今天。", "actual_finish")
    if status == BuildStatus.COMPLETED and finish is None:
        add("completed_without_finish", "建设状态为“竣工”，却没有实际竣工日期。", "actual_finish")
    if status == BuildStatus.STARTED and finish is not None:
        add("in_construction_with_finish", f"建设状态为“已开工（在建）”，却填写了实际竣工日期（{_d(finish)}）。", "build_status")
    return found


def plan_level(project, plan, *, today: dt.date) -> list[Contradiction]:
    """The rules on one annual plan, alone and against its project's dates."""
    year, role, resume = plan.year, plan.annual_role, plan.resume_date
    start, finish = project.actual_start, project.actual_finish
    prefix = f"{year}年度计划"
    found: list[Contradiction] = []

    def add(code: str, message: str, plan_field: str, project_field: str | None = None) -> None:
        found.append(Contradiction(code, f"{prefix}：{message}", project_field=project_field, plan_field=plan_field, year=year))

    if resume is not None:
        if resume.year != year:
            add("resume_outside_year", f"本年复工日期（{_d(resume)}）不在{year}年内。", "resume_date")
        if resume > today:
            add("resume_in_future", f"本年复工日期（{_d(resume)}）晚于今天。", "resume_date")
        if role not in RESUMING_ROLES:
            add(
                "resume_not_continuing",
                f"年度属性为“{_role_label(role)}”，却填写了本年复工日期；复工日期只属于续建（含当年竣工）项目。",
                "resume_date",
            )
        if start is None:
            add("resume_without_start", "填写了本年复工日期，但项目没有实际开工日期。", "resume_date", "actual_start")
        elif resume < start:
            add("resume_before_start", f"本年复工日期（{_d(resume)}）早于项目实际开工日期（{_d(start)}）。", "resume_date", "actual_start")
    if start is not None:
        if role == AnnualRole.NEW_START and start.year < year:
            add(
                "new_start_started_earlier",
                f"年度属性为“新开工项目”，但项目已于{_d(start)}开工（早于{year}年），应为续建项目。",
                "annual_role",
                "actual_start",
            )
        if role == AnnualRole.CONTINUING and start.year >= year:
            add(
                "continuing_not_started_before",
                f"年度属性为“续建项目”，但项目实际开工日期为{_d(start)}（不早于{year}年），应为新开工项目。",
                "annual_role",
                "actual_start",
            )
        if role == AnnualRole.PRELIM and start.year < year:
            add(
                "prelim_started_earlier",
                f"年度属性为“前期（预备）项目”，但项目已于{_d(start)}开工（早于{year}年）。",
                "annual_role",
                "actual_start",
            )
        if role in RESUMING_ROLES and resume is None and start.year < year and finish is not None and finish.year == year:
            add(
                "finished_without_resume",
                f"续建项目已于{_d(finish)}竣工，却没有本年复工日期。",
                "resume_date",
                "actual_finish",
            )
    return found


def contradictions(project, plans: Iterable, *, today: dt.date | None = None) -> list[Contradiction]:
    """Every contradiction among a project's 开工 facts and its annual plans (any objects with the
    same attributes as Project and AnnualPlan will do)."""
    today = today or timezone.localdate()
    found = project_level(project, today=today)
    for plan in sorted(plans, key=lambda p: p.year):
        found.extend(plan_level(project, plan, today=today))
    return found


# --- the ledger as a whole --------------------------------------------------------------------


@dataclass
class Finding:
    project: Project
    contradictions: list[Contradiction] = field(default_factory=list)


def contradictory_projects(*, today: dt.date | None = None, include_archived: bool = False) -> list[Finding]:
    """Every project whose 开工 facts contradict each other, with the contradictions; two queries.

    The rules run in Python over the facts (a few columns per project), so they are stated once;
    archived (退库) projects are left out unless asked for: their facts count nowhere."""
    today = today or timezone.localdate()
    plans = AnnualPlan.objects.only("id", "project_id", "year", "annual_role", "resume_date").order_by("year")
    projects = Project.objects.only(
        "id", "name", "short_name", "primary_code", "build_status", "actual_start", "actual_finish", "archived_at"
    ).order_by("primary_code", "name", "id")
    if not include_archived:
        projects = projects.filter(on_ledger_q())
    found: list[Finding] = []
    for project in projects.prefetch_related(Prefetch("annual_plans", queryset=plans)):
        items = contradictions(project, project.annual_plans.all(), today=today)
        if items:
            found.append(Finding(project, items))
    return found


# --- the guard every write calls ----------------------------------------------------------------


def touched_facts(instance, data: dict, facts: tuple[str, ...]) -> set[str]:
    """The facts `data` changes on `instance` (call before the data is applied)."""
    return {name for name in facts if name in data and data[name] != getattr(instance, name)}


def bring_status_along(project: Project, touched: set[str]) -> None:
    """A start date given to a 未开工 project, without a new status in the same write, starts it."""
    if (
        "actual_start" in touched
        and "build_status" not in touched
        and project.actual_start is not None
        and project.build_status == BuildStatus.NOT_STARTED
    ):
        project.build_status = BuildStatus.STARTED


@dataclass
class _Pending:
    project: bool = False
    years: set[int] = field(default_factory=set)


_deferred: contextvars.ContextVar[dict[int, _Pending] | None] = contextvars.ContextVar("start_facts_deferred", default=None)


@contextlib.contextmanager
def collecting() -> Iterator[dict[int, _Pending]]:
    """Record the checks of the writes inside the block instead of running them; `judge(pending)`
    runs them. Always leaves the block with nothing recorded for later writes."""
    outer = _deferred.get()
    if outer is not None:  # already collecting for an enclosing block: that block judges
        yield outer
        return
    pending: dict[int, _Pending] = {}
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)


def judge(pending: dict[int, _Pending]) -> None:
    """Run the recorded checks; raises ValidationError on the first project found contradictory."""
    for project_id, what in list(pending.items()):
        _judge(project_id, project=what.project, years=what.years, plan_keys=not what.project)
    pending.clear()


@contextlib.contextmanager
def checked_together() -> Iterator[None]:
    """Judge the writes made inside the block together, at its end, instead of one by one.

    For a way in that writes a project and its plans in one go (an admin form with its plan rows, an
    import row): setting a start date last year and turning this year's 新开工 into 续建 is one
    consistent change, though neither half is consistent alone. Use inside the caller's transaction,
    so a refusal at the end rolls back every write of the block."""
    nested = _deferred.get() is not None
    with collecting() as pending:
        yield
        if not nested:
            judge(pending)


def check_project_write(project: Project) -> None:
    """After a write that touched the project's facts: the project's rules and every plan's rules
    against it must hold; raises ValidationError keyed by the project's fields."""
    _check(project.pk, project=True, years=set())


def check_plan_write(plan: AnnualPlan) -> None:
    """After a write that touched a plan's facts: that plan's rules must hold; raises ValidationError
    keyed by the plan's fields."""
    _check(plan.project_id, project=False, years={plan.year})


def _check(project_id: int, *, project: bool, years: set[int]) -> None:
    pending = _deferred.get()
    if pending is not None:
        entry = pending.setdefault(project_id, _Pending())
        entry.project = entry.project or project
        entry.years |= years
        return
    _judge(project_id, project=project, years=years, plan_keys=not project)


def _judge(project_id: int, *, project: bool, years: set[int], plan_keys: bool) -> None:
    """Read the facts as saved and refuse the contradictions this write could have caused: with the
    project written, all of them (its own and every plan's against it, since its dates changed); with
    only plans written, the rules of those plans. Other plans' legacy contradictions are not judged."""
    row = Project.objects.only("id", "build_status", "actual_start", "actual_finish").get(pk=project_id)
    plans = list(AnnualPlan.objects.filter(project_id=project_id).only("id", "project_id", "year", "annual_role", "resume_date"))
    today = timezone.localdate()
    if project:
        found = contradictions(row, plans, today=today)
    else:
        found = [c for plan in plans if plan.year in years for c in plan_level(row, plan, today=today)]
    if found:
        raise ValidationError(as_errors(found, plan_keys=plan_keys))


def as_errors(found: list[Contradiction], *, plan_keys: bool) -> dict[str, list[str]]:
    """Messages keyed by the written object's fields: the plan's when only a plan was written."""
    errors: dict[str, list[str]] = {}
    for item in found:
        key = (item.plan_field or item.project_field) if plan_keys else (item.project_field or item.plan_field)
        errors.setdefault(key or "__all__", []).append(item.message)
    return errors
