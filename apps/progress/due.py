"""The monthly report due kind (月报未报送): a project that owes a period's report is due on that
period's deadline — 次月N日 (the 月报报送 rule's due day) moved to the next working day
(apps.workcalendar.periods)."""

from __future__ import annotations

import datetime as dt

from django.db.models import CharField, DateField, Exists, F, OuterRef, Q, QuerySet, Value

from apps.core.due import DEFAULT_DUE_DAY, DueKind, DueKindCode, due_day_now
from apps.projects.due import due_values, start_of
from apps.projects.models import AnnualPlan, AnnualRole, Project
from apps.projects.notions import live_q, started_q
from apps.workcalendar.periods import Period, period_of_deadline, report_periods
from apps.workcalendar.services import WorkdayIndex

from .models import ProgressReport, ReportStatus

FILED_REPORT_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


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
        filed = filed.filter(Q(submitted_at__isnull=True) | Q(submitted_at__lt=start_of(filed_before)))
    return Project.objects.filter(live_q()).filter(Exists(reporting)).exclude(Exists(filed))


def report_period_owed(project: Project, today: dt.date) -> Period | None:
    """The report period a project should file next on `today` (what 填报月报 opens): the earliest
    period whose report can be open (`report_periods`, less this month's, which is not yet due) that
    the project owes and has not filed — a draft or a returned report is still owed. None when it
    owes none (every due report is submitted or approved, or it does not report)."""
    index = WorkdayIndex(*deadline_span(today))
    this_month = Period.of(today)
    for period, _deadline in report_periods(today, due_day_now(), index):
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
        periods = [(period_of_deadline(at, due_day or DEFAULT_DUE_DAY), at)]
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
            due_values(
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


def _report_sources_key(today: dt.date, due_day: int) -> tuple:
    """The periods whose report can be open on `today`, with their deadlines (what `_report_sources`
    builds its SQL from): two queries, the calendar of `deadline_span`."""
    return tuple(report_periods(today, due_day, WorkdayIndex(*deadline_span(today))))


def _report_link_query(row: dict, due_day: int) -> str:
    period = period_of_deadline(row["due"], due_day)
    return f"?year={period.year}&month={period.month}"


REPORT = DueKind(
    DueKindCode.REPORT,
    "月报未报送",
    order=40,
    rule_code="report_filing",  # apps.lights.models.RuleCode.REPORT_FILING (tests/lights/test_due_registry.py)
    sources=_report_sources,
    link_pattern="/projects/{project_ref}/reports/new/",
    link_query=_report_link_query,
    by_period=True,
    sources_key=_report_sources_key,
)
