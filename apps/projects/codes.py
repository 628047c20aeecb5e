"""The national investment project code (全国投资项目在线审批监管平台 项目代码), DOMAIN.md §7.

Shape `YYYY-RRRRRR-AA-BB-NNNNNN` (GB/T 40058-2021): year, region (GB/T 2260), two two-digit
segments and six digits. Only shape, province and year are checked: the check-digit algorithm
is not public, so a code is never rejected on it. Legacy local codes are accepted only when
the caller says so, and always come back with a warning.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone

PROJECT_CODE_RE = re.compile(r"^(?P<year>\d{4})-(?P<region>\d{6})-(?P<seg3>\d{2})-(?P<seg4>\d{2})-(?P<tail>\d{6})$")
PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
    ]
)
FIRST_CODE_YEAR = 2014  # the online platform started assigning codes in 2014–2015
SHAPE_MESSAGE = "项目代码应为24位：YYYY-XXXXXX-XX-XX-XXXXXX（20位数字与4个“-”），例如 2024-433126-48-01-000123。"


@dataclass
class CodeCheck:
    code: str
    is_legacy: bool = False
    warnings: list[str] = field(default_factory=list)


def normalize_project_code(value: str) -> str:
    """Accept full-width hyphens, dashes and spaces pasted from Word or Excel."""
    table = str.maketrans({"－": "-", "—": "-", "–": "-", "‐": "-", "‑": "-", "　": "", " ": ""})
    return (value or "").strip().translate(table).upper()


def check_project_code(value: str, *, allow_legacy: bool = False, today: dt.date | None = None) -> CodeCheck:
    """Validate a project code; raise ValidationError with a Chinese message when it is not acceptable."""
    code = normalize_project_code(value)
    if not code:
        raise ValidationError("项目代码不能为空。", code="empty")
    match = PROJECT_CODE_RE.fullmatch(code)
    if not match:
        if not allow_legacy:
            raise ValidationError(SHAPE_MESSAGE + "如为旧编码，请勾选“旧编码”。", code="shape")
        if len(code) > 40 or not re.fullmatch(r"[0-9A-Z\-_/]+", code):
            raise ValidationError("旧编码只能包含数字、字母、“-”“_”“/”，且不超过40个字符。", code="legacy_shape")
        return CodeCheck(code=code, is_legacy=True, warnings=[f"“{code}”不是全国统一项目代码格式，已按旧编码登记，请尽快补录赋码。"])

    year = int(match["year"])
    this_year = (today or timezone.localdate()).year
    if not (FIRST_CODE_YEAR <= year <= this_year + 1):
        raise ValidationError(f"项目代码年份段“{year}”不合理，应在{FIRST_CODE_YEAR}年至{this_year + 1}年之间。", code="year")
    if match["region"][:2] not in PROVINCES:
        raise ValidationError(f"项目代码地区段“{match['region']}”不是有效的省级行政区划代码。", code="province")
    return CodeCheck(code=code)


def validate_project_code(value: str) -> None:
    """Model-field validator: national shape only (legacy codes go through the service with a flag)."""
    check_project_code(value, allow_legacy=False)
