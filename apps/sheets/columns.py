"""The columns of a 调度表 that the import understands (DOMAIN.md §2, §2.1, §6).

Each column has the header the template writes, the other names offices give it (项目代码 is also
项目编码 or 赋码; 责任单位 is also 牵头单位…), what it writes to, and a parser that turns a cell into
a value or a Chinese message. Headers are compared after `normalize_header`: spaces, line breaks,
brackets with a unit, "其中：" and required-marks are dropped, so "计划总投资\n（万元）*" is
"计划总投资".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.projects.codes import normalize_project_code
from apps.projects.models import AnnualRole, BuildStatus, ConstructionNature, InvestmentMode, InvestorType
from apps.workcalendar.periods import Period

WAN = Decimal("1")  # 万元
YI = Decimal("10000")  # 1 亿元 = 10 000 万元
CENT = Decimal("0.01")
# MoneyField: max_digits=14, decimal_places=2.
MONEY_MAX = Decimal("999999999999.99")
BLANKS = frozenset({"", "-", "—", "——", "－", "/", "／", "无", "\\"})


class CellError(ValueError):
    """A cell that cannot be read; str() is the Chinese message shown in the error table."""


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    header: str  # what the template writes and the error table names
    synonyms: tuple[str, ...] = ()
    kind: str = "text"  # text, money, area, code, bool, years, date, choice, category, region, department, leader, year_int
    target: str = "project"  # project, plan, responsibility, flag, none
    field: str = ""
    required: bool = False  # the sheet must carry the column
    for_create: bool = False  # a new project needs a value here
    max_length: int | None = None
    width: float = 14
    note: str = ""
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (value, accepted words), first word shown in messages
    end_of_month: bool = False  # a date given as a month only means its last day (竣工)


def _choices(text_choices, extra: dict[str, tuple[str, ...]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((value, (label, *extra.get(value, ()))) for value, label in text_choices.choices)


NATURE_WORDS = _choices(
    ConstructionNature,
    {
        "1": ("新建项目",),
        "2": ("扩建项目",),
        "3": ("改建", "技改", "技术改造", "改扩建", "改造"),
        "4": ("单纯建造生活设施",),
        "5": ("迁建",),
        "6": ("恢复",),
        "7": ("购置",),
    },
)
MODE_WORDS = _choices(
    InvestmentMode,
    {
        "approval": ("审批", "审批制", "政府投资审批"),
        "verify": ("核准", "核准制"),
        "filing": ("备案", "备案制"),
    },
)
INVESTOR_WORDS = _choices(
    InvestorType,
    {
        "gov": ("政府", "政府投资项目", "财政投资"),
        "soe": ("国有", "国企", "国有企业", "国企投资"),
        "private": ("民间", "民营", "民营企业", "社会投资", "企业投资", "民间投资项目"),
        "foreign": ("外商", "外资", "外商投资项目"),
        "mixed": ("混合", "PPP", "混合所有制"),
    },
)
ROLE_WORDS = _choices(
    AnnualRole,
    {
        "prelim": ("前期", "前期项目", "预备", "预备项目", "前期预备"),
        "new": ("新开工", "新开", "计划新开工", "新开工项目"),
        "cont": ("续建", "续建项目"),
        "complete": ("竣工", "竣工项目", "计划竣工", "续建（竣工）", "新开（竣工）", "当年竣工"),
    },
)
STATUS_WORDS = _choices(
    BuildStatus,
    {
        "not_started": ("未开工", "前期", "待开工"),
        "started": ("在建", "已开工", "开工", "施工", "建设中", "续建"),
        "suspended": ("停建", "缓建", "停工", "停（缓）建", "停缓建"),
        "main_done": ("主体完工", "主体竣工", "主体完成"),
        "completed": ("竣工", "已竣工", "完工", "已完工"),
        "partial_op": ("部分投产", "部分投用"),
        "in_op": ("投产", "投用", "已投产", "已投用", "运营"),
    },
)


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("serial", "序号", ("编号", "排序"), kind="none", target="none", width=6),
    ColumnSpec(
        "name",
        "项目名称",
        ("项目全称", "项目名称（全称）", "名称"),
        field="name",
        required=True,
        max_length=200,
        width=32,
        note="必填。审批、核准或备案文件上的项目全称；没有项目代码时按名称（完全相同）匹配已有项目。",
    ),
    ColumnSpec("short_name", "项目简称", ("简称",), field="short_name", max_length=60, width=16),
    ColumnSpec(
        "code",
        "项目代码",
        ("项目编码", "赋码", "项目赋码", "统一项目代码", "在线平台项目代码", "投资项目代码", "项目代码（在线平台赋码）"),
        kind="code",
        field="primary_code",
        width=26,
        note="投资项目在线审批监管平台赋码，格式 YYYY-XXXXXX-XX-XX-XXXXXX；再次导入时按代码匹配已有项目。谋划、储备项目可不填。",
    ),
    ColumnSpec(
        "legacy",
        "是否旧编码",
        ("旧编码",),
        kind="bool",
        target="flag",
        field="code_is_legacy",
        width=10,
        note="项目代码不是全国统一格式的旧编码时填“是”。",
    ),
    ColumnSpec(
        "category",
        "项目类别",
        ("类别", "项目分类", "项目类型", "分类"),
        kind="category",
        field="category",
        for_create=True,
        width=14,
        note="新增项目必填：基础设施项目、城市建设项目、产业发展项目等；也可写简称（如“产业”）。不填时取所在分类小计行的类别。",
    ),
    ColumnSpec(
        "nature",
        "建设性质",
        (),
        kind="choice",
        field="construction_nature",
        width=10,
        choices=NATURE_WORDS,
        note="新建、扩建、改建和技术改造、迁建、恢复、单纯购置、单纯建造生活设施。",
    ),
    ColumnSpec(
        "mode",
        "投资管理方式",
        ("审批类型", "管理方式", "审批方式", "投资管理方式（审批/核准/备案）"),
        kind="choice",
        field="investment_mode",
        for_create=True,
        width=12,
        choices=MODE_WORDS,
        note="新增项目必填：审批、核准或备案。",
    ),
    ColumnSpec(
        "investor",
        "投资主体类型",
        ("投资主体", "项目属性", "投资类型", "投资主体性质"),
        kind="choice",
        field="investor_type",
        width=12,
        choices=INVESTOR_WORDS,
        note="政府投资、国有企业投资、民间投资、外商投资、混合/PPP。",
    ),
    ColumnSpec(
        "owner_unit",
        "建设单位",
        ("项目业主", "业主单位", "建设单位（项目业主）", "项目单位", "实施单位", "项目建设单位"),
        field="owner_unit",
        max_length=120,
        width=20,
    ),
    ColumnSpec(
        "region",
        "所在乡镇（街道）",
        ("所在乡镇", "属地", "所在地", "乡镇（街道）", "所属乡镇", "乡镇", "所在乡镇（街道）/园区", "属地乡镇", "建设地点（乡镇）"),
        kind="region",
        field="region",
        for_create=True,
        width=14,
        note="新增项目必填：乡镇、街道或园区的名称（或行政区划代码），须是系统中已有的区划。",
    ),
    ColumnSpec("location", "建设地点", ("详细地址", "项目地址", "建设地址"), field="location_text", max_length=255, width=18),
    ColumnSpec(
        "scale",
        "建设规模及主要建设内容",
        ("建设规模及内容", "主要建设内容", "建设内容", "建设规模", "建设内容及规模", "建设规模和主要建设内容"),
        field="scale_content",
        width=40,
    ),
    ColumnSpec(
        "years",
        "建设起止年限",
        ("建设年限", "起止年限", "建设起止年份", "建设期限", "建设周期"),
        kind="years",
        field="start_year",
        for_create=True,
        width=12,
        note="新增项目必填：如 2025-2027；只有一年时写 2026。",
    ),
    ColumnSpec("planned_start", "计划开工日期", ("计划开工时间", "计划开工"), kind="date", field="planned_start", width=13),
    ColumnSpec(
        "planned_finish",
        "计划竣工日期",
        ("计划竣工时间", "计划竣工", "计划完工时间"),
        kind="date",
        field="planned_finish",
        width=13,
        end_of_month=True,
    ),
    ColumnSpec("actual_start", "实际开工日期", ("实际开工时间", "开工时间", "开工日期"), kind="date", field="actual_start", width=13),
    ColumnSpec(
        "status",
        "建设状态",
        ("开工状态", "项目状态", "建设进度状态"),
        kind="choice",
        field="build_status",
        width=10,
        choices=STATUS_WORDS,
        note="未开工、在建、停（缓）建、主体完工、竣工、部分投产、投产。",
    ),
    ColumnSpec(
        "total",
        "计划总投资",
        ("总投资", "项目总投资", "计划总投资额", "总投资额", "估算总投资"),
        kind="money",
        field="total_investment",
        required=True,
        width=14,
        note="必填。金额单位见表头下的“单位：万元/亿元”行，或列名中的（万元）（亿元）。",
    ),
    ColumnSpec(
        "fixed", "固定资产投资", ("其中固定资产投资", "固投", "其中：固定资产投资"), kind="money", field="fixed_asset_investment", width=14
    ),
    ColumnSpec(
        "carry_over",
        "期初累计完成投资",
        (
            "累计完成投资",
            "开工以来累计完成投资",
            "以前年度累计完成投资",
            "上年底累计完成投资",
            "截至上年底累计完成投资",
            "开工累计完成投资",
        ),
        kind="money",
        field="carry_over_completed",
        width=14,
        note="开工至系统启用前累计完成的投资（期初数）；此后的完成投资由月报累计。",
    ),
    ColumnSpec("land_area", "用地面积（亩）", ("用地面积", "占地面积", "用地规模"), kind="area", field="land_area_mu", width=11),
    ColumnSpec(
        "annual_plan",
        "年度计划投资",
        ("本年计划投资", "年度投资计划", "年度计划", "本年度计划投资", "年度计划完成投资", "计划完成投资"),
        kind="money",
        target="plan",
        field="annual_plan",
        width=14,
        note="本年度计划完成投资；列名可带年份，如“2026年计划投资”（按列名中的年份记入年度计划）。",
    ),
    ColumnSpec(
        "annual_role",
        "年度属性",
        ("年度类型", "项目年度属性", "年度项目类型", "计划类型"),
        kind="choice",
        target="plan",
        field="annual_role",
        width=10,
        choices=ROLE_WORDS,
        note="填了年度计划投资的新计划必填：新开工、续建、竣工、前期；不填时取所在分类小计行（如“二、续建项目”）。",
    ),
    ColumnSpec(
        "annual_goal",
        "年度建设目标",
        ("年度目标", "年度建设内容", "形象进度目标", "年度形象进度目标", "本年建设内容", "年度建设任务"),
        target="plan",
        field="annual_goal",
        width=30,
    ),
    ColumnSpec(
        "leader",
        "包保领导",
        ("包保县领导", "包保县级领导", "包保区领导", "联系领导", "挂点领导", "责任领导", "包抓领导", "县级联系领导", "包保责任领导"),
        kind="leader",
        target="responsibility",
        field="leader",
        width=14,
        note="县级领导的职务，如“常务副区长”，须是系统中已有的领导岗位。",
    ),
    ColumnSpec(
        "department",
        "责任单位",
        ("牵头单位", "牵头（责任）单位", "责任单位（牵头）", "牵头责任单位", "主责单位", "牵头部门", "责任部门"),
        kind="department",
        target="responsibility",
        field="department",
        width=16,
        note="牵头（责任）单位的全称或简称，须是系统中已有的单位。",
    ),
    ColumnSpec("remarks", "备注", ("说明",), field="remarks", width=20),
    # Completion figures: written as the month's approved report (apps/sheets/completion.py), not
    # as project fields. "1-11月完成" carries its month in the header (HeaderMatch.month).
    ColumnSpec(
        "done_year",
        "本年累计完成投资",
        ("本年累计完成", "年初至今完成投资", "年初累计完成投资", "本年完成投资", "今年累计完成投资"),
        kind="money",
        target="progress",
        field="done_year",
        width=14,
        note="本年1月至报告月累计完成投资；列名可写月份，如“2026年/1-11月完成”。",
    ),
    ColumnSpec(
        "done_month",
        "本月完成投资",
        ("本月完成", "当月完成投资", "当月完成"),
        kind="money",
        target="progress",
        field="done_month",
        width=14,
    ),
    ColumnSpec(
        "done_since_start",
        "自开工累计完成投资",
        ("自开工累计完成", "自开工以来累计完成投资", "自开工以来累计完成"),
        kind="money",
        target="progress",
        field="done_since_start",
        width=14,
    ),
    ColumnSpec(
        "image",
        "形象进度",
        ("目前形象进度", "项目形象进度", "当前形象进度", "工程形象进度", "项目进展情况", "进展情况"),
        target="progress",
        field="image_progress_text",
        width=30,
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}

_UNIT_IN_BRACKETS = re.compile(r"[(（\[【]\s*(?:单位[:：])?\s*(万元|亿元|元|亩|个)\s*[)）\]】]")
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "：": ":", "　": ""})


def normalize_header(text: Any) -> tuple[str, Decimal | None]:
    """The comparable form of a header cell, and the money unit written in it (亿元 → 10000)."""
    raw = "" if text is None else str(text)
    unit = YI if "亿元" in raw else WAN if "万元" in raw else None
    s = re.sub(r"\s+", "", raw)
    s = _UNIT_IN_BRACKETS.sub("", s)
    s = s.translate(_BRACKETS)
    s = re.sub(r"^其中[:,，、]?", "", s)
    s = s.strip("*＊※:").replace("(", "（").replace(")", "）")
    return s, unit


_ANNUAL_RE = re.compile(r"^(?:(?P<year>\d{4})年度?)(?:年度)?(?:计划|投资计划|计划完成)?(?:完成)?投资(?:计划)?(?:额)?$")


def _lookup() -> dict[str, ColumnSpec]:
    table: dict[str, ColumnSpec] = {}
    for spec in COLUMNS:
        for name in (spec.header, *spec.synonyms):
            table[normalize_header(name)[0]] = spec
    return table


HEADER_LOOKUP = _lookup()


@dataclass(frozen=True)
class HeaderMatch:
    spec: ColumnSpec
    unit: Decimal | None = None
    year: int | None = None
    month: int | None = None  # "1-11月完成": the report month of a completion column


# "1-11月完成", "1～11月累计完成投资", "2026年1-11月完成投资": the year's cumulative to month 11.
_MONTHS_DONE_RE = re.compile(r"^(?:(?P<year>\d{4})年)?1?\s*[-—–~～至到]\s*(?P<month>\d{1,2})月(?:份)?(?:累计)?完成(?:投资)?(?:额)?$")
_MONTH_DONE_RE = re.compile(r"^(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?:份)?完成(?:投资)?(?:额)?$")


def match_header(text: Any) -> HeaderMatch | None:
    """Which column a header names, if any: "2026年计划投资" is the annual plan of 2026."""
    norm, unit = normalize_header(text)
    if not norm:
        return None
    spec = HEADER_LOOKUP.get(norm)
    if spec is not None:
        return HeaderMatch(spec, unit)
    m = _MONTHS_DONE_RE.match(norm)
    if m and 1 <= int(m["month"]) <= 12:
        return HeaderMatch(BY_KEY["done_year"], unit, int(m["year"]) if m["year"] else None, int(m["month"]))
    m = _MONTH_DONE_RE.match(norm)
    if m and 1 <= int(m["month"]) <= 12:
        return HeaderMatch(BY_KEY["done_month"], unit, int(m["year"]) if m["year"] else None, int(m["month"]))
    m = _ANNUAL_RE.match(norm)
    if m and "总投资" not in norm:
        return HeaderMatch(BY_KEY["annual_plan"], unit, int(m["year"]))
    m = re.match(r"^(?P<year>\d{4})年(?P<rest>.+)$", norm)
    if m:
        inner = HEADER_LOOKUP.get(m["rest"]) or HEADER_LOOKUP.get("年度" + m["rest"])
        if inner is not None and inner.target == "plan":
            return HeaderMatch(inner, unit, int(m["year"]))
    return None


# --- cell parsers ------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as text: 12.0 → "12", dates as YYYY-MM-DD, blanks and dashes → ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).replace("\u3000", " ").strip()
    return "" if text in BLANKS else text


def is_blank(value: Any) -> bool:
    return cell_text(value) == ""


def parse_text(value: Any, spec: ColumnSpec) -> str:
    text = cell_text(value)
    if spec.max_length and len(text) > spec.max_length:
        raise CellError(f"不能超过{spec.max_length}个字（现有{len(text)}个字）。")
    return text


def to_decimal(value: Any) -> Decimal:
    """A number cell or a number written as text ("1,234.5", "１２"); never through binary float noise."""
    if isinstance(value, bool):
        raise CellError("应为数字。")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float | Decimal):
        # repr() is the shortest text that reads back as the same float: 1.1 stays 1.1.
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if not number.is_finite():
            raise CellError("应为数字。")
        return number
    text = cell_text(value)
    text = text.translate(str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")).replace(",", "").replace(" ", "")
    text = re.sub(r"(万元|亿元|元)$", "", text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"“{cell_text(value)}”不是数字。") from None
    if not number.is_finite():
        raise CellError(f"“{cell_text(value)}”不是数字。")
    return number


def parse_money(value: Any, unit: Decimal) -> Decimal:
    """An amount in the sheet's unit → 万元, exactly (1.2345 亿元 = 12345 万元)."""
    number = to_decimal(value)
    if number < 0:
        raise CellError("金额不能为负数。")
    amount = number * unit
    if amount > MONEY_MAX:
        raise CellError("金额过大，请核对单位（万元/亿元）。")
    if amount != amount.quantize(CENT):
        shown = "亿元" if unit == YI else "万元"
        raise CellError(f"金额“{cell_text(value)}”{shown}换算为万元后超过两位小数，请核对。")
    return amount.quantize(CENT)


def parse_area(value: Any) -> Decimal:
    number = to_decimal(value)
    if number < 0:
        raise CellError("用地面积不能为负数。")
    if number >= Decimal("1e10"):
        raise CellError("用地面积过大，请核对。")
    if number != number.quantize(CENT):
        raise CellError("用地面积最多保留两位小数。")
    return number.quantize(CENT)


TRUE_WORDS = frozenset({"是", "√", "✓", "Y", "YES", "TRUE", "1", "有"})
FALSE_WORDS = frozenset({"否", "×", "✗", "N", "NO", "FALSE", "0", "无", ""})


def parse_bool(value: Any) -> bool:
    text = cell_text(value).upper()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS or value is None:
        return False
    raise CellError(f"“{cell_text(value)}”应填“是”或“否”。")


YEAR_MIN, YEAR_MAX = 2000, 2100


def _year(text: str) -> int:
    year = int(text)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise CellError(f"年份“{year}”不合理，应在{YEAR_MIN}至{YEAR_MAX}年之间。")
    return year


def parse_years(value: Any) -> tuple[int, int]:
    """建设起止年限: "2024-2026", "2024年—2026年", "2024.3-2026.12", "2026" (one year)."""
    text = cell_text(value)
    found = re.findall(r"(?<!\d)(\d{4})(?!\d)", text)
    leftover = re.sub(r"(?<!\d)\d{4}(?!\d)", "", text)
    leftover = re.sub(r"[年月日.\-－—–~～至到/、\s\d]", "", leftover)
    if not found or len(found) > 2 or leftover:
        raise CellError(f"“{text}”不是建设起止年限，应写成如“2025-2027”。")
    start, end = _year(found[0]), _year(found[-1])
    if end < start:
        raise CellError(f"建设截止年（{end}）不能早于起始年（{start}）。")
    return start, end


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?|\s*月?)$")


def parse_date(value: Any, *, end_of_month: bool = False) -> dt.date:
    """A date cell, "2026-03-01", "2026/3/1", "2026年3月1日", "20260301", or a month ("2026.3", "2026年3月")."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = _DATE_RE.match(text)
    if not m:
        raise CellError(f"“{text}”不是日期，应写成如“2026-03-01”或“2026年3月”。")
    year, month = _year(m[1]), int(m[2])
    if not 1 <= month <= 12:
        raise CellError(f"“{text}”的月份不对。")
    if m[3]:
        try:
            return dt.date(year, month, int(m[3]))
        except ValueError:
            raise CellError(f"“{text}”不是有效日期。") from None
    if end_of_month:
        return Period(year, month).last_day
    return dt.date(year, month, 1)


def _word(text: str) -> str:
    return re.sub(r"[\s()（）/、]", "", text).upper()


def parse_choice(value: Any, spec: ColumnSpec) -> str:
    text = cell_text(value)
    wanted = _word(text)
    for choice, words in spec.choices:
        if wanted == _word(choice) or any(wanted == _word(w) for w in words):
            return choice
    allowed = "、".join(words[0] for _, words in spec.choices)
    raise CellError(f"“{text}”不是可选的{spec.header}，应为：{allowed}。")


def parse_code(value: Any) -> str:
    return normalize_project_code(cell_text(value))


Parser = Callable[[Any], Any]
