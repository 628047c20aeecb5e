"""A province-scale portfolio for benchmarks: `manage.py generate_portfolio --projects N [--seed S]`.

Every generated project copies the shape of one demo project (seeds/demo_data.py, picked at
random): its category, investment mode, investor, annual role, build status, pace, planned
duration and share of the total planned this year. So the generated portfolio has the demo's
proportions (six in ten 续建, a third 新开工, most reports approved, a few overdue items…) at any
size. Around it the generator builds the geography a province needs: counties with their towns,
streets and parks, each county's bureaus, town governments, park committees and eight 包保
leaders, and one account per department and per leader.

Rules that matter to whoever runs it:

* Only inserts. No existing row is read for update, changed or deleted. Region codes, department
  names, leader positions, usernames and project codes are checked up front; if any of them is
  already in the database the command stops with a Chinese message before writing anything. The
  province is never 43 (湖南), the demo's, so a generated portfolio can sit next to the demo.
* Reproducible: the same N, seed and day give the same rows. Every random draw comes from a
  `random.Random` seeded with the seed, the phase and the project's number, never from the global
  generator, ids or dict/set order; only the database ids and the created/updated timestamps differ.
* Dates are relative to `timezone.localdate()` (Asia/Shanghai), like the demo's.
* Fast: rows go in with `bulk_create` in batches, one transaction per phase, in chunks of projects so
  memory stays flat. No `save()`, so no signals and no simple-history rows: generated data has no
  change history, which the benchmarks do not need.
* Generated accounts have an unusable password (nobody can log in with them until the office sets
  one); benchmarks log in with `force_login` or tokens.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.accounts.roles import role_group_name
from apps.land.models import LandAcquisition, LandApprovalStatus
from apps.lights.selectors import report_period
from apps.lights.services import due_items_refresh, light_table_rebuild
from apps.milestones.models import ApprovalTemplateItem, Milestone, MilestoneKind, MilestoneStatus, OffsetBase, Stage
from apps.organization.models import Department, DepartmentKind, Leader, Region, RegionKind
from apps.problems.models import Problem, ProblemStatus
from apps.progress.models import HistoricalCompletion, ProgressReport, ReportStatus
from apps.projects.codes import PROVINCES, check_project_code
from apps.projects.models import (
    AnnualPlan,
    MonthlyTarget,
    PoolStage,
    Project,
    ProjectCategory,
    ProjectResponsibility,
    ResponsibilityRole,
)
from apps.workcalendar.services import WorkdayIndex

from .demo import _dates
from .demo_data import ALL_PROJECTS

Progress = Callable[[str, int, int], None]

BATCH_SIZE = 2000  # rows per INSERT: large enough to amortise round trips, small enough for SQLite's variable limit
CHUNK = 2000  # projects whose child rows are built and inserted together, so memory does not grow with N
PROJECTS_PER_COUNTY = 160  # a county with about twice the demo's projects; a province of 20 000 has ~125 counties
COUNTIES_PER_PREFECTURE = 10
MAX_PROJECTS = 500_000
CENT = Decimal("0.01")
LAST_YEAR_GROWTH = Decimal("1.22")  # as seeds/demo.py: this year is about 22% above last year
MODE_SEGMENT = {"approval": "01", "verify": "02", "filing": "03"}
# 中央业务指导部门代码 by category (DOMAIN.md §7: the list is not public; plausible two-digit codes, never the demo's 48).
SEG3 = {"infra": "10", "urban": "31", "industry": "21", "social": "52", "eco": "61", "agri": "71", "other": "90"}
# The demo's province is 43; a generated province is any other, so its region codes and project codes never meet the demo's.
PROVINCE_POOL = sorted(PROVINCES - {"43"})

# Syllables for place names: every pair is a distinct two-character name.
FIRST = "青石云龙凤桃柳松梅兰竹金玉宝安永泰和平新华明光春清白黄红雁鹤岚枫荷樟桂杉碧翠嘉丰福德瑞吉兴昌盛隆"
SECOND = "江溪川岭峰阳源塘口坪湾州城林桥关宁乐安山湖水田冲洲坝岗庄铺滩渡堡寨营集岩垭沟"

# (full name, short name, kind, categories it leads)
BUREAUS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("发展和改革局", "发改局", DepartmentKind.BUREAU, ("other",)),
    ("工业和信息化局", "工信局", DepartmentKind.BUREAU, ("industry",)),
    ("住房和城乡建设局", "住建局", DepartmentKind.BUREAU, ("urban", "social")),
    ("自然资源局", "自然资源局", DepartmentKind.BUREAU, ("urban",)),
    ("交通运输局", "交通局", DepartmentKind.BUREAU, ("infra",)),
    ("生态环境分局", "生态环境局", DepartmentKind.BUREAU, ("eco",)),
    ("农业农村局", "农业农村局", DepartmentKind.BUREAU, ("agri",)),
    ("文化旅游广电体育局", "文旅局", DepartmentKind.BUREAU, ("social",)),
    ("卫生健康局", "卫健局", DepartmentKind.BUREAU, ("social",)),
    ("教育局", "教育局", DepartmentKind.BUREAU, ("social",)),
    ("水利局", "水利局", DepartmentKind.BUREAU, ("infra", "eco", "agri")),
    ("城市建设投资有限公司", "城投公司", DepartmentKind.SOE, ("urban", "infra")),
    ("供电公司", "供电公司", DepartmentKind.SOE, ("infra",)),
]
PARKS = ["经济开发区", "工业集中区", "高新技术产业园区"]
# (position after the county's title, portfolio, principal, categories it is 包保 for)
LEADER_POSTS: list[tuple[str, str, bool, tuple[str, ...]]] = [
    ("委书记", "全面工作", True, ()),
    ("长", "政府全面工作", True, ()),
    ("常务副{t}长", "发展改革、财政、重点项目", False, ("other",)),
    ("分管工业副{t}长", "工业、园区、招商引资", False, ("industry",)),
    ("分管城建副{t}长", "住房城乡建设、自然资源、城市管理", False, ("urban",)),
    ("分管交通副{t}长", "交通运输、电力、水利", False, ("infra",)),
    ("分管农业副{t}长", "农业农村、乡村振兴、生态环境", False, ("agri", "eco")),
    ("分管文旅副{t}长", "文化旅游、卫生健康、教育", False, ("social",)),
]
PROBLEM_TEXTS = {
    "land": [
        "剩余{n}户征地协议未签订，需属地乡镇和包保领导协调。",
        "地上附着物补偿标准存在争议，{n}户迁坟未完成。",
        "用地报批组卷材料需补正，影响供地。",
    ],
    "approval": ["施工图审查意见未闭合，施工许可证办理滞后。", "环评批复前置条件未满足，需补充专题论证。"],
    "funding": [
        "专项债资金到位滞后，工程款支付比例偏低。",
        "项目资本金未足额到位，融资方案待审议。",
        "征拆资金缺口约{n}00万元，需财政统筹。",
    ],
    "site": ["施工便道受阻，发生群众阻工{n}次。", "雨季施工组织不力，关键工序进度滞后。"],
    "utilities": ["施工用电接入方案需供电公司批复。", "厂外供水管线接入迟缓。", "进场道路硬化未完成。"],
    "planning": ["规划调整方案待规委会审议。", "设计方案与生态保护红线衔接需上级论证。"],
    "env": ["使用林地审批待省林业局批复。", "能耗指标调剂尚未落实。"],
    "other": ["参建单位人员、机械投入不足。"],
}
PROBLEM_CATEGORIES = (
    ["land"] * 5 + ["funding"] * 3 + ["approval"] * 2 + ["planning"] * 3 + ["utilities"] * 3 + ["env"] * 3 + ["site"] * 2 + ["other"]
)
PROBLEM_SOURCES = ["weekly"] * 5 + ["monthly"] * 3 + ["inspection"] * 2 + ["enterprise", "report", "system"]
OPEN_PROBLEM = [ProblemStatus.HANDLING] * 9 + [ProblemStatus.ASSIGNED] * 6 + [ProblemStatus.NEW, ProblemStatus.LONG_TERM]
# Status of the latest month's report: the demo has 76 approved, 2 submitted, 1 returned, 1 draft of 80;
# a province also has some that nobody filed (an overdue report, a red light).
LAST_REPORT = (
    [ReportStatus.APPROVED] * 84 + [ReportStatus.SUBMITTED] * 7 + [ReportStatus.DRAFT] * 3 + [ReportStatus.RETURNED] * 3 + [None] * 3
)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _rng(seed: int, phase: str, index: int = 0) -> random.Random:
    # A string seed is hashed with SHA-512 (not Python's salted hash), so the stream is the same in every process;
    # one generator per project and phase keeps a project's rows independent of chunking and of the other phases.
    return random.Random(f"portfolio:{seed}:{phase}:{index}")  # noqa: S311 — test data, not secrets


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- geography ----------------------------------------------------------------------------------


@dataclass
class County:
    code: str
    name: str  # e.g. 青江县
    stem: str  # 青江
    title: str  # 县, 区 or 市
    towns: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, kind)
    parks: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    # filled after insert
    region_id: int = 0
    town_ids: list[int] = field(default_factory=list)  # regions: towns/streets then parks, in that order
    bureau_ids: dict[str, int] = field(default_factory=dict)  # short name -> id
    bureau_names: dict[str, str] = field(default_factory=dict)
    local_dept_ids: list[int] = field(default_factory=list)  # the government of each town/park, same order as town_ids
    leader_ids: list[int] = field(default_factory=list)  # LEADER_POSTS order


def _geography(n: int, seed: int) -> tuple[str, list[County]]:
    rng = _rng(seed, "geography")
    province = rng.choice(PROVINCE_POOL)
    n_counties = max(1, math.ceil(n / PROJECTS_PER_COUNTY))
    per_prefecture = max(COUNTIES_PER_PREFECTURE, math.ceil(n_counties / 90))
    names = [a + b for a, b in itertools.product(FIRST, SECOND)]
    rng.shuffle(names)
    counties: list[County] = []
    for i in range(n_counties):
        prefecture, number = divmod(i, per_prefecture)
        title = rng.choices(["县", "区", "市"], weights=[7, 2, 1])[0]
        # GB/T 2260: 01–20 市辖区, 21–80 县, 81–99 县级市.
        digits = {"区": 2, "县": 21, "市": 81}[title] + number % 19
        code = f"{province}{prefecture + 1:02d}{digits:02d}"
        counties.append(County(code=code, name=names[i % len(names)] + title, stem=names[i % len(names)], title=title))
    # Two counties of a prefecture can get the same digits (a 区 and a 县 numbered alike): renumber the later ones.
    seen: set[str] = set()
    for county in counties:
        while county.code in seen:
            county.code = county.code[:4] + f"{(int(county.code[4:]) % 98) + 1:02d}"
        seen.add(county.code)
    for county in counties:
        crng = _rng(seed, "towns", int(county.code))
        town_names = [a + b for a, b in itertools.product(FIRST, SECOND) if a + b != county.stem]
        crng.shuffle(town_names)
        streets = crng.randint(1, 3) if county.title in ("区", "市") else 0
        towns = crng.randint(5, 8)
        for j in range(streets):
            county.towns.append((f"{county.code}{j + 1:03d}", town_names[j] + "街道", RegionKind.STREET))
        for j in range(towns):
            kind_name = "乡" if crng.random() < 0.2 else "镇"
            county.towns.append((f"{county.code}{100 + j:03d}", town_names[streets + j] + kind_name, RegionKind.TOWN))
        for j in range(crng.randint(1, 2)):
            county.parks.append((f"{county.code}{400 + j:03d}", county.name + PARKS[j]))
    return province, counties


def _department_rows(county: County) -> list[tuple[str, str, str, str | None, bool]]:
    """(name, short name, kind, region code, is the county's 项目办) of a county's departments."""
    rows = [(county.name + full, county.stem + short, kind, county.code, short == "发改局") for full, short, kind, _cats in BUREAUS]
    for code, name, kind in county.towns:
        suffix = "街道办事处" if kind == RegionKind.STREET else "人民政府"
        rows.append((county.name + name + suffix, name, DepartmentKind.TOWN, code, False))
    for code, name in county.parks:
        rows.append((name + "管理委员会", name.removeprefix(county.name), DepartmentKind.PARK, code, False))
    return rows


def _leader_positions(county: County) -> list[str]:
    # 青江县委书记, 青江县长, 青江县常务副县长…: unique because county names are.
    return [county.name + post.format(t=county.title) for post, *_ in LEADER_POSTS]


# --- the project plans ------------------------------------------------------------------------


@dataclass
class Plan:
    """Everything random about one project, drawn before any row is built."""

    index: int
    county: County
    region_slot: int  # index into county.town_ids
    spec: dict  # the demo project it copies
    name: str
    short: str
    code: str | None
    legacy: bool
    category: str
    role: str
    total: Decimal
    annual: Decimal
    pace: Decimal
    planned_start: dt.date
    planned_finish: dt.date
    actual_start: dt.date | None
    months: int
    lead: str  # short name of a county bureau, or "" for the town/park government of the region
    coop: list[str]
    leader_slot: int
    township: bool
    last_status: str | None
    problems: int
    land: bool
    pk: int = 0

    @property
    def started(self) -> bool:
        return self.actual_start is not None


def _lead_for(category: str, in_park: bool, rng: random.Random) -> str:
    if in_park and category == "industry" and rng.random() < 0.7:
        return ""
    if rng.random() < 0.06:
        return ""
    options = [short for _full, short, _kind, cats in BUREAUS if category in cats] or ["发改局"]
    return rng.choice(options)


def _leader_for(category: str, rng: random.Random) -> int:
    if rng.random() < 0.03:
        return 2  # 常务副县长
    options = [i for i, (*_rest, cats) in enumerate(LEADER_POSTS) if category in cats] or [2]
    return rng.choice(options)


def _plans(n: int, seed: int, counties: list[County], today: dt.date) -> list[Plan]:
    year, _last_month = report_period(today)
    used_names: set[str] = set()
    plans: list[Plan] = []
    for index in range(1, n + 1):
        rng = _rng(seed, "project", index)
        spec = rng.choice(ALL_PROJECTS)
        county = counties[(index - 1) * len(counties) // n]  # counties get equal shares, in order
        category = spec["cat"]
        slots = len(county.towns) + len(county.parks)
        in_park = category == "industry" and rng.random() < 0.6
        region_slot = rng.randrange(len(county.towns), slots) if in_park else rng.randrange(len(county.towns))
        region_name = (county.towns + [(c, nm, "park") for c, nm in county.parks])[region_slot][1]
        started = spec["started"]
        start = spec["start"] + rng.randint(-45, 45)
        if not started and spec["role"] != "prelim":
            start = spec["start"] + rng.randint(-20, 30)  # most not yet due; some past their planned start (red)
        months = max(6, spec["months"] + rng.randint(-4, 4))
        planned_start, planned_finish = _dates({"start": start, "months": months, "role": spec["role"]}, today, year)
        actual_start = None
        if started:
            actual_start = min(planned_start + dt.timedelta(days=rng.randint(0, 14)), today)
            if spec["role"] == "cont" and actual_start.year >= year:
                # The jitter may push a 续建 project's start into the plan year: 续建 means begun before it.
                actual_start = dt.date(year - 1, 12, 28)
        total = (spec["total"] * rng.randint(60, 160) / 100).quantize(Decimal("10"), rounding=ROUND_HALF_UP)
        total = max(total, Decimal("100"))
        share = spec["annual"] / spec["total"] * rng.randint(85, 115) / 100
        annual = max(Decimal("10"), (total * share).quantize(Decimal("10"), rounding=ROUND_HALF_UP))
        pace = (
            max(Decimal("0"), spec["pace"] + Decimal(rng.randint(-8, 8)) / 100) if (started or spec["role"] == "prelim") else Decimal("0")
        )
        # Names: county, town and the demo project's subject; a second one of the same gets 二期, 三期….
        base = f"{county.name}{region_name.removeprefix(county.name)}{spec['short']}"
        name, phase = base + "项目", 1
        while name in used_names:
            phase += 1
            name = f"{base}（{'一二三四五六七八九十'[min(phase, 10) - 1] if phase <= 10 else phase}期）项目"
        used_names.add(name)
        code: str | None
        legacy = False
        if spec.get("code") is False:
            code = None
        elif spec.get("code") == "legacy":
            code, legacy = f"XM-{county.code}-{index:06d}", True
        else:
            code_year = min(max((planned_start - dt.timedelta(days=300)).year, 2014), today.year)
            code = f"{code_year}-{county.code}-{SEG3[category]}-{MODE_SEGMENT[spec['mode']]}-{index:06d}"
        coop_count = len(spec.get("coop", ()))
        lead = _lead_for(category, region_slot >= len(county.towns), rng)
        others = [short for _f, short, _k, _c in BUREAUS if short != lead]
        plans.append(
            Plan(
                index=index,
                county=county,
                region_slot=region_slot,
                spec=spec,
                name=name,
                short=(region_name.removeprefix(county.name) + spec["short"])[:60],
                code=code,
                legacy=legacy,
                category=category,
                role=spec["role"],
                total=total,
                annual=annual,
                pace=pace,
                planned_start=planned_start,
                planned_finish=planned_finish,
                actual_start=actual_start,
                months=months,
                lead=lead,
                # The demo names 配合单位 for a third of its projects; a province's ledgers name them more often.
                coop=rng.sample(others, min(coop_count or rng.choice([0, 0, 1, 2]), len(others))),
                leader_slot=_leader_for(category, rng),
                township=rng.random() < 0.5,
                last_status=(spec.get("last") or "approved") if rng.random() < 0.5 else rng.choice(LAST_REPORT),
                problems=rng.choices([0, 1, 2, 3], weights=[50, 30, 15, 5])[0],
                land=bool(spec.get("land")) or rng.random() < 0.05,
            )
        )
    return plans


# --- checks -------------------------------------------------------------------------------------


def _existing(model: type[models.Model], field_name: str, values: list[str]) -> list[str]:
    found: list[str] = []
    for chunk in _chunks(values, 1000):
        found += model.objects.filter(**{f"{field_name}__in": list(chunk)}).values_list(field_name, flat=True)
    return sorted(found)


def _refuse_collisions(counties: list[County], plans: list[Plan], seed: int) -> None:
    """Stop before writing if any generated key is already in the database: the command never overwrites."""
    regions = [c.code for c in counties] + [t[0] for c in counties for t in c.towns] + [p[0] for c in counties for p in c.parks]
    checks = [
        (Region, "code", regions, "行政区划代码"),
        (Department, "name", [row[0] for c in counties for row in _department_rows(c)], "责任单位"),
        (Leader, "position", [p for c in counties for p in _leader_positions(c)], "领导岗位"),
        (User, "username", _usernames(counties, seed), "用户名"),
        (Project, "primary_code", [p.code for p in plans if p.code], "项目代码"),
        (Project, "name", [p.name for p in plans], "项目名称"),
    ]
    for model, field_name, values, label in checks:
        clash = _existing(model, field_name, values)
        if clash:
            raise CommandError(
                f"数据库中已有要生成的{label}“{clash[0]}”等{len(clash)}个，为免覆盖现有数据，未写入任何数据。"
                "请换一个 --seed，或在新的数据库中生成。"
            )


def _usernames(counties: list[County], seed: int) -> list[str]:
    names: list[str] = []
    for county in counties:
        names += [f"g{seed}-{county.code}-d{i:02d}" for i in range(len(_department_rows(county)))]
        names += [f"g{seed}-{county.code}-l{i}" for i in range(len(LEADER_POSTS))]
    return names


# --- phases -------------------------------------------------------------------------------------


class _Phase:
    """Reports progress of one phase: called at 0, after each chunk, and at the total."""

    def __init__(self, progress: Progress | None, label: str, total: int) -> None:
        self.progress, self.label, self.total, self.done = progress, label, total, 0
        self.tick(0)

    def tick(self, step: int) -> None:
        self.done = min(self.total, self.done + step)
        if self.progress:
            self.progress(self.label, self.done, self.total)


def _insert(model: type[models.Model], rows: list[models.Model]) -> list[models.Model]:
    return model.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _load_organization(counties: list[County], seed: int, progress: Progress | None) -> dict[str, int]:
    phase = _Phase(progress, "区划/单位/领导/账号", len(counties))
    counts = dict.fromkeys(("regions", "departments", "leaders", "users"), 0)
    groups = {g.name: g.pk for g in Group.objects.filter(name__in=[role_group_name(Role.DEPARTMENT), role_group_name(Role.LEADER)])}
    password = UNUSABLE_PASSWORD_PREFIX + "generated-portfolio"  # unusable: see the module docstring
    for chunk in _chunks(counties, 50):
        regions = _insert(Region, [Region(code=c.code, name=c.name, kind=RegionKind.COUNTY, sort_order=100) for c in chunk])
        for county, region in zip(chunk, regions, strict=True):
            county.region_id = region.pk
        children: list[Region] = []
        for county in chunk:
            rows = [(code, name, kind) for code, name, kind in county.towns] + [
                (code, name, RegionKind.PARK) for code, name in county.parks
            ]
            children += [
                Region(code=code, name=name, kind=kind, parent_id=county.region_id, sort_order=i)
                for i, (code, name, kind) in enumerate(rows, 1)
            ]
        children = _insert(Region, children)
        by_code = {r.code: r.pk for r in children}
        by_code.update({c.code: c.region_id for c in chunk})
        for county in chunk:
            county.town_ids = [by_code[t[0]] for t in county.towns] + [by_code[p[0]] for p in county.parks]
        depts: list[Department] = []
        for county in chunk:
            depts += [
                Department(name=name, short_name=short[:30], kind=kind, region_id=by_code[code], is_portfolio_office=office, sort_order=i)
                for i, (name, short, kind, code, office) in enumerate(_department_rows(county))
            ]
        depts = _insert(Department, depts)
        leaders: list[Leader] = []
        for county in chunk:
            leaders += [
                Leader(position=position, portfolio=portfolio, is_principal=principal, sort_order=i)
                for i, (position, (_p, portfolio, principal, _c)) in enumerate(zip(_leader_positions(county), LEADER_POSTS, strict=True))
            ]
        leaders = _insert(Leader, leaders)
        users: list[User] = []
        d, ld = iter(depts), iter(leaders)
        for county in chunk:
            county_depts = [next(d) for _ in _department_rows(county)]
            county.bureau_ids = {short: dept.pk for (_f, short, _k, _c), dept in zip(BUREAUS, county_depts, strict=False)}
            county.bureau_names = {short: dept.short_name for (_f, short, _k, _c), dept in zip(BUREAUS, county_depts, strict=False)}
            county.local_dept_ids = [dept.pk for dept in county_depts[len(BUREAUS) :]]
            county_leaders = [next(ld) for _ in LEADER_POSTS]
            county.leader_ids = [leader.pk for leader in county_leaders]
            for i, dept in enumerate(county_depts):
                users.append(
                    User(
                        username=f"g{seed}-{county.code}-d{i:02d}",
                        last_name=dept.short_name[:150],
                        first_name="联络员",
                        role=Role.DEPARTMENT,
                        department_id=dept.pk,
                        is_staff=True,
                        password=password,
                    )
                )
            for i, leader in enumerate(county_leaders):
                users.append(
                    User(
                        username=f"g{seed}-{county.code}-l{i}",
                        last_name=leader.position[:150],
                        role=Role.LEADER,
                        leader_id=leader.pk,
                        is_staff=True,
                        password=password,
                    )
                )
        users = _insert(User, users)
        memberships = [
            User.groups.through(user_id=u.pk, group_id=groups[role_group_name(u.role)]) for u in users if role_group_name(u.role) in groups
        ]
        _insert(User.groups.through, memberships)
        counts["regions"] += len(regions) + len(children)
        counts["departments"] += len(depts)
        counts["leaders"] += len(leaders)
        counts["users"] += len(users)
        phase.tick(len(chunk))
    return counts


def _lead_dept(plan: Plan) -> int:
    return plan.county.bureau_ids[plan.lead] if plan.lead else plan.county.local_dept_ids[plan.region_slot]


def _lead_name(plan: Plan) -> str:
    county = plan.county
    if plan.lead:
        return county.bureau_names[plan.lead]
    return (county.towns + [(c, n.removeprefix(county.name), "park") for c, n in county.parks])[plan.region_slot][1]


def _report_schedule(plan: Plan, today: dt.date) -> list[tuple[int, int, str | None]]:
    """(year, month, status) of every monthly report: the plan year to the report month, and the last year's months
    from the same month on, so a project that began before the plan year has 12+ months of reports."""
    year, last_month = report_period(today)
    if not (plan.started or plan.role == "prelim") or last_month < 1:
        return []
    begin = plan.actual_start or dt.date(year, 1, 1)
    schedule: list[tuple[int, int, str | None]] = []
    if begin < dt.date(year, 1, 1):
        first = last_month if begin < dt.date(year - 1, last_month, 1) else begin.month
        schedule += [(year - 1, m, ReportStatus.APPROVED) for m in range(first, 13)]
    first = begin.month if begin.year == year else 1
    schedule += [(year, m, ReportStatus.APPROVED) for m in range(first, last_month)]
    if first <= last_month:
        schedule.append((year, last_month, plan.last_status))
    return [row for row in schedule if row[2] is not None]


def _progress_pct(plan: Plan, year: int, month: int) -> Decimal:
    if plan.actual_start is None:
        return Decimal("0")
    elapsed = (year - plan.actual_start.year) * 12 + month - plan.actual_start.month + 1
    return min(Decimal("100"), _money(Decimal(max(elapsed, 0)) / Decimal(plan.months) * 100 * max(plan.pace, Decimal("0.3"))))


def _progress_text(plan: Plan, month: int, pct: Decimal) -> str:
    return f"{month}月：{plan.short}按计划推进，累计形象进度约{pct}%。"


def _load_projects(plans: list[Plan], today: dt.date, progress: Progress | None) -> int:
    phase = _Phase(progress, "项目", len(plans))
    year, _ = report_period(today)
    categories = dict(ProjectCategory.objects.values_list("code", "pk"))
    missing = sorted({p.category for p in plans} - set(categories))
    if missing:
        raise CommandError(f"缺少项目类别“{'、'.join(missing)}”：请先运行 manage.py seed 载入参考数据。")
    for chunk in _chunks(plans):
        rows: list[Project] = []
        for plan in chunk:
            spec, county = plan.spec, plan.county
            levels = set(spec.get("levels", ()))
            region_id = county.town_ids[plan.region_slot]
            approved = [(y, m) for y, m, s in _report_schedule(plan, today) if s == ReportStatus.APPROVED]
            latest = ""
            if approved:
                y, m = approved[-1]
                latest = _progress_text(plan, m, _progress_pct(plan, y, m))
            warning = "；".join(check_project_code(plan.code, allow_legacy=True).warnings) if plan.legacy and plan.code else ""
            started = plan.started
            rows.append(
                Project(
                    name=plan.name,
                    short_name=plan.short,
                    primary_code=plan.code,
                    code_is_legacy=plan.legacy,
                    code_warning=warning,
                    category_id=categories[plan.category],
                    is_provincial="provincial" in levels,
                    is_municipal="municipal" in levels,
                    is_county=True,
                    construction_nature=spec.get("nature", "1"),
                    investment_mode=spec["mode"],
                    investor_type=spec["investor"],
                    owner_unit=f"{plan.short}项目建设单位"[:120],
                    location_text=county.name
                    + (county.towns + [(c, n.removeprefix(county.name), "") for c, n in county.parks])[plan.region_slot][1],
                    region_id=region_id,
                    scale_content=f"参照演示项目“{spec['short']}”生成的建设内容。",
                    start_year=plan.planned_start.year,
                    end_year=plan.planned_finish.year,
                    planned_start=plan.planned_start,
                    planned_finish=plan.planned_finish,
                    actual_start=plan.actual_start,
                    build_status=spec["status"],
                    pool_stage=spec.get("pool") or (PoolStage.IMPLEMENT if started else PoolStage.PRELIM),
                    total_investment=plan.total,
                    fixed_asset_investment=_money(plan.total * Decimal("0.9")),
                    carry_over_completed=_money(plan.total * Decimal("0.2")) if plan.planned_start.year < year else Decimal("0"),
                    latest_image_progress=latest[:255],
                    remarks="生成数据（generate_portfolio），仅供性能测试。",
                )
            )
        for plan, project in zip(chunk, _insert(Project, rows), strict=True):
            plan.pk = project.pk
        phase.tick(len(chunk))
    return len(plans)


def _load_responsibilities(plans: list[Plan], seed: int, progress: Progress | None) -> int:
    phase = _Phase(progress, "项目责任", len(plans))
    count = 0
    for chunk in _chunks(plans):
        rows: list[ProjectResponsibility] = []
        for plan in chunk:
            rng = _rng(seed, "responsibility", plan.index)
            county, lead = plan.county, _lead_dept(plan)
            lead_name = _lead_name(plan)
            rows.append(
                ProjectResponsibility(
                    project_id=plan.pk, role=ResponsibilityRole.LEAD_LEADER, leader_id=county.leader_ids[plan.leader_slot]
                )
            )
            rows.append(
                ProjectResponsibility(
                    project_id=plan.pk, role=ResponsibilityRole.LEAD_DEPT, department_id=lead, person_name=f"{lead_name}主要负责人"
                )
            )
            rows += [
                ProjectResponsibility(
                    project_id=plan.pk, role=ResponsibilityRole.COOP_DEPT, department_id=county.bureau_ids[short], is_primary=False
                )
                for short in plan.coop
                if county.bureau_ids[short] != lead
            ]
            rows.append(
                ProjectResponsibility(
                    project_id=plan.pk,
                    role=ResponsibilityRole.LIAISON,
                    department_id=lead,
                    person_name=f"{lead_name}项目联络员",
                    phone=f"0{rng.randint(700, 999)}-{rng.randint(2000000, 8999999)}",
                    reports_to_leader_id=county.leader_ids[1],
                )
            )
            local = county.local_dept_ids[plan.region_slot]
            if plan.township and local != lead:
                rows.append(
                    ProjectResponsibility(project_id=plan.pk, role=ResponsibilityRole.TOWNSHIP, department_id=local, is_primary=False)
                )
        count += len(_insert(ProjectResponsibility, rows))
        phase.tick(len(chunk))
    return count


def _load_plans(plans: list[Plan], today: dt.date, progress: Progress | None) -> dict[str, int]:
    phase = _Phase(progress, "年度计划", len(plans))
    year, _ = report_period(today)
    counts = {"annual_plans": 0, "monthly_targets": 0}
    for chunk in _chunks(plans):
        rows: list[AnnualPlan] = []
        for plan in chunk:
            start_month = plan.planned_start.month if plan.role == "new" and plan.planned_start.year == year else None
            resume = None
            if plan.role in ("cont", "complete") and plan.actual_start:
                resume = max(plan.actual_start, dt.date(year, 2, 20))  # 续建项目春节后复工, as the demo
                resume = resume if resume <= today else None  # not resumed yet: no date in the future
            rows.append(
                AnnualPlan(
                    project_id=plan.pk,
                    year=year,
                    annual_role=plan.role,
                    annual_plan=plan.annual,
                    annual_goal=f"完成年度投资{plan.annual}万元，形象进度按月推进。",
                    planned_start_month=start_month,
                    planned_finish_month=plan.planned_finish.month if plan.role == "complete" else None,
                    resume_date=resume,
                )
            )
        rows = _insert(AnnualPlan, rows)
        targets: list[MonthlyTarget] = []
        for plan, row in zip(chunk, rows, strict=True):
            monthly = _money(plan.annual / 12)
            targets += [
                MonthlyTarget(plan_id=row.pk, month=m, plan_investment=monthly if m < 12 else plan.annual - monthly * 11)
                for m in range(1, 13)
            ]
        counts["annual_plans"] += len(rows)
        counts["monthly_targets"] += len(_insert(MonthlyTarget, targets))
        phase.tick(len(chunk))
    return counts


@dataclass
class _Item:
    pk: int
    seq: int
    code: str
    name: str
    stage: str
    issuing_dept_name: str
    offset_base: str
    offset_days: int
    after_item_id: int | None
    after_working_days: int | None
    depth: int = 0


def _template_items() -> dict[str, list[_Item]]:
    """The items of each investment mode's template, as milestone_generate_from_template reads them."""
    by_mode: dict[str, list[_Item]] = {}
    rows = ApprovalTemplateItem.objects.select_related("template").order_by("template__investment_mode", "seq", "pk")
    for item in rows:
        by_mode.setdefault(item.template.investment_mode, []).append(
            _Item(
                item.pk,
                item.seq,
                item.code,
                item.name,
                item.stage,
                item.issuing_dept_name,
                item.offset_base,
                item.offset_days,
                item.after_item_id,
                item.after_working_days,
            )
        )
    for items in by_mode.values():
        by_pk = {i.pk: i for i in items}
        for item in items:  # in seq order, so a predecessor's depth is known (the service needs the same order)
            pred = by_pk.get(item.after_item_id) if item.after_item_id else None
            item.depth = pred.depth + 1 if pred is not None and item.after_working_days is not None else 0
    return by_mode


def _workdays(plans: list[Plan], today: dt.date) -> WorkdayIndex:
    # Template offsets reach 300 days before the planned start; working-day items a few months after their predecessor.
    first = min([p.planned_start for p in plans] + [today]) - dt.timedelta(days=400)
    last = max([p.planned_finish for p in plans] + [today]) + dt.timedelta(days=400)
    # Years after next have no holiday data yet and count Monday–Friday, as everywhere in the system; the
    # calendar's one warning per such year would only break the progress bar here.
    calendar_log = logging.getLogger("apps.workcalendar.services")
    level = calendar_log.level
    calendar_log.setLevel(logging.ERROR)
    try:
        return WorkdayIndex(first, last)
    finally:
        calendar_log.setLevel(level)


def _add_working_days(index: WorkdayIndex, start: dt.date, days: int) -> dt.date:
    """apps.workcalendar.services.add_working_days on one preloaded index (that function loads the calendar per call)."""
    if days == 0 and index.is_working_day(start):
        return start
    return index.day(index.count(start) + max(days, 1))


def _milestone_status(plan: Plan, item_code: str | None, planned: dt.date | None, rng: random.Random, today: dt.date) -> dict:
    """Like the demo: what is past due is mostly done; the rest is overdue (the red lights of the overdue list)."""
    left_open = set(plan.spec.get("open", ()))
    if item_code == "ground_breaking" and plan.actual_start:
        return {"status": MilestoneStatus.DONE, "actual_date": plan.actual_start}
    if planned is None or planned >= today:
        return {}
    draw = rng.random()
    if planned < today - dt.timedelta(days=3) and item_code not in left_open:
        if draw < 0.9:
            actual = min(planned + dt.timedelta(days=rng.randint(-10, 12)), today)
            number = f"{plan.county.stem}审批〔{actual.year}〕{rng.randint(1, 480)}号"
            return {"status": MilestoneStatus.DONE, "actual_date": actual, "doc_number": number}
        if draw < 0.93 and item_code in ("water_soil", "energy", "stability"):
            return {"status": MilestoneStatus.NOT_APPLICABLE}
    return {"status": MilestoneStatus.SUSPENDED if item_code in left_open or draw > 0.97 else MilestoneStatus.IN_PROGRESS}


def _load_milestones(plans: list[Plan], seed: int, today: dt.date, progress: Progress | None) -> int:
    phase = _Phase(progress, "要件/节点", len(plans))
    templates = _template_items()
    index = _workdays(plans, today)
    count = 0
    for chunk in _chunks(plans, 1000):
        # Predecessors first: a follower's `after` points at a milestone that must already have its id.
        waves: dict[int, list[tuple[Milestone, _Item]]] = {}
        built: dict[tuple[int, int], Milestone] = {}  # (plan index, template item pk) -> milestone
        nodes: list[Milestone] = []
        for plan in chunk:
            rng = _rng(seed, "milestone", plan.index)
            dept, person = _lead_dept(plan), f"{_lead_name(plan)}项目联络员"
            for item in templates.get(plan.spec["mode"], []):
                milestone = Milestone(
                    project_id=plan.pk,
                    template_item_id=item.pk,
                    kind=MilestoneKind.APPROVAL,
                    seq=item.seq,
                    stage=item.stage,
                    name=item.name,
                    issuing_dept_name=item.issuing_dept_name,
                    responsible_dept_id=dept,
                )
                pred = built.get((plan.index, item.after_item_id)) if item.after_item_id else None
                if pred is not None and item.after_working_days is not None:
                    milestone.after = pred
                    milestone.after_working_days = item.after_working_days
                    milestone.planned_date = (
                        _add_working_days(index, pred.planned_date, item.after_working_days) if pred.planned_date else None
                    )
                else:
                    base = plan.planned_finish if item.offset_base == OffsetBase.PLANNED_FINISH else plan.planned_start
                    milestone.planned_date = base + dt.timedelta(days=item.offset_days)
                for key, value in _milestone_status(plan, item.code, milestone.planned_date, rng, today).items():
                    setattr(milestone, key, value)
                built[(plan.index, item.pk)] = milestone
                waves.setdefault(item.depth, []).append((milestone, item))
            for seq, (name, offset) in enumerate(plan.spec.get("nodes", ()), start=30):
                nodes.append(
                    Milestone(
                        project_id=plan.pk,
                        kind=MilestoneKind.CONSTRUCTION,
                        seq=seq,
                        stage=Stage.CONSTRUCTION,
                        name=name,
                        planned_date=today + dt.timedelta(days=offset + rng.randint(-10, 20)),
                        responsible_dept_id=dept,
                        responsible_person=person,
                        status=MilestoneStatus.IN_PROGRESS,
                    )
                )
        for depth in sorted(waves):
            for milestone, _item in waves[depth]:
                if milestone.after is not None:
                    milestone.after_id = milestone.after.pk  # the predecessor got its id in the previous wave
            count += len(_insert(Milestone, [m for m, _i in waves[depth]]))
        count += len(_insert(Milestone, nodes))
        phase.tick(len(chunk))
    return count


def _load_reports(plans: list[Plan], seed: int, today: dt.date, progress: Progress | None) -> dict[str, int]:
    phase = _Phase(progress, "月报/往年完成", len(plans))
    year, last_month = report_period(today)
    counts = {"reports": 0, "historical_completions": 0}
    # Filing times are capped at yesterday evening, not at now(): the same day gives the same rows.
    latest = _at(today - dt.timedelta(days=1), 18)
    for chunk in _chunks(plans):
        reports: list[ProgressReport] = []
        history: list[HistoricalCompletion] = []
        for plan in chunk:
            rng = _rng(seed, "report", plan.index)
            schedule = _report_schedule(plan, today)
            this_year = [(y, m, s) for y, m, s in schedule if y == year]
            # This year's completions to the report month: the 序时 share of the plan times the project's pace
            # (as the demo), spread over the filed months with some month-to-month variation.
            target = _money(plan.annual * plan.pace * last_month / 12)
            weights = [rng.randint(70, 130) for _ in this_year]
            amounts: list[Decimal] = []
            for i, weight in enumerate(weights):
                amounts.append(_money(target * weight / sum(weights)) if i < len(weights) - 1 else target - sum(amounts, Decimal("0")))
            last_year_monthly = _money(plan.annual / LAST_YEAR_GROWTH / 12 * plan.pace)
            for y, m, status in schedule:
                amount = amounts[this_year.index((y, m, status))] if y == year else last_year_monthly
                pct = _progress_pct(plan, y, m)
                submitted = status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED, ReportStatus.RETURNED)
                filed = min(_at(dt.date(y + m // 12, m % 12 + 1, rng.randint(1, 5)), 9 + rng.randint(0, 8)), latest)
                reports.append(
                    ProgressReport(
                        project_id=plan.pk,
                        year=y,
                        month=m,
                        period_completed=max(amount, Decimal("0")),
                        image_progress_text=_progress_text(plan, m, pct),
                        image_progress_pct=pct,
                        next_plan="按月度目标推进，协调解决存在问题。",
                        status=status,
                        return_reason="完成投资与现场形象进度不符，请核实后重报。" if status == ReportStatus.RETURNED else "",
                        return_count=1 if status == ReportStatus.RETURNED else 0,
                        submitted_at=filed if submitted else None,
                        reviewed_at=min(filed + dt.timedelta(days=rng.randint(1, 4)), latest) if status == ReportStatus.APPROVED else None,
                    )
                )
            # 往年完成投资 for last year's months before the reports begin (the system was not used then), for 同比.
            if plan.actual_start and plan.actual_start < dt.date(year, 1, 1):
                first = plan.actual_start.month if plan.actual_start.year == year - 1 else 1
                filed_from = min([m for y, m, _s in schedule if y == year - 1] or [13])
                history += [
                    HistoricalCompletion(
                        project_id=plan.pk, year=year - 1, month=m, completed=last_year_monthly, source=f"{year - 1}年调度表（生成数据）"
                    )
                    for m in range(first, filed_from)
                ]
        counts["reports"] += len(_insert(ProgressReport, reports))
        counts["historical_completions"] += len(_insert(HistoricalCompletion, history))
        phase.tick(len(chunk))
    return counts


def _load_problems(plans: list[Plan], seed: int, today: dt.date, progress: Progress | None) -> int:
    phase = _Phase(progress, "问题", len(plans))
    count = 0
    for chunk in _chunks(plans):
        rows: list[Problem] = []
        for plan in chunk:
            rng = _rng(seed, "problem", plan.index)
            for _ in range(plan.problems):
                category = rng.choice(PROBLEM_CATEGORIES)
                text = rng.choice(PROBLEM_TEXTS[category]).format(n=rng.randint(2, 30))
                offset = rng.randint(-45, 60)
                deadline = today + dt.timedelta(days=offset)
                raised = min(today, deadline) - dt.timedelta(days=rng.randint(10, 60))
                dept = _lead_dept(plan)
                if category == "utilities" and rng.random() < 0.5:
                    dept = plan.county.bureau_ids["供电公司"]
                elif category in ("land", "planning") and rng.random() < 0.5:
                    dept = plan.county.bureau_ids["自然资源局"]
                values: dict = {"status": rng.choice(OPEN_PROBLEM), "escalation_level": 2 if offset < -14 else (1 if offset < 0 else 0)}
                if rng.random() < 0.3:
                    # Solved: resolved some days after it was raised (never in the future); most are also closed (销号).
                    resolved = min(raised + dt.timedelta(days=rng.randint(5, 50)), today - dt.timedelta(days=1))
                    closed = rng.random() < 0.7
                    values = {
                        "status": ProblemStatus.CLOSED if closed else ProblemStatus.RESOLVED,
                        "resolution": "经协调已解决，现场恢复正常推进。",
                        "resolved_at": _at(resolved),
                        "closed_at": _at(resolved, 16) if closed else None,
                        "escalation_level": 0,
                    }
                rows.append(
                    Problem(
                        project_id=plan.pk,
                        category=category,
                        description=f"{plan.short}：{text}",
                        source=rng.choice(PROBLEM_SOURCES),
                        raised_on=raised,
                        responsible_dept_id=dept,
                        responsible_person=f"{_lead_name(plan)}分管负责人",
                        coordinating_leader_id=plan.county.leader_ids[plan.leader_slot if rng.random() < 0.8 else 2],
                        deadline=deadline,
                        **values,
                    )
                )
        count += len(_insert(Problem, rows))
        phase.tick(len(chunk))
    return count


def _load_land(plans: list[Plan], seed: int, progress: Progress | None) -> int:
    with_land = [p for p in plans if p.land]
    phase = _Phase(progress, "征地拆迁", len(with_land))
    statuses = [s.value for s in LandApprovalStatus]
    count = 0
    for chunk in _chunks(with_land):
        rows: list[LandAcquisition] = []
        for plan in chunk:
            rng = _rng(seed, "land", plan.index)
            required = Decimal(rng.randint(2000, 30000)) / 100
            done = Decimal(rng.randint(30, 100)) / 100
            acquired = _money(required * done)
            households, demolish = rng.randint(10, 200), rng.randint(0, 60)
            signed = int(households * done)
            due = Decimal(rng.randint(500, 12000))
            rows.append(
                LandAcquisition(
                    project_id=plan.pk,
                    parcel_name=f"{plan.short}地块"[:100],
                    region_id=plan.county.town_ids[plan.region_slot],
                    required_area_mu=required,
                    acquired_area_mu=acquired,
                    cleared_area_mu=_money(acquired * Decimal(rng.randint(50, 100)) / 100),
                    land_households_total=households,
                    land_households_signed=signed,
                    demolish_households_total=demolish,
                    demolish_signed=int(demolish * done),
                    demolished=int(demolish * done * Decimal("0.8")),
                    compensation_due=due,
                    compensation_paid=_money(due * done * Decimal("0.9")),
                    approval_status=statuses[min(len(statuses) - 1, int(done * (len(statuses) - 1)))],
                )
            )
        count += len(_insert(LandAcquisition, rows))
        phase.tick(len(chunk))
    return count


def generate_portfolio(n: int, seed: int = 1, progress: Progress | None = None) -> dict[str, int]:
    """Insert a portfolio of `n` projects (and its counties, departments, leaders and accounts); returns row counts.

    `progress(phase, done, total)` is called at the start of each phase, after each chunk and at its end.
    Each phase is a transaction of its own; a failure leaves the earlier phases in place (all of them new rows)."""
    if not 1 <= n <= MAX_PROJECTS:
        raise CommandError(f"项目数应在1至{MAX_PROJECTS}之间。")
    today = timezone.localdate()
    phase = _Phase(progress, "抽样与查重", 1)
    _province, counties = _geography(n, seed)
    plans = _plans(n, seed, counties, today)
    _refuse_collisions(counties, plans, seed)
    phase.tick(1)
    if not ApprovalTemplateItem.objects.exists():
        raise CommandError("没有审批要件模板：请先运行 manage.py seed 载入参考数据。")
    counts: dict[str, int] = {}
    with transaction.atomic():
        counts.update(_load_organization(counties, seed, progress))
    with transaction.atomic():
        counts["projects"] = _load_projects(plans, today, progress)
    with transaction.atomic():
        counts["responsibilities"] = _load_responsibilities(plans, seed, progress)
    with transaction.atomic():
        counts.update(_load_plans(plans, today, progress))
    with transaction.atomic():
        counts["milestones"] = _load_milestones(plans, seed, today, progress)
    with transaction.atomic():
        counts.update(_load_reports(plans, seed, today, progress))
    with transaction.atomic():
        counts["problems"] = _load_problems(plans, seed, today, progress)
    with transaction.atomic():
        counts["land_acquisitions"] = _load_land(plans, seed, progress)
    _analyze()
    # Rows went in by bulk_create, past the services' hooks: the stored due items in one pass.
    phase = _Phase(progress, "到期事项", 1)
    light_table_rebuild(today=today)
    counts["due_items"] = due_items_refresh(today=today).added
    phase.tick(1)
    _analyze()
    return counts


def _analyze() -> None:
    """Fresh planner statistics for the tables just filled. Autovacuum gets there in its own time;
    until it does, PostgreSQL plans the first queries over 20 000 projects as if there were 3 000
    (measured: the overdue list's count took over a minute before ANALYZE, 0.9 s after)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
