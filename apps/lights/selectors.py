"""Red/yellow/green lights of milestones, problems and projects (DESIGN.md §4, DOMAIN.md §10.2).

Rules (each a row of the warning rules, `WarningRule`; DEFAULTS when the office has none):
- A milestone or problem is red when past due and not done, yellow when due on or before the
  N-th working day from today (N from the rule row, default 7), green otherwise. A milestone done
  late (逾期办结) is green but says so (`done_late`).
- 计划开工: a project not started is yellow from N working days before its planned start (its
  计划开工日期, else the first day of its plan's 计划开工月份), stays yellow once the day has passed,
  and turns red more than `red_after_months` (default 3) months after it.
- 月报报送: an unfiled report is yellow from N working days before its deadline (次月5日, moved to
  the next working day), stays yellow past it, and is red after day `red_after_day` (default 10) of
  the deadline's month — or the day after the deadline when it moved past that day.
- 投资进度与序时进度: yellow `yellow_gap_points` (10) or more behind 序时进度, red more than
  `red_gap_points` (30) behind; 序时进度 from the plan's monthly targets where it has them, m/12
  otherwise (`apps.projects.notions.project_time_progress`).
- 月度目标: the report period's month missed (approved completion below the month's target; no
  approved report is 0) is yellow; `consecutive_periods` (2) months in a row missed is red.
- 入库纳统: a started project of 500万元 or more not in the 统计局's database is yellow more than
  `yellow_after_months` (1) months after its start, red more than `red_after_months` (2).
- A project's light is the worst of its parts (`ProjectRanks.parts`, reasons in `PART_LABELS`).
- Which items are open, and their due dates, come from the due-item registry (`apps.core.due`).

Each light exists twice: a plain function for one object, and a queryset annotation (`light`)
that keeps list pages at a constant number of queries. Tests hold the two to the same answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    DecimalField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from apps.core.due import DueKindCode, kinds
from apps.core.models import LIGHT_RANK, RANK_LIGHT, Light
from apps.milestones.models import Milestone
from apps.milestones.notions import DONE_LATE_LABEL, done_late_q, is_done_late  # noqa: F401 - DONE_LATE_LABEL for the lists
from apps.problems.models import Problem
from apps.progress.due import deadline_span
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.models import FIVE_MILLION, AnnualPlan, Project
from apps.projects.notions import is_live, live_q, project_time_progress, started_q
from apps.workcalendar.periods import Period, add_months, latest_report_period, report_deadline
from apps.workcalendar.services import WorkdayIndex, calendar_stamp, workday_index

from .models import DueItem, DueItemsDay, RuleCode, WarningRule

DEFAULTS = {
    RuleCode.MILESTONE_DUE: {"name": "要件/节点到期", "due_soon_working_days": 7},
    RuleCode.PROBLEM_DUE: {"name": "问题解决时限", "due_soon_working_days": 7},
    RuleCode.PROJECT_INVESTMENT: {"name": "投资进度与序时进度", "yellow_gap_points": Decimal("10"), "red_gap_points": Decimal("30")},
    RuleCode.REPORT_FILING: {"name": "月报报送", "due_soon_working_days": 3, "report_due_day": 5, "red_after_day": 10},
    RuleCode.START_DUE: {"name": "计划开工", "due_soon_working_days": 7, "red_after_months": 3},
    RuleCode.MONTHLY_TARGET: {"name": "月度目标", "consecutive_periods": 2},
    RuleCode.STATS_DB: {"name": "入库纳统", "yellow_after_months": 1, "red_after_months": 2},
}

# The parts of a project's light (`ProjectRanks.parts` keys): the due-item kinds and these.
INVESTMENT = "investment"
MONTHLY_TARGET = "monthly_target"
STATS_DB = "stats_db"

# Why a part is lit, for the 通报, the month close and the dossier. A due-item kind lit before its
# due date (临期) reads `DUE_SOON_LABELS`; `ProjectRanks.reasons` picks the right one.
PART_LABELS = {
    DueKindCode.MILESTONE: "要件/节点逾期",
    DueKindCode.PROBLEM: "问题逾期",
    DueKindCode.START: "计划开工逾期",
    DueKindCode.REPORT: "月报未报送",
    INVESTMENT: "投资进度落后序时",
    MONTHLY_TARGET: "月度目标未完成",
    STATS_DB: "未入库纳统",
}
DUE_SOON_LABELS = {
    DueKindCode.MILESTONE: "要件/节点临期",
    DueKindCode.PROBLEM: "问题临期",
    DueKindCode.START: "计划开工临期",
    DueKindCode.REPORT: "月报临近报送截止日",
}
PART_ORDER = (*PART_LABELS,)


@dataclass(frozen=True)
class Thresholds:
    enabled: bool
    due_soon_working_days: int
    yellow_gap_points: Decimal
    red_gap_points: Decimal
    report_due_day: int = 5
    red_after_day: int = 10
    yellow_after_months: int = 0
    red_after_months: int = 3
    consecutive_periods: int = 2


def rule_thresholds(code: str) -> Thresholds:
    """The thresholds of a rule row, or the DOMAIN.md defaults when the office has none."""
    return _thresholds(WarningRule.objects.filter(code=code).first() or WarningRule(code=code, **DEFAULTS[RuleCode(code)]))


def all_thresholds() -> dict[str, Thresholds]:
    """Every rule's thresholds in one query (defaults for rules the office has not entered)."""
    return _all_thresholds(list(WarningRule.objects.all()))


def _all_thresholds(rules: Sequence[WarningRule]) -> dict[str, Thresholds]:
    rows = {rule.code: rule for rule in rules}
    return {code: _thresholds(rows.get(code) or WarningRule(code=code, **DEFAULTS[code])) for code in RuleCode}


def _rules_stored_day_and_calendar() -> tuple[dict[str, Thresholds], dt.date | None, str | None]:
    """`all_thresholds`, and in the same query the day the stored due items were last brought to
    (`DueItemsDay`) and the calendar's stamp (`workday_index`). A ledger with no rule row to carry
    them (never seeded) is computed live, on a calendar loaded afresh."""
    day = DueItemsDay.objects.filter(pk=1).values("as_of")
    rules = list(WarningRule.objects.annotate(stored_as_of=Subquery(day, output_field=DateField()), calendar=calendar_stamp()))
    if not rules:
        return _all_thresholds(rules), None, None
    return _all_thresholds(rules), rules[0].stored_as_of, rules[0].calendar


def _thresholds(rule: WarningRule) -> Thresholds:
    return Thresholds(
        enabled=rule.enabled,
        due_soon_working_days=rule.due_soon_working_days,
        yellow_gap_points=Decimal(rule.yellow_gap_points),
        red_gap_points=Decimal(rule.red_gap_points),
        report_due_day=rule.report_due_day,
        red_after_day=rule.red_after_day,
        yellow_after_months=rule.yellow_after_months,
        red_after_months=rule.red_after_months,
        consecutive_periods=rule.consecutive_periods,
    )


@dataclass(frozen=True)
class LightContext:
    """Everything a light depends on besides the row itself, computed once per request."""

    today: dt.date
    milestone: Thresholds
    problem: Thresholds
    investment: Thresholds
    milestone_limit: dt.date
    problem_limit: dt.date
    period_year: int
    period_month: int  # 0 in January of the first year: no investment light yet
    report_due_day: int = 5
    # Per due-item kind (apps.core.due.kinds()): its rule, and the last due date that is "due soon".
    windows: dict[str, Thresholds] = field(default_factory=dict)
    limits: dict[str, dt.date] = field(default_factory=dict)
    # Per due-item kind: an open item due before this day is red (past due and not yet red: yellow).
    red_before: dict[str, dt.date] = field(default_factory=dict)
    # The lights as they stood on the morning of `today`, a day gone by (items settled since count open).
    past: bool = False
    monthly_target: Thresholds | None = None
    stats_db: Thresholds | None = None
    # 入库纳统: a project started before the first day is yellow, before the second red.
    stats_db_before: tuple[dt.date, dt.date] | None = None
    # Working days from January of the report year past next month's report deadline.
    index: WorkdayIndex | None = None
    # The day the stored due items were last brought to, read with the rules (`stored_answers`).
    stored_as_of: dt.date | None = None


def stored_answers(ctx: LightContext) -> bool:
    """The stored due items (`DueItem`) answer for `ctx`'s day: they were last brought to it. A day
    gone by is always computed live."""
    return not ctx.past and ctx.stored_as_of == ctx.today


def report_period(today: dt.date) -> tuple[int, int]:
    """(year, month) of `latest_report_period(today)`: the month before `today`'s month."""
    period = latest_report_period(today)
    return period.year, period.month


def months_cutoff(today: dt.date, months: int) -> dt.date:
    """The first day d with add_months(d, months) >= today: a day is more than `months` whole months
    before `today` exactly when it is before the cutoff (29-31 January count one month on 28 February)."""
    cut = add_months(today, -months)
    while add_months(cut, months) < today:
        cut += dt.timedelta(days=1)
    while add_months(cut - dt.timedelta(days=1), months) >= today:
        cut -= dt.timedelta(days=1)
    return cut


def report_red_from(period: Period, t: Thresholds, index: WorkdayIndex | None = None) -> dt.date:
    """The first red day of `period`'s unfiled report: after day `red_after_day` of the month its
    report is due in, and never before the day after its (moved) deadline."""
    deadline = report_deadline(period, t.report_due_day, index)
    due_month = period.next
    after_day = dt.date(due_month.year, due_month.month, min(t.red_after_day, due_month.last_day.day))
    return max(after_day, deadline) + dt.timedelta(days=1)


def report_red_before(today: dt.date, t: Thresholds, index: WorkdayIndex | None = None) -> dt.date:
    """Report rows carry their period's deadline as due date, and a later period never turns red
    before an earlier one: the rows due before the deadline of the earliest period not yet red are red."""
    period = Period.of(today)  # its report is due next month: never red yet
    cutoff = report_deadline(period, t.report_due_day, index)
    while report_red_from(period.previous, t, index) > today:
        period = period.previous
        cutoff = report_deadline(period, t.report_due_day, index)
    return cutoff


def light_context(*, today: dt.date, past: bool = False) -> LightContext:
    """Rules and due-soon limits for `today` (one query, independent of row count; two more to load
    the calendar when this process holds no index for its stamp: `workday_index`). With
    `past=True`, the lights as they stood on the morning of `today`, a day gone by."""
    rules, stored_as_of, calendar = _rules_stored_day_and_calendar()
    windows = {code: rules[kind.rule_code] for code, kind in kinds().items()}
    span = max(t.due_soon_working_days for t in windows.values())
    first, last = deadline_span(today)
    index = workday_index(min(first, today), max(last, today + dt.timedelta(days=3 * span + 30)), stamp=calendar)
    # "Due within N working days": every date d with working days in (today, d] <= N, so a
    # deadline on the weekend after the N-th working day is due soon too (the sweep's horizon).
    limits = {code: index.horizon(today, t.due_soon_working_days) for code, t in windows.items()}
    red_before = {
        DueKindCode.MILESTONE: today,
        DueKindCode.PROBLEM: today,
        DueKindCode.START: months_cutoff(today, windows[DueKindCode.START].red_after_months),
        DueKindCode.REPORT: report_red_before(today, windows[DueKindCode.REPORT], index),
    }
    stats = rules[RuleCode.STATS_DB]
    period = latest_report_period(today)
    return LightContext(
        today=today,
        milestone=windows[DueKindCode.MILESTONE],
        problem=windows[DueKindCode.PROBLEM],
        investment=rules[RuleCode.PROJECT_INVESTMENT],
        milestone_limit=limits[DueKindCode.MILESTONE],
        problem_limit=limits[DueKindCode.PROBLEM],
        period_year=period.year,
        period_month=period.month,
        report_due_day=rules[RuleCode.REPORT_FILING].report_due_day,
        windows=windows,
        limits=limits,
        red_before=red_before,
        past=past,
        monthly_target=rules[RuleCode.MONTHLY_TARGET],
        stats_db=stats,
        stats_db_before=(months_cutoff(today, stats.yellow_after_months), months_cutoff(today, stats.red_after_months)),
        index=index,
        stored_as_of=stored_as_of,
    )


def period_light_context(*, year: int, month: int, today: dt.date) -> LightContext:
    """The lights of a month's figures (statistics, 通报, scoring, the month close). A month that is
    over: the lights as they stood at its end — on the morning after its last day, with what was open
    then and that month's investment — whatever day the figures are asked for, so a 通报 "统计截至11月30日"
    never shows December's lights. The month still running: today's lights."""
    period = Period(year, month)
    if today <= period.last_day:
        return light_context(today=today)
    return light_context(today=period.next.first_day, past=True)


# --- single objects ----------------------------------------------------------------------


def date_light(*, due: dt.date | None, closed: bool, today: dt.date, limit: dt.date, enabled: bool = True) -> Light:
    """Red past due and open; yellow due on or before `limit`; green otherwise."""
    if not enabled or closed or due is None:
        return Light.GREEN
    if due < today:
        return Light.RED
    if due <= limit:
        return Light.YELLOW
    return Light.GREEN


def item_light(code: str, due: dt.date, ctx: LightContext) -> Light:
    """The light of an open item of a due-item kind: red when due before the kind's red cutoff
    (`LightContext.red_before`), yellow past due or due soon, green otherwise."""
    if due < ctx.red_before.get(code, ctx.today):
        return Light.RED
    if due <= ctx.limits[code]:
        return Light.YELLOW
    return Light.GREEN


def _open_obj(code: str, obj: object) -> bool:
    """The kind's own test of one loaded object (the kinds with a row of their own have one)."""
    test = kinds()[code].open_obj
    if test is None:
        raise ValueError(f"due kind {code!r} has no test for one object")
    return test(obj)


def _open_q(code: str) -> Q:
    """The kind's open rows as a Q on its own model (the kinds with a row of their own have one)."""
    q = kinds()[code].open_q
    if q is None:
        raise ValueError(f"due kind {code!r} has no test of its rows")
    return q


def milestone_light(milestone: Milestone, ctx: LightContext) -> Light:
    return date_light(
        due=milestone.planned_date,
        closed=not _open_obj(DueKindCode.MILESTONE, milestone),
        today=ctx.today,
        limit=ctx.milestone_limit,
        enabled=ctx.milestone.enabled,
    )


def milestone_done_late(milestone: Milestone) -> bool:
    """逾期办结: green as a light, but every list says so (the `done_late` annotation for one object)."""
    return is_done_late(milestone)


def problem_light(problem: Problem, ctx: LightContext) -> Light:
    return date_light(
        due=problem.deadline,
        closed=not _open_obj(DueKindCode.PROBLEM, problem),
        today=ctx.today,
        limit=ctx.problem_limit,
        enabled=ctx.problem.enabled,
    )


POINTS = Decimal("0.01")


def behind_schedule_points(
    *, ytd_completed: Decimal, annual_plan: Decimal, month: int, targets: dict[int, Decimal] | None = None
) -> Decimal:
    """Percentage points by which the year's completion lags 序时进度 (negative when ahead), to 0.01 —
    the figure as printed, so that the light and the printed gap never disagree at a boundary."""
    progress = project_time_progress(month, targets)
    behind = progress.share * 100 - Decimal(ytd_completed) * 100 / Decimal(annual_plan)
    return behind.quantize(POINTS, rounding=ROUND_HALF_UP)


def investment_rank(
    *, ytd_completed: Decimal, annual_plan: Decimal | None, month: int, thresholds: Thresholds, targets: dict[int, Decimal] | None = None
) -> int:
    """2 red (more than `red_gap_points` behind 序时进度), 1 yellow (`yellow_gap_points` or more), 0."""
    if not thresholds.enabled or not annual_plan or annual_plan <= 0 or month <= 0:
        return 0
    behind = behind_schedule_points(ytd_completed=ytd_completed, annual_plan=annual_plan, month=month, targets=targets)
    if behind > thresholds.red_gap_points:
        return 2
    if behind >= thresholds.yellow_gap_points:
        return 1
    return 0


def investment_light(
    *, ytd_completed: Decimal, annual_plan: Decimal | None, month: int, thresholds: Thresholds, targets: dict[int, Decimal] | None = None
) -> Light:
    """Yellow `yellow_gap_points` or more behind 序时进度 (monthly targets where the plan has them,
    month/12 otherwise), red more than `red_gap_points` behind."""
    rank = investment_rank(ytd_completed=ytd_completed, annual_plan=annual_plan, month=month, thresholds=thresholds, targets=targets)
    return RANK_LIGHT[rank]


def monthly_target_rank(*, month: int, targets: dict[int, Decimal] | None, done: dict[int, Decimal], thresholds: Thresholds | None) -> int:
    """月度目标: the months up to `month` missed in a row (approved completion below a positive target;
    no approved report is 0): one is yellow, `consecutive_periods` are red."""
    if thresholds is None or not thresholds.enabled or month <= 0 or not targets:
        return 0
    missed, m = 0, month
    while m >= 1 and missed < thresholds.consecutive_periods:
        target = targets.get(m) or Decimal("0")
        if target <= 0 or (done.get(m) or Decimal("0")) >= target:
            break
        missed, m = missed + 1, m - 1
    if missed == 0:
        return 0
    return 2 if missed >= thresholds.consecutive_periods else 1


def stats_db_rank(project: Project, ctx: LightContext) -> int:
    """入库纳统: a live project of 500万元 or more, started and not in the 统计局's database (as of the
    morning of `ctx.today` with `past`): yellow, then red, months after its start."""
    t, before = ctx.stats_db, ctx.stats_db_before
    if t is None or before is None or not t.enabled or not is_live(project) or project.actual_start is None:
        return 0
    if project.total_investment < FIVE_MILLION:
        return 0
    entered = project.in_stats_db and not (ctx.past and project.stats_entry_date is not None and project.stats_entry_date >= ctx.today)
    if entered:
        return 0
    yellow_before, red_before = before
    return 2 if project.actual_start < red_before else 1 if project.actual_start < yellow_before else 0


def worst(*lights: Light) -> Light:
    return RANK_LIGHT[max((LIGHT_RANK[Light(x)] for x in lights), default=0)]


# --- querysets ----------------------------------------------------------------------------


def _rank_to_light(rank_field: str) -> Case:
    return Case(
        When(**{rank_field: 2}, then=Value(Light.RED.value)),
        When(**{rank_field: 1}, then=Value(Light.YELLOW.value)),
        default=Value(Light.GREEN.value),
    )


def _date_rank(date_field: str, code: str, t: Thresholds, today: dt.date, limit: dt.date) -> Case | Value:
    if not t.enabled:
        return Value(0, output_field=IntegerField())
    return Case(
        When(~_open_q(code), then=Value(0)),
        When(**{f"{date_field}__lt": today}, then=Value(2)),
        When(**{f"{date_field}__lte": limit}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def annotate_milestone_lights(qs: QuerySet[Milestone], ctx: LightContext) -> QuerySet[Milestone]:
    """Adds `light_rank` (0/1/2), `light` ("green"/"yellow"/"red") and `done_late` (逾期办结: done
    after its planned date — green, but lists say so; `DONE_LATE_LABEL`)."""
    rank = _date_rank("planned_date", DueKindCode.MILESTONE, ctx.milestone, ctx.today, ctx.milestone_limit)
    done_late = Case(When(done_late_q(), then=Value(True)), default=Value(False), output_field=BooleanField())
    return qs.annotate(light_rank=rank, done_late=done_late).annotate(light=_rank_to_light("light_rank"))


def annotate_problem_lights(qs: QuerySet[Problem], ctx: LightContext) -> QuerySet[Problem]:
    """Adds `light_rank` (0/1/2) and `light` ("green"/"yellow"/"red")."""
    rank = _date_rank("deadline", DueKindCode.PROBLEM, ctx.problem, ctx.today, ctx.problem_limit)
    return qs.annotate(light_rank=rank).annotate(light=_rank_to_light("light_rank"))


@dataclass(frozen=True)
class ProjectRanks:
    """Which projects are red or yellow, which have an item past due (the `overdue` filter), and the
    partial ranks behind each light (`parts[pk]`: a part → 2 red, 1 yellow; the parts are the
    due-item kinds "milestone", "problem", "start", "report", and "investment", "monthly_target",
    "stats_db"). `past_due[pk]` names the due-item kinds lit by an item past its due date (the
    others are lit by an item due soon)."""

    red: frozenset[int]
    yellow: frozenset[int]
    items_overdue: frozenset[int]
    parts: dict[int, dict[str, int]] = field(default_factory=dict)
    past_due: dict[int, frozenset[str]] = field(default_factory=dict)

    def rank(self, pk: int) -> int:
        return 2 if pk in self.red else 1 if pk in self.yellow else 0

    def reasons(self, pk: int) -> list[tuple[int, str]]:
        """(rank, Chinese reason) of each lit part, red first, in `PART_LABELS` order."""
        return part_reasons(self.parts.get(pk, {}), self.past_due.get(pk, frozenset()))


def part_reasons(parts: dict[str, int], past_due: Collection[str] = ()) -> list[tuple[int, str]]:
    """The lit parts of one project as (rank, reason), red first."""
    reasons = []
    for i, code in enumerate(PART_ORDER):
        rank = parts.get(code, 0)
        if rank:
            label = PART_LABELS[code] if code not in DUE_SOON_LABELS or code in past_due else DUE_SOON_LABELS[code]
            reasons.append((-rank, i, rank, label))
    return [(rank, label) for _, _, rank, label in sorted(reasons)]


def _stats_db_source(ctx: LightContext) -> QuerySet | None:
    """Projects lit for 入库纳统, as (kind, project, actual start) rows for the lights' UNION."""
    t, before = ctx.stats_db, ctx.stats_db_before
    if t is None or before is None or not t.enabled:
        return None
    not_entered = Q(in_stats_db=False)
    if ctx.past:  # entered on or after the morning of the day: not yet then
        not_entered |= Q(stats_entry_date__gte=ctx.today)
    started = started_q(before[0] - dt.timedelta(days=1))  # started before the day a 纳统 light begins
    qs = Project.objects.filter(live_q(), started, not_entered, total_investment__gte=FIVE_MILLION)
    kind = Value(STATS_DB, output_field=CharField())
    return qs.order_by().annotate(kind=kind, project_ref=F("pk"), first=F("actual_start")).values_list("kind", "project_ref", "first")


def _item_ranks(ctx: LightContext, project_ids: Collection[int] | QuerySet | None) -> tuple[dict[int, dict[str, int]], dict[int, set[str]]]:
    """Each project's rank per due-item kind (2 red, 1 yellow by the kind's rule) and the kinds with an
    open item past due; and its 入库纳统 rank — one query."""
    if stored_answers(ctx):
        return _stored_item_ranks(ctx, project_ids)
    parts = []
    for code, kind in kinds().items():
        if not ctx.windows[code].enabled:
            continue
        sources = kind.sources(today=ctx.today, until=ctx.limits[code], due_day=ctx.report_due_day, past=ctx.past, index=ctx.index)
        for source in sources:
            if project_ids is not None:
                source = source.filter(project_ref__in=project_ids)
            # Each source grouped by project: its earliest due date says red or yellow.
            kind_value = Value(code, output_field=CharField())
            grouped = source.order_by().annotate(kind=kind_value).values_list("kind", "project_ref").annotate(first=Min("due"))
            parts.append(grouped.filter(project_ref__isnull=False))
    stats = _stats_db_source(ctx)
    if stats is not None:
        parts.append(stats.filter(pk__in=project_ids) if project_ids is not None else stats)
    ranks: dict[int, dict[str, int]] = {}
    past_due: dict[int, set[str]] = {}
    if not parts:
        return ranks, past_due
    # One query for every kind and report period: UNION ALL of the grouped sources.
    for code, pk, first in parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]:
        mine = ranks.setdefault(pk, {})
        if code == STATS_DB and ctx.stats_db_before is not None:  # its source is there only with the rule's days
            rank = 2 if first < ctx.stats_db_before[1] else 1
        else:
            rank = 2 if first < ctx.red_before.get(code, ctx.today) else 1
            if first < ctx.today:
                past_due.setdefault(pk, set()).add(code)
        mine[code] = max(mine.get(code, 0), rank)
    return ranks, past_due


def _stored_item_ranks(
    ctx: LightContext, project_ids: Collection[int] | QuerySet | None
) -> tuple[dict[int, dict[str, int]], dict[int, set[str]]]:
    """`_item_ranks` from the stored items (brought to `ctx.today`): a kind lights a project when one
    of its items has turned yellow (`yellow_from` on or before the day), red when one has turned red,
    and counts past due when the earliest lit one is due before the day — a range scan of the lit
    rows instead of every source's open items. 入库纳统 from its own source, in the same query."""
    today = ctx.today
    lit = DueItem.objects.filter(yellow_from__lte=today, project__isnull=False)
    stats = _stats_db_source(ctx)
    if project_ids is not None:
        lit = lit.filter(project_id__in=project_ids)
        stats = stats.filter(pk__in=project_ids) if stats is not None else None
    # (kind, project, first red day, earliest due); 入库纳统's rows carry the actual start as `first`.
    rows = lit.order_by().values_list("kind", "project_id").annotate(red=Min("red_from"), first=Min("due"))
    if stats is not None:
        rows = rows.union(
            stats.annotate(red=Value(None, output_field=DateField())).values_list("kind", "project_ref", "red", "first"), all=True
        )
    ranks: dict[int, dict[str, int]] = {}
    past_due: dict[int, set[str]] = {}
    for code, pk, red, first in rows:
        if code == STATS_DB and ctx.stats_db_before is not None:  # its source is there only with the rule's days
            rank = 2 if first < ctx.stats_db_before[1] else 1
        else:
            rank = 2 if red <= today else 1
            if first < today:
                past_due.setdefault(pk, set()).add(code)
        mine = ranks.setdefault(pk, {})
        mine[code] = max(mine.get(code, 0), rank)
    return ranks, past_due


def _plan_ranks(ctx: LightContext, project_ids: Collection[int] | QuerySet | None) -> dict[int, dict[str, int]]:
    """Each project's investment and monthly-target ranks from its plan of the report year, the plan's
    monthly targets and its approved reports — two queries."""
    invest, target = ctx.investment, ctx.monthly_target
    if ctx.period_month <= 0 or not (invest.enabled or (target is not None and target.enabled)):
        return {}
    month = ctx.period_month
    # A plan and its monthly targets in one query (a row per target; one with NULLs when it has none).
    plans = AnnualPlan.objects.filter(live_q("project__"), year=ctx.period_year)
    reports = ProgressReport.objects.filter(year=ctx.period_year, month__lte=month, status=ReportStatus.APPROVED)
    if project_ids is not None:
        plans, reports = plans.filter(project_id__in=project_ids), reports.filter(project_id__in=project_ids)
    amounts: dict[int, Decimal] = {}
    targets: dict[int, dict[int, Decimal]] = {}
    for pk, amount, m, planned in plans.order_by().values_list(
        "project_id", "annual_plan", "monthly_targets__month", "monthly_targets__plan_investment"
    ):
        amounts[pk] = Decimal(amount)
        if m is not None:
            targets.setdefault(pk, {})[m] = Decimal(planned)
    done: dict[int, dict[int, Decimal]] = {}
    for pk, m, total in reports.order_by().values_list("project_id", "month").annotate(total=Sum("period_completed")):
        done.setdefault(pk, {})[m] = Decimal(total or 0)
    ranks: dict[int, dict[str, int]] = {}
    for pk, amount in amounts.items():
        mine = done.get(pk, {})
        ytd = sum(mine.values(), Decimal("0"))
        lit = {
            INVESTMENT: investment_rank(ytd_completed=ytd, annual_plan=amount, month=month, thresholds=invest, targets=targets.get(pk)),
            MONTHLY_TARGET: monthly_target_rank(month=month, targets=targets.get(pk), done=mine, thresholds=target),
        }
        lit = {part: rank for part, rank in lit.items() if rank}
        if lit:
            ranks[pk] = lit
    return ranks


def project_ranks(ctx: LightContext, project_ids: Collection[int] | QuerySet | None = None) -> ProjectRanks:
    """The lights of many projects (all, or `project_ids`) in a fixed number of plain queries: one for
    every due-item source and 入库纳统 together, and two for the plans (investment, monthly target).
    A project's light is the worst of its parts."""
    parts, past_due = _item_ranks(ctx, project_ids)
    for pk, lit in _plan_ranks(ctx, project_ids).items():
        parts.setdefault(pk, {}).update(lit)
    red = frozenset(pk for pk, mine in parts.items() if max(mine.values()) == 2)
    yellow = frozenset(pk for pk, mine in parts.items() if max(mine.values()) == 1)
    overdue = frozenset(past_due)
    return ProjectRanks(red, yellow, overdue, parts, {pk: frozenset(kinds) for pk, kinds in past_due.items()})


def annotate_period_figures(qs: QuerySet, ctx: LightContext) -> QuerySet:
    """Adds `period_plan` (the report year's annual plan) and `ytd_completed` (approved, months 1..M)."""
    money = DecimalField(max_digits=16, decimal_places=2)
    # order_by(): AnnualPlan.Meta.ordering would add a join and a sort to every row's subquery.
    plans = AnnualPlan.objects.filter(project=OuterRef("pk"), year=ctx.period_year).order_by().values("annual_plan")[:1]
    ytd = (
        ProgressReport.objects.filter(
            project=OuterRef("pk"), year=ctx.period_year, month__lte=ctx.period_month, status=ReportStatus.APPROVED
        )
        .order_by()
        .values("project")
        .annotate(total=Sum("period_completed"))
        .values("total")
    )
    return qs.annotate(
        period_plan=Subquery(plans, output_field=money),
        ytd_completed=Coalesce(Subquery(ytd, output_field=money), Value(Decimal("0")), output_field=money),
    )


def annotate_project_lights(qs: QuerySet, ctx: LightContext, ranks: ProjectRanks | None = None) -> QuerySet:
    """Adds `period_plan`, `ytd_completed`, `light_rank`, `light` and `items_overdue` to projects, so
    that lists can filter and sort on the light. The lights are worked out first (`project_ranks`)
    and enter the query as id lists: the expression tree of the lights, inlined at each reference,
    made the SQL 14–20 KB per page and its compilation the larger part of a request."""
    # Only the projects of `qs` (a subquery): a dossier or one region's export asks the database
    # for its own projects' lights, not the whole portfolio's.
    ranks = ranks if ranks is not None else project_ranks(ctx, qs.order_by().values("pk"))
    red, yellow = sorted(ranks.red), sorted(ranks.yellow)
    rank = Case(When(pk__in=red, then=Value(2)), When(pk__in=yellow, then=Value(1)), default=Value(0), output_field=IntegerField())
    light = Case(
        When(pk__in=red, then=Value(Light.RED.value)),
        When(pk__in=yellow, then=Value(Light.YELLOW.value)),
        default=Value(Light.GREEN.value),
        output_field=CharField(),
    )
    overdue = Case(When(pk__in=sorted(ranks.items_overdue), then=Value(True)), default=Value(False), output_field=BooleanField())
    return annotate_period_figures(qs, ctx).annotate(light_rank=rank, light=light, items_overdue=overdue)


def attach_project_lights(projects: Iterable, ctx: LightContext) -> list:
    """Sets `light_rank` and `light` on loaded projects (a page), in a fixed number of queries
    whatever the page size — the page's lights without working out the whole portfolio's."""
    projects = list(projects)
    missing = [p for p in projects if not hasattr(p, "light_rank")]
    if missing:
        ranks = project_ranks(ctx, [p.pk for p in missing])
        for p in missing:
            p.light_rank = ranks.rank(p.pk)
            p.light = RANK_LIGHT[p.light_rank].value
    return projects


def project_parts(project: Project, ctx: LightContext) -> dict[str, int]:
    """The parts of one project's light, computed object by object (used to check `project_ranks`)."""
    parts: dict[str, int] = {}

    def lit(part: str, light: Light) -> None:
        rank = LIGHT_RANK[Light(light)]
        if rank > parts.get(part, 0):
            parts[part] = rank

    if is_live(project):
        plan = AnnualPlan.objects.filter(project=project, year=ctx.period_year).first()
        if plan is not None and ctx.period_month > 0:
            targets = {t.month: Decimal(t.plan_investment) for t in plan.monthly_targets.all()} or None
            reports = ProgressReport.objects.filter(
                project=project, year=ctx.period_year, month__lte=ctx.period_month, status=ReportStatus.APPROVED
            )
            done: dict[int, Decimal] = {}
            for m, amount in reports.values_list("month", "period_completed"):
                done[m] = done.get(m, Decimal("0")) + Decimal(amount)
            ytd = sum(done.values(), Decimal("0"))
            invest = investment_rank(
                ytd_completed=ytd, annual_plan=plan.annual_plan, month=ctx.period_month, thresholds=ctx.investment, targets=targets
            )
            lit(INVESTMENT, RANK_LIGHT[invest])
            target = monthly_target_rank(month=ctx.period_month, targets=targets, done=done, thresholds=ctx.monthly_target)
            lit(MONTHLY_TARGET, RANK_LIGHT[target])
        lit(STATS_DB, RANK_LIGHT[stats_db_rank(project, ctx)])
    for milestone in project.milestones.all():
        lit(DueKindCode.MILESTONE, milestone_light(milestone, ctx))
    for p in project.problems.all():
        lit(DueKindCode.PROBLEM, problem_light(p, ctx))
    for code in (DueKindCode.START, DueKindCode.REPORT):  # kinds with no row of their own
        if not ctx.windows[code].enabled:
            continue
        sources = kinds()[code].sources(today=ctx.today, until=ctx.limits[code], due_day=ctx.report_due_day, index=ctx.index)
        for due in (d for s in sources for d in s.filter(id=project.pk).values_list("due", flat=True)):
            lit(code, item_light(code, due, ctx))
    return {part: rank for part, rank in parts.items() if rank}


def project_light(project, ctx: LightContext) -> Light:
    """The light of one project, computed object by object (used to check the annotation)."""
    return RANK_LIGHT[max(project_parts(project, ctx).values(), default=0)]
