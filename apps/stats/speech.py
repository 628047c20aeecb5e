"""The period figures written as a speech or a 通报 writes them ("79个500万元以上重点项目相继开（复）工，
总投资达73.7亿元，其中亿元以上项目15个，总投资57.9亿元"; "固投完成20.3亿元，同比增长23.8%").

One place for the wording, so the statistics endpoint, the 驾驶舱 and the monthly 通报 say the same.
Amounts in 亿元 and rates in per cent are printed with the caller's Rounding.
"""

from __future__ import annotations

from decimal import Decimal

from .formulas import HUNDRED, Rounding, to_yi
from .selectors import PortfolioFigures


def _months(f: PortfolioFigures) -> str:
    return "1月" if f.month == 1 else f"1—{f.month}月"


def speech_lines(f: PortfolioFigures, rounding: Rounding) -> list[str]:
    """The summary's sentences, each figure as `f` holds it after `rounding`."""

    def yi(amount: Decimal) -> str:
        return f"{rounding(to_yi(amount))}亿元"

    def pct(rate: Decimal | None) -> str:
        return f"{rounding(rate * HUNDRED)}%"

    lines = [
        f"{f.over_5m_count}个500万元以上重点项目相继开（复）工，总投资达{yi(f.over_5m_investment)}，"
        f"其中亿元以上项目{f.over_100m_count}个，总投资{yi(f.over_100m_investment)}。"
    ]
    done = f"{_months(f)}重点项目固投完成{yi(f.ytd_completed)}"
    if f.yoy_growth is not None:
        done += f"，同比{'增长' if f.yoy_growth >= 0 else '下降'}{pct(abs(f.yoy_growth))}"
    if f.completion_rate is not None:
        gap = rounding(f.gap_points)
        side = "超序时进度" if gap >= 0 else "欠序时进度"
        done += f"，占年度计划{yi(f.annual_plan)}的{pct(f.completion_rate)}，{side}{abs(gap)}个百分点"
    lines.append(done + "。")
    lines.append(f"在建重点项目{f.under_construction}个，年度计划投资{yi(f.under_construction_plan)}。")
    return lines
