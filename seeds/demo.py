"""Load the demo portfolio (seeds/demo_data.py) relative to today. Idempotent: a second run on
the same day changes no row; on a later day the rows keep their first dates."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from apps.accounts.demo import DEMO_PASSWORD
from apps.accounts.models import Role, User
from apps.accounts.roles import load_role_groups
from apps.core.seeding import ensure
from apps.land.models import LandAcquisition
from apps.lights.selectors import report_period
from apps.lights.services import due_items_deferred, due_items_refresh, light_table_rebuild
from apps.milestones.models import ApprovalTemplate, Milestone, MilestoneKind, MilestoneStatus, Stage
from apps.milestones.services import milestone_generate_from_template
from apps.organization.models import Department, Leader, Region
from apps.problems.models import NoticeType, Problem, ProblemStatus, SupervisionNotice
from apps.progress.models import HistoricalCompletion, ProgressReport, ReportStatus
from apps.projects.models import (
    AnnualPlan,
    MonthlyTarget,
    PoolStage,
    Project,
    ProjectCategory,
    ProjectResponsibility,
    ResponsibilityRole,
)
from apps.scoring.seeds import load_scoring_schemes

from .demo_data import ALL_PROJECTS

CENT = Decimal("0.01")
MODE_SEGMENT = {"approval": "01", "verify": "02", "filing": "03"}

# username, 姓, 名, role, department short name, leader position, superuser; the usernames are
# apps/accounts/demo.py's DEMO_USERNAMES (the deploy check refuses them with DEMO_PASSWORD)
DEMO_USERS = [
    ("admin", "系统", "管理员", Role.PORTFOLIO_OFFICE, "发改局", None, True),
    ("xmb", "项目办", "管理员", Role.PORTFOLIO_OFFICE, "发改局", None, False),
    ("zjj", "住建局", "联络员", Role.DEPARTMENT, "住建局", None, False),
    ("jtj", "交通局", "联络员", Role.DEPARTMENT, "交通局", None, False),
    ("cwfqz", "常务副区长", "", Role.LEADER, None, "常务副区长", False),
    ("viewer", "只读", "用户", Role.VIEWER, None, None, False),
]


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _dept(short: str) -> Department:
    return Department.objects.get(short_name=short)


def _load_users() -> None:
    """Create the demo accounts that are missing; an existing account is never changed."""
    groups = load_role_groups()  # reference data (seeds/reference.py); here for the users' membership
    for username, last, first, role, dept, leader, superuser in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        user = User(
            username=username,
            last_name=last,
            first_name=first,
            role=role,
            department=_dept(dept) if dept else None,
            leader=Leader.objects.get(position=leader) if leader else None,
            is_staff=True,
            is_superuser=superuser,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        if role in groups:
            user.groups.set([groups[role]])


def _code(spec: dict, index: int, start_year: int) -> tuple[str | None, bool]:
    if spec.get("code") is False:
        return None, False
    if spec.get("code") == "legacy":
        return f"WH-{start_year}-{index:04d}", True
    region = spec["region"][:6]
    return f"{start_year}-{region}-48-{MODE_SEGMENT[spec['mode']]}-{index:06d}", False


def _in_year(day: dt.date, year: int) -> dt.date:
    """The same month and day in `year` (28 February for 29 February)."""
    return day.replace(year=year, day=min(day.day, 28)) if (day.month, day.day) == (2, 29) else day.replace(year=year)


def _dates(spec: dict, today: dt.date, year: int) -> tuple[dt.date, dt.date]:
    """Planned start and finish that agree with the project's role in the plan year: a 续建 or 当年竣工
    project started before it (and a 续建 one finishes after it), a 当年竣工 one finishes in it, a
    新开工 one starts in it."""
    planned_start = today + dt.timedelta(days=spec["start"])
    if spec["role"] in ("cont", "complete") and planned_start.year >= year:
        planned_start = _in_year(planned_start, year - 1)
    elif spec["role"] == "new" and planned_start.year != year:
        planned_start = dt.date(year, 1, 10) if planned_start.year < year else dt.date(year, 12, 20)
    planned_finish = planned_start + dt.timedelta(days=int(spec["months"] * 30.5))
    if spec["role"] == "complete" and planned_finish.year != year:
        planned_finish = dt.date(year, 12, 20)
    elif spec["role"] == "cont" and planned_finish.year <= year:
        planned_finish = _in_year(planned_finish, year + 1)
    return planned_start, planned_finish


def _project(spec: dict, index: int, today: dt.date) -> Project:
    year = report_period(today)[0]
    planned_start, planned_finish = _dates(spec, today, year)
    code_year = (planned_start - dt.timedelta(days=300)).year
    code, legacy = _code(spec, index, code_year)
    started = spec["started"]
    levels = set(spec.get("levels", ()))
    values = {
        "short_name": spec["short"],
        "primary_code": code,
        "code_is_legacy": legacy,
        "category": ProjectCategory.objects.get(code=spec["cat"]),
        "is_provincial": "provincial" in levels,
        "is_municipal": "municipal" in levels,
        "is_county": True,
        "construction_nature": spec.get("nature", "1"),
        "investment_mode": spec["mode"],
        "investor_type": spec["investor"],
        "owner_unit": f"{spec['short']}项目建设单位",
        "region": Region.objects.get(code=spec["region"]),
        "location_text": Region.objects.get(code=spec["region"]).name,
        "scale_content": spec["speech"],
        "start_year": planned_start.year,
        "end_year": planned_finish.year,
        "planned_start": planned_start,
        "planned_finish": planned_finish,
        "actual_start": planned_start + dt.timedelta(days=7) if started else None,
        "build_status": spec["status"],
        "pool_stage": spec.get("pool") or (PoolStage.IMPLEMENT if started else PoolStage.PRELIM),
        "total_investment": spec["total"],
        # What was done before the system was used: a fifth of the total for projects begun before the plan year.
        "carry_over_completed": _money(spec["total"] * Decimal("0.2")) if planned_start.year < year else Decimal("0"),
        "remarks": "演示数据，取自讲话：" + spec["speech"],
    }
    if values["actual_start"] and values["actual_start"] > today:
        values["actual_start"] = today
    # 入库纳统 about a month after the start: projects started in the last six weeks are not in the
    # statistics database yet, so the demo shows the 纳统 light (yellow after a month).
    entered = values["actual_start"] is not None and values["actual_start"] <= today - dt.timedelta(days=45)
    values["in_stats_db"] = entered
    values["stats_entry_date"] = values["actual_start"] + dt.timedelta(days=30) if entered else None
    project = ensure(Project, {"name": spec["name"]}, values)
    if legacy and not project.code_warning:
        project.full_clean()
        project.save()
    return project


def _responsibilities(project: Project, spec: dict) -> None:
    ensure(
        ProjectResponsibility,
        {"project": project, "role": ResponsibilityRole.LEAD_LEADER},
        {"leader": Leader.objects.get(position=spec["leader"]), "is_primary": True},
    )
    ensure(
        ProjectResponsibility,
        {"project": project, "role": ResponsibilityRole.LEAD_DEPT},
        {"department": _dept(spec["lead"]), "person_name": f"{spec['lead']}主要负责人", "is_primary": True},
    )
    for short in spec.get("coop", ()):
        ensure(
            ProjectResponsibility,
            {"project": project, "role": ResponsibilityRole.COOP_DEPT, "department": _dept(short)},
            {"is_primary": False},
        )
    ensure(
        ProjectResponsibility,
        {"project": project, "role": ResponsibilityRole.LIAISON},
        {
            "department": _dept(spec["lead"]),
            "person_name": spec["liaison"],
            "phone": "0743-0000000",
            "reports_to_leader": Leader.objects.get(position="区长"),
        },
    )


def _annual_plan(project: Project, spec: dict, year: int, today: dt.date) -> AnnualPlan:
    planned_start = project.planned_start
    start_month = planned_start.month if spec["role"] == "new" and planned_start.year == year else None
    resume = None
    if spec["role"] in ("cont", "complete") and project.actual_start:
        # 续建项目春节后复工；当年才开工的按开工日期计。Loaded before that day (February), they have
        # not resumed yet: a 复工日期 in the future contradicts the facts (apps/projects/startfacts.py).
        resume = max(project.actual_start, dt.date(year, 2, 20))
        resume = resume if resume <= today else None
    plan = ensure(
        AnnualPlan,
        {"project": project, "year": year},
        {
            "annual_role": spec["role"],
            "annual_plan": spec["annual"],
            "annual_goal": spec["speech"].split("：", 1)[-1],
            "planned_start_month": start_month,
            "planned_finish_month": project.planned_finish.month if spec["role"] == "complete" else None,
            "resume_date": resume,
        },
    )
    monthly = _money(spec["annual"] / 12)
    for month in range(1, 13):
        amount = monthly if month < 12 else spec["annual"] - monthly * 11
        ensure(MonthlyTarget, {"plan": plan, "month": month}, {"plan_investment": amount})
    return plan


def _milestones(project: Project, spec: dict, today: dt.date) -> int:
    if not ApprovalTemplate.objects.filter(investment_mode=project.investment_mode).exists():
        return 0
    milestone_generate_from_template(actor=None, project=project)
    left_open = set(spec.get("open", ()))
    for m in project.milestones.filter(template_item__isnull=False).select_related("template_item"):
        code = m.template_item.code
        if code == "ground_breaking" and project.actual_start:
            values = {"status": MilestoneStatus.DONE, "actual_date": project.actual_start}
        elif m.planned_date and m.planned_date < today - dt.timedelta(days=3) and code not in left_open:
            actual = min(m.planned_date + dt.timedelta(days=m.seq % 5), today)
            values = {
                "status": MilestoneStatus.DONE,
                "actual_date": actual,
                "doc_number": f"演示〔{actual.year}〕{m.seq:02d}{project.pk:03d}号",
            }
        elif m.planned_date and m.planned_date < today:
            values = {"status": MilestoneStatus.IN_PROGRESS if code not in left_open else MilestoneStatus.SUSPENDED}
        else:
            continue
        if any(getattr(m, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(m, key, value)
            m.full_clean(validate_constraints=False)
            m.save()
    lead = _dept(spec["lead"])
    for seq, (name, offset) in enumerate(spec.get("nodes", ()), start=30):
        ensure(
            Milestone,
            {"project": project, "name": name, "kind": MilestoneKind.CONSTRUCTION},
            {
                "seq": seq,
                "stage": Stage.CONSTRUCTION,
                "planned_date": today + dt.timedelta(days=offset),
                "responsible_dept": lead,
                "responsible_person": spec["liaison"],
                "status": MilestoneStatus.IN_PROGRESS,
            },
        )
    # Department of every generated approval item: the lead department follows it up.
    project.milestones.filter(responsible_dept__isnull=True).update(responsible_dept=lead)
    return project.milestones.count()


def _reports(project: Project, spec: dict, year: int, last_month: int) -> int:
    if not (spec["started"] or spec["role"] == "prelim") or last_month < 1:
        return 0
    first_month = 1
    if project.actual_start and project.actual_start.year == year:
        first_month = project.actual_start.month
    monthly = _money(spec["annual"] / 12 * spec["pace"] * Decimal(last_month) / Decimal(last_month - first_month + 1))
    count = 0
    for month in range(first_month, last_month + 1):
        status = ReportStatus.APPROVED
        if month == last_month and spec.get("last"):
            status = spec["last"]
        cumulative_pct = min(Decimal("100"), _money(Decimal(month) / Decimal(spec["months"]) * 100 * spec["pace"]))
        ensure(
            ProgressReport,
            {"project": project, "year": year, "month": month},
            {
                "period_completed": monthly,
                "image_progress_text": f"{month}月：{spec['short']}按计划推进，累计形象进度约{cumulative_pct}%。",
                "image_progress_pct": cumulative_pct,
                "problems_text": spec["problems"][0][1] if spec.get("problems") else "",
                "status": status,
                "return_reason": "完成投资与现场形象进度不符，请核实后重报。" if status == ReportStatus.RETURNED else "",
                "return_count": 1 if status == ReportStatus.RETURNED else 0,
            },
        )
        count += 1
    return count


# Last year's completions (往年完成投资, as an office imports them) of the projects begun before the plan
# year, month by month, in proportion to their annual plans and scaled so that this year's completions
# to the report month are LAST_YEAR_GROWTH above the same months of last year ("同比增长20%以上").
LAST_YEAR_GROWTH = Decimal("1.22")


def _last_year(loaded: list[tuple[Project, dict]], year: int, last_month: int) -> None:
    first_months = {
        project.pk: (project.actual_start.month if project.actual_start.year == year - 1 else 1, spec["annual"])
        for project, spec in loaded
        if spec["started"] and project.actual_start and project.actual_start.year < year
    }
    same_months = sum(annual / 12 * max(0, last_month - first + 1) for first, annual in first_months.values())
    if not same_months or last_month < 1:
        return
    this_year = ProgressReport.objects.filter(year=year, month__lte=last_month, status=ReportStatus.APPROVED)
    done = sum((r.period_completed for r in this_year.only("period_completed")), Decimal("0"))
    scale = done / LAST_YEAR_GROWTH / same_months
    for project_id, (first, annual) in first_months.items():
        for month in range(first, 13):
            ensure(
                HistoricalCompletion,
                {"project_id": project_id, "year": year - 1, "month": month},
                {"completed": _money(annual / 12 * scale), "source": f"{year - 1}年调度表（演示数据）"},
            )


def _land(project: Project, spec: dict) -> None:
    land = spec.get("land")
    if not land:
        return
    ensure(
        LandAcquisition,
        {"project": project, "parcel_name": land["parcel"]},
        {
            "region": project.region,
            "required_area_mu": Decimal(land["required"]),
            "acquired_area_mu": Decimal(land["acquired"]),
            "cleared_area_mu": Decimal(land["cleared"]),
            "land_households_total": land["hh_total"],
            "land_households_signed": land["hh_signed"],
            "demolish_households_total": land["dem_total"],
            "demolish_signed": land["dem_signed"],
            "demolished": land["demolished"],
            "compensation_due": Decimal(land["due"]),
            "compensation_paid": Decimal(land["paid"]),
            "approval_status": land["status"],
        },
    )


def _problems(project: Project, spec: dict, today: dt.date) -> int:
    for category, text, dept, leader, offset, status in spec.get("problems", ()):
        deadline = today + dt.timedelta(days=offset)
        ensure(
            Problem,
            {"project": project, "description": text},
            {
                "category": category,
                "source": "weekly",
                "raised_on": min(today, deadline) - dt.timedelta(days=30),
                "responsible_dept": _dept(dept),
                "responsible_person": f"{dept}分管负责人",
                "coordinating_leader": Leader.objects.get(position=leader),
                "deadline": deadline,
                "status": status,
                "escalation_level": 2 if offset < -14 else (1 if offset < 0 else 0),
            },
        )
    return len(spec.get("problems", ()))


def _closed_problem(today: dt.date) -> None:
    project = Project.objects.get(name="高铁古丈西站进站路及站前广场项目")
    ensure(
        Problem,
        {"project": project, "description": "进站路跨线桥施工临时用电接入问题。"},
        {
            "category": "utilities",
            "source": "weekly",
            "raised_on": today - dt.timedelta(days=60),
            "responsible_dept": _dept("供电公司"),
            "coordinating_leader": Leader.objects.get(position="分管交通副区长"),
            "deadline": today - dt.timedelta(days=30),
            "status": ProblemStatus.CLOSED,
            "resolution": "供电公司已架设临时专线，施工用电已接通。",
            "closed_at": timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=35), dt.time(10, 0))),
        },
    )


def _notices(today: dt.date) -> None:
    project = Project.objects.get(name="古罗大道、罗凤公路一期工程")
    notice = ensure(
        SupervisionNotice,
        {"number": f"演示督办〔{today.year}〕1号"},
        {
            "notice_type": NoticeType.SUPERVISE,
            "issued_on": today - dt.timedelta(days=10),
            "target_dept": _dept("罗依溪镇"),
            "target_person": "罗依溪镇党委书记",
            "content": "古罗大道罗依溪镇段征拆滞后超过15个工作日，请于限期内回复推进措施。",
            "reply_deadline": today + dt.timedelta(days=4),
        },
    )
    problems = list(Problem.objects.filter(project=project, category="land"))
    if set(notice.projects.all()) != {project}:
        notice.projects.set([project])
    if set(notice.problems.all()) != set(problems):
        notice.problems.set(problems)


def demo_present() -> bool:
    """The ledger already has projects (the demo, or real ones): the demo is not loaded over them."""
    return Project.objects.exists()


def load_demo(today: dt.date | None = None) -> dict[str, int]:
    """Load the demo portfolio into an empty ledger; returns row counts.

    A ledger that has any project is left exactly as it is (no row is added or changed), so a
    restarted `bin/run` keeps every edit. `seed --demo --reset` starts over on purpose."""
    if demo_present():
        return {"loaded": 0, **_counts()}
    today = today or timezone.localdate()
    year, last_month = report_period(today)
    _load_users()
    milestones = reports = problems = 0
    loaded: list[tuple[Project, dict]] = []
    light_table_rebuild(today=today)
    # The stored due items of every project, once at the end rather than at each of its rows.
    with due_items_deferred():
        for index, spec in enumerate(ALL_PROJECTS, start=1):
            project = _project(spec, index, today)
            _responsibilities(project, spec)
            _annual_plan(project, spec, year, today)
            milestones += _milestones(project, spec, today)
            reports += _reports(project, spec, year, last_month)
            loaded.append((project, spec))
            _land(project, spec)
            problems += _problems(project, spec, today)
        _last_year(loaded, year, last_month)
        _closed_problem(today)
        _notices(today)
    # Rows the seed wrote past the services (a bulk update of the milestones' departments).
    due_items_refresh(today=today)
    load_scoring_schemes(year)
    return {"loaded": 1, **_counts()}


def _counts() -> dict[str, int]:
    return {
        "projects": Project.objects.count(),
        "milestones": Milestone.objects.count(),
        "reports": ProgressReport.objects.count(),
        "problems": Problem.objects.count(),
    }
