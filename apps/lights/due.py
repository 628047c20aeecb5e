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

What counts as live, started, a report period and its deadline comes from the notions
(`apps.projects.notions`, `apps.workcalendar.periods`): a report is due on 次月N日 moved to the next
working day; a planned start is the project's 计划开工日期, else the first day of its latest plan's
计划开工月份. How long an item stays yellow past its due date is the lights' business
(`apps.lights.selectors`), not the registry's: an item past due is overdue here.

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

from django.db.models import BigIntegerField, CharField, DateField, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from apps.milestones.models import CLOSED_STATUSES, Milestone, MilestoneStatus
from apps.problems.models import PROBLEM_CLOSED_STATUSES, Problem
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import AnnualPlan, AnnualRole, Project, ProjectResponsibility, ResponsibilityRole
from apps.projects.notions import is_live, live_q, started_q
from apps.workcalendar.periods import Period, period_of_deadline, report_periods
from apps.workcalendar.services import WorkdayIndex

from .models import RuleCode

DEFAULT_REPORT_DUE_DAY = 5  # the 月报报送 rule's default (lights.selectors.DEFAULTS)

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
    link_query: Callable[[dict, int], str] | None = None  # extra query string of the link, from the row and the due day

    def link(self, row: dict, *, due_day: int | None = None) -> str:
        """The item's page. `due_day` (the 月报报送 rule's) tells a report's period from its deadline
        when a move to a working day crossed into another month; without it, the default day."""
        # An item outside any project (a problem raised for a whole area) has no dossier to open.
        if row.get("project_ref") is None:
            return NO_PROJECT_LINK
        link = self.link_pattern.format(id=row["id"], project_ref=row["project_ref"])
        return link + self.link_query(row, due_day or DEFAULT_REPORT_DUE_DAY) if self.link_query else link

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
        # A report's period from its deadline needs the due day (a deadline moved across a month end).
        due_day = report_due_day() if self.code == DueKindCode.REPORT and wanted else 0
        found: set[tuple[int, dt.date]] = set()
        for at, group in groups.items():
            ids = {object_id for object_id, _ in group}
            for qs in self.sources(today=None, until=max(due for _, due in group), due_day=due_day, at=at):
                found.update(qs.filter(id__in=ids).values_list("id", "due"))
        return found & wanted


def report_due_day() -> int:
    """The 月报报送 rule's due day (one query; the default when the office has no row)."""
    from .models import WarningRule

    day = WarningRule.objects.filter(code=RuleCode.REPORT_FILING).values_list("report_due_day", flat=True).first()
    return day or DEFAULT_REPORT_DUE_DAY


MILESTONE_OPEN = live_q("project__") & Q(planned_date__isnull=False) & ~Q(status__in=CLOSED_STATUSES)
PROBLEM_OPEN = (Q(project__isnull=True) | live_q("project__")) & Q(deadline__isnull=False) & ~Q(status__in=PROBLEM_CLOSED_STATUSES)


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the project's time zone (Asia/Shanghai)."""
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def milestone_open_on(day: dt.date) -> Q:
    """Milestones open on the morning of `day`: open now, or done on or after `day`."""
    done_later = Q(status=MilestoneStatus.DONE, actual_date__gte=day)
    return live_q("project__") & Q(planned_date__isnull=False) & (~Q(status__in=CLOSED_STATUSES) | done_later)


def problem_open_on(day: dt.date) -> Q:
    """Problems open on the morning of `day`: raised before it, and open now or settled on or after it."""
    settled_later = Q(status__in=PROBLEM_CLOSED_STATUSES, resolved_at__gte=_start_of(day))
    live = Q(project__isnull=True) | live_q("project__")
    return live & Q(deadline__isnull=False, raised_on__lt=day) & (~Q(status__in=PROBLEM_CLOSED_STATUSES) | settled_later)


def _milestone_is_open(m: Milestone) -> bool:
    return m.planned_date is not None and m.status not in CLOSED_STATUSES and is_live(m.project)


def _problem_is_open(p: Problem) -> bool:
    live = p.project_id is None or is_live(p.project)
    return p.deadline is not None and p.status not in PROBLEM_CLOSED_STATUSES and live


def _milestone_sources(
    *, today, until: dt.date, due_day: int, at: dt.date | None = None, past: bool = False, index: WorkdayIndex | None = None
) -> list[QuerySet]:
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


def _problem_sources(
    *, today, until: dt.date, due_day: int, at: dt.date | None = None, past: bool = False, index: WorkdayIndex | None = None
) -> list[QuerySet]:
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


class MonthStart(Func):
    """The first day of (year, month), two integer expressions, as a date."""

    output_field = DateField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="MAKE_DATE(%(expressions)s, 1)", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # No printf: a literal % would clash with the parameter markers.
        (year, year_params), (month, month_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return f"DATE({year} || '-' || SUBSTR('0' || {month}, -2) || '-01')", [*year_params, *month_params]


def planned_start_due() -> Coalesce:
    """A project's planned start (a Project expression): its 计划开工日期; without one, the first day of
    the 计划开工月份 of its latest annual plan that names one."""
    plan = AnnualPlan.objects.filter(project=OuterRef("pk"), planned_start_month__isnull=False).order_by("-year")
    month_start = plan.annotate(first=MonthStart("year", "planned_start_month")).values("first")[:1]
    return Coalesce(F("planned_start"), Subquery(month_start, output_field=DateField()), output_field=DateField())


def planned_start_of(project: Project) -> dt.date | None:
    """`planned_start_due` for one loaded project."""
    if project.planned_start is not None:
        return project.planned_start
    plan = project.annual_plans.filter(planned_start_month__isnull=False).order_by("-year").first()
    return dt.date(plan.year, plan.planned_start_month, 1) if plan else None


def _start_sources(
    *, today, until: dt.date, due_day: int, at: dt.date | None = None, past: bool = False, index: WorkdayIndex | None = None
) -> list[QuerySet]:
    # Not started (the one definition: no 实际开工日期 on or before the day); with `past`, not started
    # on the morning of `today`.
    day = today or timezone.localdate()
    not_started = ~started_q(day - dt.timedelta(days=1) if past else day)
    qs = Project.objects.filter(not_started, live_q()).annotate(start_due=planned_start_due()).filter(start_due__lte=until)
    return [
        _rows(
            qs,
            project_path="pk",
            due=F("start_due"),
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
    month_end = Period(year, month).last_day
    plans = AnnualPlan.objects.filter(project=OuterRef("pk"), year=year)
    reporting = plans.filter(started_q(month_end, "project__")) | plans.filter(project__actual_start__isnull=True).exclude(
        annual_role=AnnualRole.NEW_START
    )
    filed = ProgressReport.objects.filter(project=OuterRef("pk"), year=year, month=month, status__in=FILED_REPORT_STATUSES)
    if filed_before is not None:  # a report filed without a submission time (imported) counts as filed
        filed = filed.filter(Q(submitted_at__isnull=True) | Q(submitted_at__lt=_start_of(filed_before)))
    return Project.objects.filter(live_q()).filter(Exists(reporting)).exclude(Exists(filed))


def report_period_owed(project: Project, today: dt.date) -> Period | None:
    """The report period a project should file next on `today` (what 填报月报 opens): the earliest
    period whose report can be open (`report_periods`, less this month's, which is not yet due) that
    the project owes and has not filed — a draft or a returned report is still owed. None when it
    owes none (every due report is submitted or approved, or it does not report)."""
    index = WorkdayIndex(*deadline_span(today))
    this_month = Period.of(today)
    for period, _deadline in report_periods(today, report_due_day(), index):
        if period == this_month:
            continue
        if reporting_projects(year=period.year, month=period.month).filter(pk=project.pk).exists():
            return period
    return None


def deadline_span(today: dt.date) -> tuple[dt.date, dt.date]:
    """The days a working-day index must cover for every report deadline that can be open on `today`:
    from 1 January of the latest report period's year to 20 days past the month after today's (a
    deadline on day 28 moved past a holiday; `report_deadline` looks 20 days ahead)."""
    return Period.of(today).previous.year_start, Period.of(today).next.last_day + dt.timedelta(days=20)


def _report_sources(
    *, today, until: dt.date, due_day: int, at: dt.date | None = None, past: bool = False, index: WorkdayIndex | None = None
) -> list[QuerySet]:
    if at is not None:  # the settled check: exactly the period whose deadline is `at`
        periods = [(period_of_deadline(at, due_day or DEFAULT_REPORT_DUE_DAY), at)]
    else:
        # Deadlines move to the next working day (apps.workcalendar.periods): one calendar load
        # for every period, unless the caller's index already covers them.
        first, last = deadline_span(today)
        if index is None or not index.covers(first, last):
            index = WorkdayIndex(first, last)
        periods = report_periods(today, due_day, index)
    sources = []
    for period, deadline in periods:
        if deadline > until:
            continue
        sources.append(
            _rows(
                reporting_projects(year=period.year, month=period.month, filed_before=today if past else None),
                project_path="pk",
                due=Value(deadline, output_field=DateField()),
                title=Value(f"{period.label}月报未报送", output_field=CharField()),
                dept=None,
                own_leader=None,
                project_ref=F("id"),
                project_name=F("name"),
            )
        )
    return sources


def _report_link_query(row: dict, due_day: int) -> str:
    period = period_of_deadline(row["due"], due_day)
    return f"?year={period.year}&month={period.month}"


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
        link_query=_report_link_query,
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
    index: WorkdayIndex | None = None,
) -> list[QuerySet]:
    """The open rows of one kind due on or before `until`, narrowed to a leader, department or region
    (with `past`, as they stood on the morning of `today`, a day gone by)."""
    sources = KINDS[code].sources(today=today, until=until, due_day=due_day, past=past, index=index)
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
