"""The figures of DOMAIN.md §11, as pure functions over Decimals.

Rounding is a parameter: published bulletins sometimes round half up (206/255 → 80.8 %) and
sometimes truncate (97.2 % − 10/12 → "13.8 个百分点"; 44/65 → "67.6 %").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from apps.workcalendar.periods import month_share

HUNDRED = Decimal("100")
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "truncate": ROUND_DOWN}
ROUNDING_LABELS = {"half_up": "四舍五入", "truncate": "截尾（舍去）"}


@dataclass(frozen=True)
class Rounding:
    """How figures are printed: a mode of ROUNDING_MODES and a number of decimals."""

    mode: str = "half_up"
    decimals: int = 1

    def __post_init__(self) -> None:
        if self.mode not in ROUNDING_MODES:
            raise ValueError("取舍方式应为 half_up（四舍五入）或 truncate（截尾）。")
        if not 0 <= self.decimals <= 4:
            raise ValueError("小数位数应在0至4之间。")

    def __call__(self, value: Decimal | None) -> Decimal | None:
        return None if value is None else quantize(value, self.decimals, ROUNDING_MODES[self.mode])

    @property
    def label(self) -> str:
        return f"{ROUNDING_LABELS[self.mode]}，保留{self.decimals}位小数"


# 10⁻ⁿ for the places a Rounding allows: built once (a grouped summary rounds ~30 000 figures).
_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(9)}
TEN_THOUSAND = Decimal("10000")


def quantize(value: Decimal, places: int = 1, rounding: str = ROUND_HALF_UP) -> Decimal:
    exponent = _EXPONENTS.get(places)
    return value.quantize(Decimal(1).scaleb(-places) if exponent is None else exponent, rounding=rounding)


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator / denominator as an exact Decimal, or None when the denominator is 0."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def percent(numerator: Decimal | int, denominator: Decimal | int, *, places: int = 1, rounding: str = ROUND_HALF_UP) -> Decimal | None:
    """A rate in per cent, rounded for display."""
    r = ratio(numerator, denominator)
    return None if r is None else quantize(r * HUNDRED, places, rounding)


def time_progress(month: int) -> Decimal:
    """序时进度 = month / 12 (month-based, as the published bulletins use it)."""
    return month_share(month)


def completion_rate(ytd_completed: Decimal, annual_plan: Decimal) -> Decimal | None:
    """年度投资完成率 = year-to-date completed / annual plan."""
    return ratio(ytd_completed, annual_plan)


def schedule_gap_points(ytd_completed: Decimal, annual_plan: Decimal, month: int) -> Decimal | None:
    """超（欠）序时进度百分点 = (ytd / plan − month / 12) × 100; negative means behind."""
    return gap_points(ytd_completed, annual_plan, time_progress(month))


def gap_points(ytd_completed: Decimal, annual_plan: Decimal, share: Decimal) -> Decimal | None:
    """超（欠）序时进度百分点 against a 序时进度 `share` (0–1): (ytd / plan − share) × 100."""
    rate = completion_rate(ytd_completed, annual_plan)
    if rate is None:
        return None
    return (rate - share) * HUNDRED


def start_rate(started: int, planned: int) -> Decimal | None:
    """开工率 = started among planned new starts / planned new starts."""
    return ratio(started, planned)


def start_resume_rate(new_started: int, continuing_resumed: int, new_planned: int, continuing: int) -> Decimal | None:
    """开复工率 = (new starts begun + continuing resumed) / (new starts planned + continuing)."""
    return ratio(new_started + continuing_resumed, new_planned + continuing)


def growth(current: Decimal, previous: Decimal) -> Decimal | None:
    """同比增长 = current / previous − 1 (a ratio; None when there is nothing to compare with)."""
    r = ratio(current, previous)
    return None if r is None else r - 1


def to_yi(wan: Decimal) -> Decimal:
    """万元 → 亿元."""
    return Decimal(wan) / TEN_THOUSAND
