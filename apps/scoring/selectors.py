"""The score board: each target's score on each item of a scheme, computed live from the ledger.

Rules:
- Targets: departments (a project belongs to its 牵头单位) or towns/streets/parks (a project belongs
  to its region and that region's parent) — the membership of `apps.stats.selectors.portfolio_groups`,
  whose figures every measure reads. A target is listed when it has a project or a manual deduction.
- Period: a month is scored on its year-to-date figures; a quarter on those of its last month; a
  year on December's. Manual deductions count from 1 January to the period end.
- Each item scores base_score + its method's delta bounded by the caps (apps/scoring/methods.py),
  rounded to the hundredth; the total is the sum of the rounded item scores.
- Rank: by total, higher first; equal totals share a rank and the next rank skips (1, 2, 2, 4);
  within a tie targets keep their own list order.

The number of queries does not depend on the number of targets or projects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone

from apps.projects.models import AnnualRole
from apps.projects.notions import CONTINUING_ROLES
from apps.stats.closing import frozen_group_members
from apps.stats.selectors import ProjectPeriodFigures, active_projects, group_members, period_rows, portfolio_groups
from apps.workcalendar import periods
from apps.workcalendar.periods import latest_report_period, period_end

from . import methods
from .models import AssessmentDeduction, AssessmentItem, AssessmentScheme, Method, TargetKind

PERIOD_KINDS = {"month": "月度", "quarter": "季度", "year": "年度"}


@dataclass
class ItemScore:
    item_id: int
    name: str
    method: str
    raw_value: Decimal | None  # the measure (rates in %), the projects counted, or the deduction cases
    score: Decimal
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScoreRow:
    target_kind: str  # TargetKind value
    target_id: int  # Department or Region id
    target_name: str
    project_count: int
    total: Decimal
    rank: int = 0
    items: list[ItemScore] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int
    month: int  # the month whose year-to-date figures are scored

    @property
    def end(self) -> dt.date:
        return period_end(self.year, self.month)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.month}月"
        if self.kind == "quarter":
            return f"{self.year}年第{self.number}季度"
        return f"{self.year}年度"


def period_of(period_kind: str, year: int, number: int | None) -> Period:
    """month n → month n; quarter n → month 3n; year → December (number ignored)."""
    if period_kind == "month":
        if number is None or not 1 <= number <= 12:
            raise ValueError("月份应在1至12之间。")
        return Period("month", year, number, number)
    if period_kind == "quarter":
        if number is None or not 1 <= number <= 4:
            raise ValueError("季度应在1至4之间。")
        return Period("quarter", year, number, number * 3)
    if period_kind == "year":
        return Period("year", year, 12, 12)
    raise ValueError("考核周期应为 month（月度）、quarter（季度）或 year（年度）。")


def default_number(period_kind: str, year: int, today: dt.date) -> int:
    """The latest reported period of `year` (last month, or its quarter); a past year's last one."""
    latest = latest_report_period(today)
    latest_year, latest_month = latest.year, latest.month
    month = latest_month if year == latest_year else 12
    return {"month": month, "quarter": periods.Period(latest_year, month).quarter}.get(period_kind, 12)


def scheme_list() -> QuerySet[AssessmentScheme]:
    """Schemes with their items (everyone signed in reads them)."""
    return AssessmentScheme.objects.prefetch_related("items")


def scheme_for(*, year: int, target_kind: str) -> AssessmentScheme | None:
    """The year's scheme for departments or for towns (one per year and kind), with its items."""
    return scheme_list().filter(year=year, target_kind=target_kind).first()


def _role(p: ProjectPeriodFigures) -> str | None:
    if not p.has_plan:
        return None
    if p.annual_role == AnnualRole.NEW_START:
        return "new"
    return "cont" if p.annual_role in CONTINUING_ROLES else None


def _pct(value: Decimal | None, rate: bool) -> Decimal | None:
    return None if value is None or not rate else value * methods.HUNDRED


def _measure_value(params: dict, figures) -> tuple[methods.Measure, Decimal | None, dict]:
    measure = methods.MEASURES[params["measure"]]
    value = measure.value(figures) if figures is not None else None
    shown = (_pct(value, True) if measure.rate else value) if value is not None else None
    evidence = {"指标": measure.label, **(measure.inputs(figures) if figures is not None else {}), "指标值": shown}
    return measure, value, evidence


def _item_score(item: AssessmentItem, delta: Decimal | None, raw: Decimal | None, evidence: dict) -> ItemScore:
    if delta is None:
        evidence["说明"] = evidence.get("说明") or "无可计算的指标值，本项不得分。"
        score = methods.ZERO
    else:
        bounded = methods.clamp(delta, cap_plus=item.cap_plus, cap_minus=item.cap_minus)
        evidence["加减分"] = methods.score_round(delta)
        if bounded != delta:
            evidence["封顶后加减分"] = methods.score_round(bounded)
        evidence["基础分"] = item.base_score
        score = methods.score_round(item.base_score + bounded)
    return ItemScore(item.pk, item.name, item.method, raw, score, evidence)


def _score_rate_item(item: AssessmentItem, params: dict, figures) -> ItemScore:
    _, rate, evidence = _measure_value(params, figures)
    if rate is None:
        return _item_score(item, None, None, evidence)
    if item.method == Method.BAND:
        delta = methods.band_delta(rate, below_per_point=params["below_per_point"], bands=params["bands"])
    elif params["mode"] == "proportional":
        delta = methods.ratio_proportional_delta(rate, base=item.base_score)
    else:
        delta = methods.ratio_step_delta(
            rate, step_pct=params["step_pct"], step_points=params["step_points"], whole_steps=params["whole_steps"]
        )
    return _item_score(item, delta, rate * methods.HUNDRED, evidence)


def _score_per_project(item: AssessmentItem, params: dict, members: list[ProjectPeriodFigures], end: dt.date) -> ItemScore:
    counted, delta = [], methods.ZERO
    for p in members:
        if not p.has_plan or (params["started_only"] and not p.going):
            continue
        if params["by"] == "role":
            role = _role(p)
            points = params["points"].get(role) if role else None
            basis = methods.ROLE_LABELS.get(role or "", "")
        else:
            points = methods.size_points(p.annual_plan, params["bands"])
            basis = f"年度计划{p.annual_plan}万元"
        if points is None:
            continue
        delta += points
        counted.append({"id": p.project_id, "name": p.name, "basis": basis, "points": points})
    evidence = {"计入项目": counted, "计入项目数": len(counted)}
    if params["started_only"]:
        evidence["说明"] = "只计报告期末前已开工（新开工）或已复工（续建）的项目。"
    return _item_score(item, delta, Decimal(len(counted)), evidence)


def _score_deduct(
    item: AssessmentItem, params: dict, members: list[ProjectPeriodFigures], deductions: list, end: dt.date, today: dt.date
) -> ItemScore:
    evidence: dict[str, Any] = {}
    delta, cases = methods.ZERO, 0
    if params.get("rule") == "late_start":
        # A 新开工 plan whose planned start passed (by the period end, and before today) and that had
        # not started by the period end (the period row's `started`: notions.plan_is_started).
        cutoff = min(end + dt.timedelta(days=1), today)
        late = [
            {"id": p.project_id, "name": p.name, "planned_start": p.planned_start, "points": params["points_each"]}
            for p in members
            if p.has_plan
            and p.annual_role == AnnualRole.NEW_START
            and p.planned_start is not None
            and p.planned_start < cutoff
            and not p.started
        ]
        evidence["未按期开工项目"] = late
        evidence["每项目扣分"] = params["points_each"]
        delta -= params["points_each"] * len(late)
        cases += len(late)
    if params["manual"]:
        evidence["手工扣分"] = [{"date": d.date, "points": d.points, "reason": d.reason} for d in deductions]
        delta -= sum((d.points for d in deductions), methods.ZERO)
        cases += len(deductions)
    return _item_score(item, delta, Decimal(cases), evidence)


def score_board(
    scheme: AssessmentScheme, *, period_kind: str, year: int | None = None, number: int | None = None, today: dt.date | None = None
) -> list[ScoreRow]:
    """Every listed target of `scheme` scored for the period, ranked (1, 2, 2, 4), best first."""
    period = period_of(period_kind, year or scheme.year, number)
    today = today or timezone.localdate()
    group_by = "department" if scheme.target_kind == TargetKind.DEPARTMENT else "region"
    items = [(item, item.parsed) for item in AssessmentItem.objects.filter(scheme=scheme).order_by("order", "id")]

    projects = active_projects()
    # The same membership portfolio_groups sums its figures over (imported, not rewritten), so the
    # projects named as evidence are exactly those behind the rates.
    # A closed month scores what was frozen at its close: the groups' members, and (period_rows) the
    # figures and per-project facts of the per-project and late-start items.
    groups = frozen_group_members(group_by, year=period.year, month=period.month, projects=projects)
    if groups is None:
        groups = group_members(group_by, projects)
    # One set of period rows (frozen for a closed month) behind the rates and the per-project items.
    rows = period_rows(year=period.year, month=period.month, today=today, projects=projects)
    figures = {
        key: f
        for key, _, f in portfolio_groups(
            group_by=group_by, year=period.year, month=period.month, today=today, projects=projects, rows=rows
        )
    }
    target_field = "department_id" if group_by == "department" else "region_id"
    deductions: dict[int, list[AssessmentDeduction]] = {}
    for d in AssessmentDeduction.objects.filter(scheme=scheme, date__gte=dt.date(period.year, 1, 1), date__lte=period.end).order_by(
        "date", "id"
    ):
        deductions.setdefault(getattr(d, target_field), []).append(d)

    board = []
    for group_key, label, ids in groups:
        key = cast(int, group_key)  # departments and regions are keyed by id
        if not ids and key not in deductions:
            continue
        members = [rows[pk] for pk in ids if pk in rows]
        board.append(ScoreRow(scheme.target_kind, key, label, len(ids), methods.ZERO))
        row = board[-1]
        for item, params in items:
            if item.method in (Method.RATIO, Method.BAND):
                row.items.append(_score_rate_item(item, params, figures.get(key)))
            elif item.method == Method.PER_PROJECT:
                row.items.append(_score_per_project(item, params, members, period.end))
            elif item.method == Method.DEDUCT:
                row.items.append(_score_deduct(item, params, members, deductions.get(key, []), period.end, today))
            else:
                row.items.append(ItemScore(item.pk, item.name, item.method, None, methods.ZERO))  # rank: filled below

    # Rank items need every target's value first.
    for index, (item, params) in enumerate(items):
        if item.method != Method.RANK:
            continue
        values = {}
        for row in board:
            measure, value, evidence = _measure_value(params, figures.get(row.target_id))
            values[row.target_id] = value
            row.items[index].evidence = evidence
        ranks = methods.competition_ranks(values)
        for row in board:
            rank = ranks[row.target_id]
            evidence = row.items[index].evidence
            evidence["名次"] = rank
            evidence["参与排名单位数"] = sum(1 for v in values.values() if v is not None)
            delta = methods.rank_points(rank, params["bands"]) if rank is not None else None
            scored = _item_score(item, delta, None if rank is None else Decimal(rank), evidence)
            scored.raw_value = evidence["指标值"]
            row.items[index] = scored

    for row in board:
        row.total = sum((i.score for i in row.items), methods.ZERO)
    order = {key: n for n, (key, _, _) in enumerate(groups)}
    board.sort(key=lambda r: (-r.total, order[r.target_id]))
    totals = methods.competition_ranks({r.target_id: r.total for r in board})
    for row in board:
        row.rank = totals[row.target_id] or 0  # every total is a number, so every row has a rank
    return board
