"""The planned-start due kind (计划开工), and the row shape every due kind shares (apps.core.due).

A planned start is the project's 计划开工日期, else the first day of its latest plan's 计划开工月份;
a project not started by it is overdue (how long it stays yellow is the lights' business).
`due_values` and `lead_responsible` give every kind the same `ROW_KEYS` rows: the kinds of the other
domain apps (milestones, problems, progress) build their rows with them, since every item belongs to
a project's 牵头单位 and 包保领导 unless it names its own.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BigIntegerField, CharField, DateField, F, Func, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from apps.core.due import DueKind, DueKindCode
from apps.workcalendar.services import WorkdayIndex

from .models import AnnualPlan, Project, ProjectResponsibility, ResponsibilityRole
from .notions import live_q, started_q


def lead_responsible(project_path: str, role: str, field: str) -> Subquery:
    """The first 包保领导 / 牵头单位 of the row's project."""
    qs = ProjectResponsibility.objects.filter(project=OuterRef(project_path), role=role).exclude(**{f"{field}__isnull": True})
    return Subquery(qs.order_by("id").values(field)[:1], output_field=IntegerField())


def due_values(qs: QuerySet, *, project_path: str, due, title, dept, own_leader, project_ref, project_name) -> QuerySet:
    """`qs` as due-item rows (apps.core.due.ROW_KEYS), ordered by id."""
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


def start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the project's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class MonthStart(Func):
    """The first day of (year, month), two integer expressions, as a date."""

    output_field = DateField()
    arity = 2

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        return super().as_sql(
            compiler, connection, function=function, template="MAKE_DATE(%(expressions)s, 1)", arg_joiner=arg_joiner, **extra
        )

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
    return dt.date(plan.year, plan.planned_start_month, 1) if plan and plan.planned_start_month else None


def _start_sources(
    *, today, until: dt.date, due_day: int, at: dt.date | None = None, past: bool = False, index: WorkdayIndex | None = None
) -> list[QuerySet]:
    # Not started (the one definition: no 实际开工日期 on or before the day); with `past`, not started
    # on the morning of `today`.
    day = today or timezone.localdate()
    not_started = ~started_q(day - dt.timedelta(days=1) if past else day)
    qs = Project.objects.filter(not_started, live_q()).annotate(start_due=planned_start_due()).filter(start_due__lte=until)
    return [
        due_values(
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


START = DueKind(
    DueKindCode.START,
    "计划开工",
    order=30,
    rule_code="start_due",  # apps.lights.models.RuleCode.START_DUE (tests/lights/test_due_registry.py holds them equal)
    sources=_start_sources,
    link_pattern="/projects/{project_ref}/",
)
