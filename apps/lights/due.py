"""What is due: the one registry of items that carry a deadline (DESIGN.md §4–5).

Each kind says, once: its open items with their due date, title, project, responsible department
and leader; when an item is settled (done, or its deadline moved); and its link. The overdue list,
a leader's list, the lights, the reminder sweep, the leader digest and the send task's settled
check all read this registry, so they cannot disagree. A new kind is one new entry in `KINDS`.

Every kind yields `.values()` rows with the same keys (`ROW_KEYS`):
- `id`: the item (a milestone or problem id; the project id for a planned start or a report);
- `due`, `title`, `project_ref`, `project_name`;
- `dept_ref`: the item's responsible department, else the project's 牵头单位;
- `leader_ref`: the item's own leader (a problem's 协调领导), else the project's 包保领导;
- `own_leader_ref`: the item's own leader only (reminders add the project's leaders themselves).
An item belongs to a leader when the leader is its own leader or a 包保领导 of its project.

`past=True` asks for the items as they stood on the morning of `today` (a date gone by: the lights of
an earlier month): an item settled on or after `today` (a milestone done later, a problem resolved
later, a report submitted later, a project started later) counts as open then.

"Due soon" is the kind's warning-rule window (lists, lights, the digest); a kind whose warning rule
is switched off is due for nobody. Reminders fire by their own rule's steps: the sweep reads the
same items up to its earliest "before" step, so with the default windows (7 working days; 3 for
reports) it reads exactly the overdue list's items.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import BigIntegerField, CharField, DateField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce

from apps.milestones.models import CLOSED_STATUSES, Milestone, MilestoneStatus
from apps.problems.models import PROBLEM_CLOSED_STATUSES, Problem
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import AnnualPlan, AnnualRole, BuildStatus, PoolStage, Project, ProjectResponsibility, ResponsibilityRole

from .models import RuleCode

ROW_KEYS = ("id", "due", "title", "project_ref", "project_name", "dept_ref", "leader_ref", "own_leader_ref")
FILED_REPORT_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


class DueKindCode:
    MILESTONE = "milestone"
    PROBLEM = "problem"
    START = "start"
    REPORT = "report"


def lead_responsible(project_path: str, role: str, field: str) -> Subquery:
    """The first 包保领导 / 牵头单位 of the row's project."""
    qs = ProjectResponsibility.objects.filter(project=OuterRef(project_path), role=role).exclude(**{f"{field}__isnull": True})
    return Subquery(qs.order_by("id").values(field)[:1], output_field=IntegerField())


def _rows(qs: QuerySet, *, project_path: str, due, title, dept, own_leader, project_ref, project_name) -> QuerySet:
    lead_dept = lead_responsible(project_path, ResponsibilityRole.LEAD_DEPT, "department_id")
    lead_leader = lead_responsible(project_path, ResponsibilityRole.LEAD_LEADER, "leader_id")
    # Typed: an untyped NULL in the first branch of a UNION ALL makes PostgreSQL read the column as text.
    none = Cast(Value(None), output_field=BigIntegerField())
    return qs.values(
        "id",
        due=due,
        title=title,
        project_ref=project_ref,
        project_name=project_name,
        dept_ref=Coalesce(dept, lead_dept, output_field=IntegerField()) if dept is not None else lead_dept,
        leader_ref=Coalesce(own_leader, lead_leader, output_field=IntegerField()) if own_leader is not None else lead_leader,
        own_leader_ref=own_leader if own_leader is not None else none,
    ).order_by("id")


@dataclass(frozen=True)
class Period:
    """A report period and its deadline (次月 N 日)."""

    year: int
    month: int
    deadline: dt.date


def report_deadline(year: int, month: int, due_day: int) -> dt.date:
    """The report of (year, month) is due on `due_day` of the next month."""
    return dt.date(year + (month == 12), month % 12 + 1, due_day)


def report_periods(today: dt.date, due_day: int) -> list[Period]:
    """The periods whose report can be open on `today`: every month of the report year up to last
    month (an unfiled report stays overdue when the month turns), and this month's (due next month)."""
    prev = today.replace(day=1) - dt.timedelta(days=1)
    periods = [Period(prev.year, month, report_deadline(prev.year, month, due_day)) for month in range(1, prev.month + 1)]
    return [*periods, Period(today.year, today.month, report_deadline(today.year, today.month, due_day))]


def period_of_deadline(deadline: dt.date) -> tuple[int, int]:
    prev = deadline.replace(day=1) - dt.timedelta(days=1)
    return prev.year, prev.month


NO_PROJECT_LINK = "/my/"


@dataclass(frozen=True)
class DueKind:
    """One kind of due item. `sources(today, until, due_day)` returns querysets of rows (ROW_KEYS)
    due on or before `until`."""

    code: str
    label: str
    rule_code: str  # the WarningRule whose window makes an item "due soon" (yellow)
    sources: Callable[..., list[QuerySet]]
    link_pattern: str  # a page of the item, formatted with the row's `id` and `project_ref`
    open_q: Q | None = None  # per-row lights: which rows of the kind's model are open (the same test as `sources`)
    open_obj: Callable[[object], bool] | None = None  # the same test on one loaded object
    link_query: Callable[[dict], str] | None = None  # extra query string of the link, from the row

    def link(self, row: dict) -> str:
        # An item outside any project (a problem raised for a whole area) has no dossier to open.
        if row.get("project_ref") is None:
            return NO_PROJECT_LINK
        link = self.link_pattern.format(id=row["id"], project_ref=row["project_ref"])
        return link + self.link_query(row) if self.link_query else link

    def is_open(self, *, object_id: int, due: dt.date) -> bool:
        """The item is still open with this same due date (so a reminder about it still stands)."""
        # `at` pins a report to the period whose deadline is `due`, whatever the deadline rule says now.
        return (object_id, due) in self.open_among([(object_id, due)])

    def open_among(self, items: Iterable[tuple[int, dt.date]]) -> set[tuple[int, dt.date]]:
        """`is_open` for many (object_id, due) pairs at once: the pairs still open with that due date.
        One query per source, not per item (a report's period is pinned by its due date, so reports
        are asked per due date; the other kinds only bound the due date by `until`)."""
        wanted = set(items)
        groups: dict[dt.date | None, set[tuple[int, dt.date]]] = defaultdict(set)
        for object_id, due in wanted:
            groups[due if self.code == DueKindCode.REPORT else None].add((object_id, due))
        found: set[tuple[int, dt.date]] = set()
        for at, group in groups.items():
            ids = {object_id for object_id, _ in group}
            for qs in self.sources(today=None, until=max(due for _, due in group), due_day=0, at=at):
                found.update(qs.filter(id__in=ids).values_list("id", "due"))
        return found & wanted


def project_live(prefix: str = "") -> Q:
    """A project still in the portfolio: not archived and not withdrawn (退库). Items of any other
    project are due for nobody — the same test for every kind."""
    return Q(**{f"{prefix}archived_at__isnull": True}) & ~Q(**{f"{prefix}pool_stage": PoolStage.WITHDRAWN})


def _project_is_live(project: Project) -> bool:
    return project.archived_at is None and project.pool_stage != PoolStage.WITHDRAWN


MILESTONE_OPEN = project_live("project__") & Q(planned_date__isnull=False) & ~Q(status__in=CLOSED_STATUSES)
PROBLEM_OPEN = (Q(project__isnull=True) | project_live("project__")) & Q(deadline__isnull=False) & ~Q(status__in=PROBLEM_CLOSED_STATUSES)


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the project's time zone (Asia/Shanghai)."""
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def milestone_open_on(day: dt.date) -> Q:
    """Milestones open on the morning of `day`: open now, or done on or after `day`."""
    done_later = Q(status=MilestoneStatus.DONE, actual_date__gte=day)
    return project_live("project__") & Q(planned_date__isnull=False) & (~Q(status__in=CLOSED_STATUSES) | done_later)


def problem_open_on(day: dt.date) -> Q:
    """Problems open on the morning of `day`: raised before it, and open now or settled on or after it."""
    settled_later = Q(status__in=PROBLEM_CLOSED_STATUSES, resolved_at__gte=_start_of(day))
    live = Q(project__isnull=True) | project_live("project__")
    return live & Q(deadline__isnull=False, raised_on__lt=day) & (~Q(status__in=PROBLEM_CLOSED_STATUSES) | settled_later)


def _milestone_is_open(m: Milestone) -> bool:
    return m.planned_date is not None and m.status not in CLOSED_STATUSES and _project_is_live(m.project)


def _problem_is_open(p: Problem) -> bool:
    live = p.project_id is None or _project_is_live(p.project)
    return p.deadline is not None and p.status not in PROBLEM_CLOSED_STATUSES and live


def _milestone_sources(*, today, until: dt.date, due_day: int, at: dt.date | None = None, past: bool = False) -> list[QuerySet]:
    qs = Milestone.objects.filter(milestone_open_on(today) if past else MILESTONE_OPEN, planned_date__lte=until)
    return [
        _rows(
            qs,
            project_path="project_id",
            due=F("planned_date"),
            title=F("name"),
            dept=F("responsible_dept_id"),
            own_leader=None,
            project_ref=F("project_id"),
            project_name=F("project__name"),
        )
    ]


def _problem_sources(*, today, until: dt.date, due_day: int, at: dt.date | None = None, past: bool = False) -> list[QuerySet]:
    qs = Problem.objects.filter(problem_open_on(today) if past else PROBLEM_OPEN, deadline__lte=until)
    return [
        _rows(
            qs,
            project_path="project_id",
            due=F("deadline"),
            title=F("description"),
            dept=F("responsible_dept_id"),
            own_leader=F("coordinating_leader_id"),
            project_ref=F("project_id"),
            project_name=F("project__name"),
        )
    ]


def _start_sources(*, today, until: dt.date, due_day: int, at: dt.date | None = None, past: bool = False) -> list[QuerySet]:
    not_started = Q(build_status=BuildStatus.NOT_STARTED) | Q(actual_start__gte=today) if past else Q(build_status=BuildStatus.NOT_STARTED)
    qs = Project.objects.filter(not_started, project_live(), planned_start__isnull=False, planned_start__lte=until)
    return [
        _rows(
            qs,
            project_path="pk",
            due=F("planned_start"),
            title=Value("计划开工", output_field=CharField()),
            dept=None,
            own_leader=None,
            project_ref=F("id"),
            project_name=F("name"),
        )
    ]


def reporting_projects(*, year: int, month: int, filed_before: dt.date | None = None) -> QuerySet[Project]:
    """Projects that owe the report of (year, month) and have not filed it: live, with an annual plan
    that year, and no submitted or approved report. A started project reports from the month it
    started (January when it started before that year); one not yet started reports from January
    unless it is a 新开工 project, which starts reporting when it starts. With `filed_before`, a report
    counts as filed only if it was submitted before that day (the lights of an earlier month)."""
    month_end = report_deadline(year, month, 1) - dt.timedelta(days=1)
    plans = AnnualPlan.objects.filter(project=OuterRef("pk"), year=year)
    reporting = plans.filter(project__actual_start__lte=month_end) | plans.filter(project__actual_start__isnull=True).exclude(
        annual_role=AnnualRole.NEW_START
    )
    filed = ProgressReport.objects.filter(project=OuterRef("pk"), year=year, month=month, status__in=FILED_REPORT_STATUSES)
    if filed_before is not None:  # a report filed without a submission time (imported) counts as filed
        filed = filed.filter(Q(submitted_at__isnull=True) | Q(submitted_at__lt=_start_of(filed_before)))
    return Project.objects.filter(project_live()).filter(Exists(reporting)).exclude(Exists(filed))


def _report_sources(*, today, until: dt.date, due_day: int, at: dt.date | None = None, past: bool = False) -> list[QuerySet]:
    if at is not None:  # the settled check: exactly the period whose deadline is `at`
        year, month = period_of_deadline(at)
        periods = [Period(year, month, at)]
    else:
        periods = report_periods(today, due_day)
    sources = []
    for period in periods:
        if period.deadline > until:
            continue
        sources.append(
            _rows(
                reporting_projects(year=period.year, month=period.month, filed_before=today if past else None),
                project_path="pk",
                due=Value(period.deadline, output_field=DateField()),
                title=Value(f"{period.year}年{period.month}月月报未报送", output_field=CharField()),
                dept=None,
                own_leader=None,
                project_ref=F("id"),
                project_name=F("name"),
            )
        )
    return sources


def _period_of_deadline(due: dt.date) -> dt.date:
    """The month a report deadline belongs to: deadlines fall in the month after the period."""
    return due.replace(day=1) - dt.timedelta(days=1)


KINDS: dict[str, DueKind] = {
    DueKindCode.MILESTONE: DueKind(
        DueKindCode.MILESTONE,
        "要件/节点",
        RuleCode.MILESTONE_DUE,
        _milestone_sources,
        "/projects/{project_ref}/#milestone-{id}",
        MILESTONE_OPEN,
        _milestone_is_open,
    ),
    DueKindCode.PROBLEM: DueKind(
        DueKindCode.PROBLEM,
        "问题",
        RuleCode.PROBLEM_DUE,
        _problem_sources,
        "/projects/{project_ref}/#problem-{id}",
        PROBLEM_OPEN,
        _problem_is_open,
    ),
    DueKindCode.START: DueKind(
        DueKindCode.START,
        "计划开工",
        RuleCode.START_DUE,
        _start_sources,
        "/projects/{project_ref}/",
    ),
    DueKindCode.REPORT: DueKind(
        DueKindCode.REPORT,
        "月报未报送",
        RuleCode.REPORT_FILING,
        _report_sources,
        "/projects/{project_ref}/reports/new/",
        link_query=lambda row: "?year={0.year}&month={0.month}".format(_period_of_deadline(row["due"])),
    ),
}
KIND_CHOICES = tuple((k.code, k.label) for k in KINDS.values())


def leader_q(leader_id: int) -> Q:
    """Rows (ROW_KEYS) that belong to a leader: its own items, or items of projects it leads."""
    # An uncorrelated IN (subquery): PostgreSQL hashes the leader's projects once, where a
    # correlated EXISTS was run row by row over every open item (3 s against 43 000 items).
    leads = ProjectResponsibility.objects.filter(role=ResponsibilityRole.LEAD_LEADER, leader_id=leader_id).values("project_id")
    return Q(own_leader_ref=leader_id) | Q(project_ref__in=leads)


def region_q(region_id: int) -> Q:
    in_region = Project.objects.filter(Q(region_id=region_id) | Q(region__parent_id=region_id), pk=OuterRef("project_ref"))
    return Q(Exists(in_region))


def due_rows(
    code: str,
    *,
    today: dt.date,
    until: dt.date,
    due_day: int,
    leader: int | None = None,
    department: int | None = None,
    region: int | None = None,
    past: bool = False,
) -> list[QuerySet]:
    """The open rows of one kind due on or before `until`, narrowed to a leader, department or region
    (with `past`, as they stood on the morning of `today`, a day gone by)."""
    sources = KINDS[code].sources(today=today, until=until, due_day=due_day, past=past)
    narrowed = []
    for qs in sources:
        if leader:
            qs = qs.filter(leader_q(leader))
        if department:
            qs = qs.filter(dept_ref=department)
        if region:
            qs = qs.filter(region_q(region))
        narrowed.append(qs)
    return narrowed


def project_leaders(project_ids: set[int]) -> dict[int, list[int]]:
    """Each project's 包保领导 ids (one query)."""
    result: dict[int, list[int]] = {}
    rows = ProjectResponsibility.objects.filter(
        project_id__in=project_ids, role=ResponsibilityRole.LEAD_LEADER, leader_id__isnull=False
    ).values_list("project_id", "leader_id")
    for project_id, leader_id in rows.order_by("id"):
        result.setdefault(project_id, []).append(leader_id)
    return result


def item_leaders(row: dict, leaders_of_project: dict[int, list[int]]) -> list[int]:
    """The leaders an item belongs to (the same rule as `leader_q`)."""
    ids = list(leaders_of_project.get(row["project_ref"], ()))
    if row["own_leader_ref"] and row["own_leader_ref"] not in ids:
        ids.append(row["own_leader_ref"])
    return ids
