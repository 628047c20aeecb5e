"""The scoring methods of DOMAIN.md §15 as pure functions over Decimals, and the validation of each
method's params (the JSON an office user types in the admin).

Every item scores `base_score + clamp(delta)`: the method yields a signed delta (points above or
below the base), the item's caps bound it (`cap_plus` above, `cap_minus` below; empty = no cap).

- ratio, mode "step": "完成计划得全分，每超(少)2%加(减)1分，最高加(减)15分" — delta =
  (rate − 100%) / step_pct × step_points (whole steps only when `whole_steps`).
- ratio, mode "proportional": "进度按照60分乘以完成投资占年度计划的比" — score = base × rate, so
  delta = base × rate − base.
- band: "未完成每不足1个百分点减0.1分；100%–130%每超1个百分点加0.2分；130%以上每超1个百分点
  加0.1分" — below 100 % each missing point costs `below_per_point`; above, each band pays its
  rate for the points that fall inside it.
- rank: the target's competition rank on a measure (ties share a rank) → the points of the first
  band whose `to_rank` reaches it ("1–3 / 4–6 / 7–10 名").
- per_project: points per counted project, by annual role (新开工/续建) or by annual-plan size band.
- deduct: `points_each` per new-start project not started by its planned date, and/or the office's
  manual deductions (AssessmentDeduction).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import ValidationError

from apps.stats import formulas
from apps.stats.selectors import PortfolioFigures

HUNDRED = Decimal("100")
ZERO = Decimal("0")
ONE = Decimal("1")
SCORE_PLACES = Decimal("0.01")

RATIO, BAND, RANK, PER_PROJECT, DEDUCT = "ratio", "band", "rank", "per_project", "deduct"


@dataclass(frozen=True)
class Measure:
    """A figure of PortfolioFigures an item may read; `rate` ones are fractions where 1 = 100 %."""

    label: str
    rate: bool
    value: Callable[[PortfolioFigures], Decimal | None]
    inputs: Callable[[PortfolioFigures], dict[str, Any]]


def _schedule_rate(f: PortfolioFigures) -> Decimal | None:
    return formulas.ratio(f.ytd_completed, f.annual_plan * f.time_progress)


MEASURES: dict[str, Measure] = {
    "completion_rate": Measure(
        "年度投资完成率（完成投资÷年度计划）",
        True,
        lambda f: f.completion_rate,
        lambda f: {"年初至今完成投资（万元）": f.ytd_completed, "年度计划投资（万元）": f.annual_plan},
    ),
    "schedule_rate": Measure(
        "序时进度完成率（完成投资÷年度计划×序时进度）",
        True,
        _schedule_rate,
        lambda f: {
            "年初至今完成投资（万元）": f.ytd_completed,
            "年度计划投资（万元）": f.annual_plan,
            "序时进度（%）": f.time_progress * HUNDRED,
        },
    ),
    "start_rate": Measure(
        "开工率（计划新开工项目）",
        True,
        lambda f: f.start_rate,
        lambda f: {"已开工项目数": f.new_start_started, "计划新开工项目数": f.new_start_planned},
    ),
    "start_resume_rate": Measure(
        "开复工率",
        True,
        lambda f: f.start_resume_rate,
        lambda f: {
            "已开工新开工项目数": f.new_start_started,
            "已复工续建项目数": f.continuing_resumed,
            "计划新开工项目数": f.new_start_planned,
            "续建项目数": f.continuing,
        },
    ),
    "milestone_on_time_rate": Measure(
        "要件按期办结率",
        True,
        lambda f: f.milestone_on_time_rate,
        lambda f: {"到期要件数": f.milestones_due, "按期办结数": f.milestones_on_time, "逾期办结数": f.milestones_done_late},
    ),
    "ytd_completed": Measure(
        "年初至今完成投资（万元）",
        False,
        lambda f: f.ytd_completed,
        lambda f: {"年初至今完成投资（万元）": f.ytd_completed},
    ),
    "gap_points": Measure(
        "超（欠）序时进度（百分点）",
        False,
        lambda f: f.gap_points,
        lambda f: {
            "年初至今完成投资（万元）": f.ytd_completed,
            "年度计划投资（万元）": f.annual_plan,
            "序时进度（%）": f.time_progress * HUNDRED,
        },
    ),
}
RATE_MEASURES = tuple(code for code, m in MEASURES.items() if m.rate)

# Annual roles a per-project item counts by (AnnualRole values; 当年竣工 counts as 续建).
ROLE_LABELS = {"new": "新开工", "cont": "续建"}
DEDUCT_RULES = {"late_start": "未按期开工（计划开工日期已过、报告期末仍未开工的新开工项目）"}


# --- arithmetic ----------------------------------------------------------------------------


def score_round(value: Decimal) -> Decimal:
    """Scores are shown and summed to the hundredth (half up)."""
    return value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def clamp(delta: Decimal, *, cap_plus: Decimal | None, cap_minus: Decimal | None) -> Decimal:
    """Bound a delta to [−cap_minus, +cap_plus]; an empty cap does not bound."""
    if cap_plus is not None and delta > cap_plus:
        return Decimal(cap_plus)
    if cap_minus is not None and delta < -cap_minus:
        return -Decimal(cap_minus)
    return delta


def ratio_step_delta(rate: Decimal, *, step_pct: Decimal, step_points: Decimal, whole_steps: bool = False) -> Decimal:
    """每超(少) step_pct % 加(减) step_points 分: plan 100, done 106, 2 %/1 分 → +3."""
    steps = (rate * HUNDRED - HUNDRED) / step_pct
    if whole_steps:
        steps = steps.to_integral_value(rounding=ROUND_DOWN)  # toward zero: a step counts once complete
    return steps * step_points


def ratio_proportional_delta(rate: Decimal, *, base: Decimal) -> Decimal:
    """base × rate, as a delta from the base (60 分 × 完成÷计划)."""
    return base * rate - base


def band_delta(rate: Decimal, *, below_per_point: Decimal, bands: list[dict]) -> Decimal:
    """Below 100 %: −below_per_point per missing point; above: each band's rate on its points.

    95 % → −0.5; 120 % → 20 × 0.2 = +4; 140 % → 30 × 0.2 + 10 × 0.1 = +7 (with the §15 bands).
    """
    pct = rate * HUNDRED
    if pct < HUNDRED:
        return -(HUNDRED - pct) * below_per_point
    delta = ZERO
    for band in bands:
        low, high = band["from"], band["to"]
        top = pct if high is None else min(pct, high)
        if top > low:
            delta += (top - low) * band["per_point"]
    return delta


K = TypeVar("K", bound=Hashable)  # whatever the values are keyed by: a target id, a project


def competition_ranks(values: Mapping[K, Decimal | None], *, descending: bool = True) -> dict[K, int | None]:
    """1, 2, 2, 4: equal values share a rank and the next rank skips; None has no rank."""
    ranked = sorted((v for v in values.values() if v is not None), reverse=descending)
    first = {}
    for position, value in enumerate(ranked, start=1):
        first.setdefault(value, position)
    return {key: (None if value is None else first[value]) for key, value in values.items()}


def rank_points(rank: int | None, bands: list[dict]) -> Decimal:
    """The points of the first band whose to_rank reaches `rank` (bands sorted by to_rank)."""
    if rank is None:
        return ZERO
    for band in bands:
        if rank <= band["to_rank"]:
            return band["points"]
    return ZERO


def size_points(amount: Decimal, bands: list[dict]) -> Decimal | None:
    """The points of the first band (largest `min` first) whose min the annual plan reaches."""
    for band in bands:
        if amount >= band["min"]:
            return band["points"]
    return None


# --- params --------------------------------------------------------------------------------


class _Params:
    """Reads one method's params, collecting Chinese messages instead of failing on the first."""

    def __init__(self, raw: Any):
        self.raw = raw if isinstance(raw, dict) else {}
        self.errors: list[str] = [] if isinstance(raw, dict) else ['参数应为 JSON 对象（如 {"measure": "completion_rate"}）。']
        self.used: set[str] = set()

    def number(self, data: dict, key: str, label: str, *, default: Any = None, positive: bool = False, allow_none: bool = False):
        if data is self.raw:
            self.used.add(key)
        value = data.get(key, default)
        if value is None:
            if allow_none:
                return None
            self.errors.append(f"缺少参数“{key}”（{label}）。")
            return None
        if isinstance(value, bool):
            self.errors.append(f"参数“{key}”（{label}）应为数字。")
            return None
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            self.errors.append(f"参数“{key}”（{label}）应为数字。")
            return None
        if not number.is_finite() or number < 0 or (positive and number == 0):
            self.errors.append(f"参数“{key}”（{label}）应为{'大于0' if positive else '不小于0'}的数字。")
            return None
        return number

    def choice(self, key: str, label: str, choices: Mapping[str, Any], *, default: str | None = None) -> str | None:
        self.used.add(key)
        value = self.raw.get(key, default)
        if value not in choices:
            self.errors.append(f"参数“{key}”（{label}）应为以下之一：{'、'.join(choices)}。")
            return None
        return value

    def flag(self, key: str, label: str, default: bool = False) -> bool:
        self.used.add(key)
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            self.errors.append(f"参数“{key}”（{label}）应为 true 或 false。")
            return default
        return value

    def items(self, key: str, label: str) -> list[dict]:
        self.used.add(key)
        value = self.raw.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            self.errors.append(f"参数“{key}”（{label}）应为非空的对象列表。")
            return []
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            self.errors.append(f"不认识的参数：{'、'.join(unknown)}。")
        if self.errors:
            raise ValidationError({"params": self.errors})


def _measure(p: _Params, *, rates_only: bool) -> str | None:
    choices = {code: m for code, m in MEASURES.items() if m.rate or not rates_only}
    return p.choice("measure", "考核指标", choices)


def _ratio(p: _Params) -> dict:
    out: dict[str, Any] = {
        "measure": _measure(p, rates_only=True),
        "mode": p.choice("mode", "计分方式", {"step": 1, "proportional": 1}, default="step"),
    }
    if out["mode"] == "step":
        out["step_pct"] = p.number(p.raw, "step_pct", "每超（少）百分之几", positive=True)
        out["step_points"] = p.number(p.raw, "step_points", "加（减）几分")
        out["whole_steps"] = p.flag("whole_steps", "只计满档")
    return out


def _band(p: _Params) -> dict:
    out: dict[str, Any] = {"measure": _measure(p, rates_only=True)}
    out["below_per_point"] = p.number(p.raw, "below_per_point", "未完成每不足1个百分点减几分")
    bands = []
    for n, raw in enumerate(p.items("bands", "超额分档"), start=1):
        low = p.number(raw, "from", f"第{n}档起点（%）")
        high = p.number(raw, "to", f"第{n}档终点（%）", allow_none=True)
        per = p.number(raw, "per_point", f"第{n}档每超1个百分点加几分")
        if None in (low, per):
            continue
        if low < HUNDRED:
            p.errors.append(f"第{n}档起点应不低于100（%）：未完成部分按 below_per_point 扣分。")
        if high is not None and high <= low:
            p.errors.append(f"第{n}档终点应大于起点。")
        if bands and (bands[-1]["to"] is None or low < bands[-1]["to"]):
            p.errors.append(f"第{n}档与上一档重叠：各档应按起点从低到高排列且不重叠。")
        bands.append({"from": low, "to": high, "per_point": per})
    out["bands"] = bands
    return out


def _rank(p: _Params) -> dict:
    out: dict[str, Any] = {"measure": _measure(p, rates_only=False)}
    bands = []
    for n, raw in enumerate(p.items("bands", "名次分档"), start=1):
        to_rank = p.number(raw, "to_rank", f"第{n}档截至名次", positive=True)
        points = p.number(raw, "points", f"第{n}档得分")
        if to_rank is None or points is None:
            continue
        if to_rank != to_rank.to_integral_value():
            p.errors.append(f"第{n}档截至名次应为整数。")
        if bands and to_rank <= bands[-1]["to_rank"]:
            p.errors.append(f"第{n}档截至名次应大于上一档（如 3、6、10）。")
        bands.append({"to_rank": int(to_rank), "points": points})
    out["bands"] = bands
    return out


def _per_project(p: _Params) -> dict:
    out: dict[str, Any] = {"by": p.choice("by", "按什么计分", {"role": 1, "size": 1})}
    out["started_only"] = p.flag("started_only", "只计已开（复）工项目")
    if out["by"] == "role":
        p.used.add("points")
        points = p.raw.get("points")
        if not isinstance(points, dict) or not points or set(points) - set(ROLE_LABELS):
            p.errors.append('参数“points”应为对象，键为 new（新开工）或 cont（续建），值为每个项目的分数，如 {"new": 5, "cont": 2}。')
        else:
            out["points"] = {role: p.number(points, role, f"每个{ROLE_LABELS[role]}项目得分") for role in points}
    elif out["by"] == "size":
        bands = []
        for n, raw in enumerate(p.items("bands", "年度计划投资分档"), start=1):
            low = p.number(raw, "min", f"第{n}档年度计划投资下限（万元）")
            points = p.number(raw, "points", f"第{n}档每个项目得分")
            if low is None or points is None:
                continue
            if bands and low >= bands[-1]["min"]:
                p.errors.append(f"第{n}档下限应小于上一档：各档按年度计划投资从高到低排列（如 100000、50000、10000、0）。")
            bands.append({"min": low, "points": points})
        out["bands"] = bands
    return out


def _deduct(p: _Params) -> dict:
    out: dict[str, Any] = {"manual": p.flag("manual", "计入项目办录入的扣分")}
    rule = p.raw.get("rule")
    if rule is not None:
        out["rule"] = p.choice("rule", "自动扣分规则", DEDUCT_RULES)
        out["points_each"] = p.number(p.raw, "points_each", "每个项目扣几分", positive=True)
    else:
        p.used.add("rule")
        if not out["manual"]:
            p.errors.append('扣分项应设自动扣分规则（rule，如 "late_start"）或计入手工扣分（"manual": true），或两者都设。')
    return out


VALIDATORS: dict[str, Callable[[_Params], dict]] = {RATIO: _ratio, BAND: _band, RANK: _rank, PER_PROJECT: _per_project, DEDUCT: _deduct}


def parse_params(method: str, raw: Any) -> dict:
    """The params of `method` as Decimals, or ValidationError({"params": [Chinese messages]})."""
    if method not in VALIDATORS:
        raise ValidationError({"method": ["未知的计分方法。"]})
    p = _Params(raw)
    out = VALIDATORS[method](p) if not p.errors else {}
    p.finish()
    return out
