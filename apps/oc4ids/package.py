"""Our projects as OC4IDS 0.9.5 (Open Contracting for Infrastructure Data Standard) dicts.

Every code written here is in the codelists vendored in apps/oc4ids/schema/codelists/ (the tests
check it): the schema itself only checks the closed ones. What OC4IDS has no field for goes in the
extension object "x_keyProject" (on the project and on each party).

Money: our amounts are 万元 (Decimal); OC4IDS amounts are CNY, so × 10000, kept exact.
Dates: OC4IDS wants date-times, so a date is its midnight in Asia/Shanghai (settings.TIME_ZONE).
Identifiers (`identifiers[].scheme`): "CN-XMDM" a national project code (全国统一项目代码, format
YYYY-XXXXXX-XX-XX-XXXXXX), "CN-KP-LEGACY" a legacy code of our ledger (旧编码, any other shape),
"CN-KP-LOCAL" our own project id; an owner's credit code is "CN-USCC".
Roles and milestone types say what the ledger means: see OWNER_ROLES and TEMPLATE_MILESTONE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from apps.milestones.models import Milestone, MilestoneKind, MilestoneStatus, Stage
from apps.progress.models import ProgressReport, ReportStatus
from apps.projects.codes import PROJECT_CODE_RE
from apps.projects.models import (
    AnnualPlan,
    BuildStatus,
    ConstructionNature,
    InvestorType,
    MonthlyTarget,
    PoolStage,
    Project,
    ResponsibilityRole,
)
from apps.workcalendar.periods import Period

VERSION = "0.9"  # the package's `version` is major.minor (schema pattern ^(\d+\.)(\d+)$)
CURRENCY = "CNY"
WAN = Decimal(10000)

# OC4IDS project ids must start with a registered prefix "oc4ids-" + 6 characters + "-". The county
# has none registered yet: this placeholder is overridable in settings once one is registered.
DEFAULT_ID_PREFIX = "oc4ids-cnkp00-"
# The scheme names of our identifiers (SimpleIdentifier.scheme is free text).
NATIONAL_CODE_SCHEME = "CN-XMDM"  # 投资项目在线审批监管平台项目代码 (national format only)
# A legacy code (Project.code_is_legacy: registered before 赋码, not in the national format) is our
# ledger's number, not the platform's: under its own scheme, with no "CN-XMDM" prefix, so a consumer
# that matches or prefix-matches the national scheme never takes it for a national code.
LEGACY_CODE_SCHEME = "CN-KP-LEGACY"  # 本系统登记的旧项目编码（非全国统一项目代码）
LOCAL_ID_SCHEME = "CN-KP-LOCAL"  # 本系统项目ID
CREDIT_CODE_SCHEME = "CN-USCC"  # 统一社会信用代码

EXTENSION = "x_keyProject"

# projectStatus.csv: identification, preparation, implementation, completion, maintenance, cancelled, …
POOL_STATUS = {
    PoolStage.PLANNING: "identification",
    PoolStage.RESERVE: "identification",
    PoolStage.PRELIM: "preparation",
    PoolStage.IMPLEMENT: "implementation",
    PoolStage.DONE: "completion",
    PoolStage.WITHDRAWN: "cancelled",
}

# projectType.csv (closed): construction, rehabilitation, replacement, expansion, decommissioning.
# 单纯购置 builds nothing: no type.
NATURE_TYPE = {
    ConstructionNature.NEW: "construction",
    ConstructionNature.EXPAND: "expansion",
    ConstructionNature.REBUILD: "rehabilitation",
    ConstructionNature.LIVING: "construction",
    ConstructionNature.RELOCATE: "construction",
    ConstructionNature.RESTORE: "rehabilitation",
}

# partyRole.csv. The lead department administers the project for the county: administrativeEntity.
# Cooperating departments and the township have a stake without a contract: interestedParty. Our own
# role names go in the party's extension object.
DEPT_ROLES = {
    ResponsibilityRole.LEAD_DEPT: "administrativeEntity",
    ResponsibilityRole.COOP_DEPT: "interestedParty",
    ResponsibilityRole.TOWNSHIP: "interestedParty",
}

# partyRole.csv has no "owner" or "sponsor": the owner's (建设单位) role follows who invests
# (Project.investor_type, 投资主体类型).
# - Government investment: the owner develops a public asset on the public budget, which is what
#   publicAuthority means ("the entity responsible for developing the infrastructure assets and/or
#   delivering the public services"); it is also the project's top-level `publicAuthority`.
# - Enterprise investment (state-owned, private, foreign) and mixed/PPP: the owner is not a public
#   authority but the enterprise (or PPP project company) putting its money in: funder ("an entity
#   providing money or finance for this ... project"). buyer/procuringEntity describe a contract or
#   a procurement, which the package does not carry, so they are not claimed.
OWNER_ROLES = {
    InvestorType.GOVERNMENT: ["publicAuthority"],
    InvestorType.STATE_OWNED: ["funder"],
    InvestorType.PRIVATE: ["funder"],
    InvestorType.FOREIGN: ["funder"],
    InvestorType.MIXED: ["funder"],
}

# milestoneType.csv and milestoneCode.csv, by the milestone's template item (ApprovalTemplateItem.code,
# seeds/reference.py), then its stage, then its kind:
# - 施工、监理招标 is a procurement, not an approval: type "procurement" (codelist: "events taking
#   place during the procurement"); no milestoneCode fits a tender as a whole, so no code.
# - 实际开工 is the start of works: type "delivery", code "commencement" ("commencement of
#   construction or development").
# - Acceptance (联合验收, 竣工验收备案, any milestone of the 竣工验收 stage): type "delivery", code
#   "completion" ("completion of construction").
# - Other approvals: "approval" + "projectApproval"; construction nodes: "delivery", no code (none
#   in milestoneCode.csv fits a generic node).
TEMPLATE_MILESTONE = {
    "tender": ("procurement", None),
    "ground_breaking": ("delivery", "commencement"),
    "joint_acceptance": ("delivery", "completion"),
    "completion_filing": ("delivery", "completion"),
}
STAGE_MILESTONE = {Stage.ACCEPTANCE: ("delivery", "completion")}
KIND_MILESTONE = {MilestoneKind.APPROVAL: ("approval", "projectApproval"), MilestoneKind.CONSTRUCTION: ("delivery", None)}

METRIC_ID = "financialProgress"  # metricID.csv


def project_status(project: Project) -> str:
    """The pool stage decides, refined by the build status for projects under way."""
    if project.pool_stage == PoolStage.WITHDRAWN:
        return "cancelled"
    if project.build_status == BuildStatus.IN_OPERATION:
        return "maintenance"  # the asset is in service
    if project.build_status == BuildStatus.COMPLETED:
        return "completion"
    if project.build_status in (BuildStatus.STARTED, BuildStatus.SUSPENDED, BuildStatus.MAIN_DONE, BuildStatus.PARTIAL_OPERATION):
        return "implementation"  # 在建 whatever the pool says
    return POOL_STATUS.get(project.pool_stage, "preparation")


def cny(wan: Decimal | None) -> int | Decimal | None:
    """万元 → CNY amount, exact: an int when whole (JSON numbers without a float's rounding)."""
    if wan is None:
        return None
    amount = Decimal(wan) * WAN
    return int(amount) if amount == amount.to_integral_value() else amount


def value(wan: Decimal | None) -> dict | None:
    amount = cny(wan)
    return None if amount is None else {"amount": amount, "currency": CURRENCY}


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def date_time(day: dt.date | None) -> str | None:
    """A date as its midnight in Asia/Shanghai, ISO 8601 (OC4IDS dates are date-times)."""
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=_tz()).isoformat()


def moment(when: dt.datetime | None) -> str | None:
    return None if when is None else timezone.localtime(when, _tz()).isoformat()


def month_period(year: int, month: int) -> dict:
    period = Period(year, month)
    start, end = period.first_day, period.last_day
    return {"startDate": date_time(start), "endDate": dt.datetime.combine(end, dt.time(23, 59, 59), tzinfo=_tz()).isoformat()}


def project_id(project: Project) -> str:
    return f"{getattr(settings, 'OC4IDS_ID_PREFIX', DEFAULT_ID_PREFIX)}{project.pk}"


def _clean(data: dict) -> dict:
    """Drops None and empty values: OC4IDS fields are optional but never null or empty."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def package_queryset(qs: QuerySet[Project]) -> QuerySet[Project]:
    """The project list's queryset plus what the package reads: a constant number of queries."""
    return qs.prefetch_related(
        Prefetch(
            "milestones",
            queryset=Milestone.objects.exclude(status=MilestoneStatus.NOT_APPLICABLE)
            .select_related("template_item")  # its code types the milestone
            .order_by("kind", "seq", "id"),
        ),
        Prefetch(
            "annual_plans",
            queryset=AnnualPlan.objects.order_by("year").prefetch_related(
                Prefetch("monthly_targets", queryset=MonthlyTarget.objects.order_by("month"))
            ),
            to_attr="oc4ids_plans",
        ),
        # Only approved reports count as completed investment (累计完成 = 期初数 + 已审核月报之和).
        Prefetch(
            "progress_reports",
            queryset=ProgressReport.objects.filter(status=ReportStatus.APPROVED).order_by("year", "month"),
            to_attr="oc4ids_reports",
        ),
    )


def _milestone_status(milestone: Milestone, today: dt.date) -> str:
    # milestoneStatus.csv (closed): scheduled, met, notMet, partiallyMet.
    if milestone.status == MilestoneStatus.DONE:
        return "met"
    if milestone.status == MilestoneStatus.COMMITMENT:
        return "partiallyMet"  # 告知承诺/容缺受理: may proceed, the approval itself is still owed
    if milestone.planned_date is not None and milestone.planned_date < today:
        return "notMet"
    return "scheduled"


def milestone_type(milestone: Milestone) -> tuple[str | None, str | None]:
    """(milestoneType, milestoneCode) of a milestone: see TEMPLATE_MILESTONE."""
    item_code = milestone.template_item.code if milestone.template_item_id else None
    if item_code in TEMPLATE_MILESTONE:
        return TEMPLATE_MILESTONE[item_code]
    if milestone.stage in STAGE_MILESTONE:
        return STAGE_MILESTONE[milestone.stage]
    return KIND_MILESTONE.get(milestone.kind, (None, None))


def milestones(project: Project, today: dt.date) -> list[dict]:
    out = []
    for m in project.milestones.all():
        kind, code = milestone_type(m)
        out.append(
            _clean(
                {
                    "id": str(m.pk),
                    "title": m.name,
                    "type": kind,
                    "code": code,
                    "description": f"审批（出具）部门：{m.issuing_dept_name}" if m.issuing_dept_name else None,
                    "dueDate": date_time(m.planned_date),
                    "dateMet": date_time(m.actual_date) if m.status == MilestoneStatus.DONE else None,
                    "dateModified": moment(m.updated_at),
                    "status": _milestone_status(m, today),
                }
            )
        )
    return out


def _observation(year: int, month: int, wan: Decimal, notes: str | None = None) -> dict:
    return _clean({"id": f"{year:04d}-{month:02d}", "period": month_period(year, month), "value": value(wan), "notes": notes})


def forecasts(project: Project) -> list[dict]:
    """The monthly investment plan: OC4IDS puts planned progress in `forecasts`."""
    observations = [
        _observation(plan.year, t.month, t.plan_investment) for plan in project.oc4ids_plans for t in plan.monthly_targets.all()
    ]
    if not observations:
        return []
    return [{"id": METRIC_ID, "title": "月度计划投资", "description": "年度计划分解到各月的计划投资（元）。", "observations": observations}]


def metrics(project: Project) -> list[dict]:
    """Monthly completed investment (approved reports), beside the plan of the same month in `forecasts`."""
    observations = [_observation(r.year, r.month, r.period_completed) for r in project.oc4ids_reports]
    if not observations:
        return []
    return [
        {
            "id": METRIC_ID,
            "title": "月度完成投资",
            "description": "已审核月报的本月完成投资（元）；同月计划见 forecasts。",
            "observations": observations,
        }
    ]


def parties(project: Project) -> tuple[list[dict], dict | None]:
    """The departments (by responsibility) and the owner (roles by investor type, OWNER_ROLES); with the
    owner's reference for the top-level publicAuthority when it is one."""
    by_dept: dict[int, dict] = {}
    for r in project.responsibilities.all():
        if r.department_id is None or r.role not in DEPT_ROLES:
            continue
        party = by_dept.setdefault(
            r.department_id,
            {"id": f"dept-{r.department_id}", "name": r.department.name, "roles": [], EXTENSION: {"responsibilities": []}},
        )
        if DEPT_ROLES[r.role] not in party["roles"]:
            party["roles"].append(DEPT_ROLES[r.role])
        party[EXTENSION]["responsibilities"].append(r.get_role_display())
    out = list(by_dept.values())
    owner = None
    if project.owner_unit:
        roles = OWNER_ROLES.get(project.investor_type, ["funder"])
        party = _clean(
            {
                "id": "owner",
                "name": project.owner_unit,
                "identifier": {"scheme": CREDIT_CODE_SCHEME, "id": project.owner_credit_code} if project.owner_credit_code else None,
                "roles": list(roles),
                EXTENSION: {"responsibilities": ["建设单位（项目业主）"]},
            }
        )
        out.append(party)
        if "publicAuthority" in roles:
            owner = {"id": "owner", "name": project.owner_unit}
    return out, owner


def extension(project: Project) -> dict:
    """Our own fields, named as in the ledger (amounts here stay in 万元, as strings: exact)."""
    leaders = [r.leader.position for r in project.responsibilities.all() if r.role == ResponsibilityRole.LEAD_LEADER and r.leader_id]
    depts = {
        role: [r.department.name for r in project.responsibilities.all() if r.role == role and r.department_id]
        for role in (ResponsibilityRole.LEAD_DEPT, ResponsibilityRole.COOP_DEPT, ResponsibilityRole.TOWNSHIP)
    }
    return _clean(
        {
            "category": {"code": project.category.code, "name": project.category.name},
            "levels": [
                label
                for flag, label in (
                    (project.is_national, "国家重大项目"),
                    (project.is_provincial, "省重点项目"),
                    (project.is_municipal, "市重点项目"),
                    (project.is_county, "县（区）重点项目"),
                )
                if flag
            ],
            "poolStage": {"code": project.pool_stage, "name": project.get_pool_stage_display()},
            "buildStatus": {"code": project.build_status, "name": project.get_build_status_display()},
            "investmentMode": {"code": project.investment_mode, "name": project.get_investment_mode_display()},
            "investorType": {"code": project.investor_type, "name": project.get_investor_type_display()},
            "light": getattr(project, "light", None),
            "region": project.region.name,
            "leadLeaders": leaders,
            "leadDepartments": depts[ResponsibilityRole.LEAD_DEPT],
            "coopDepartments": depts[ResponsibilityRole.COOP_DEPT],
            "townships": depts[ResponsibilityRole.TOWNSHIP],
            "totalInvestmentWan": str(project.total_investment),
            "carryOverCompletedWan": str(project.carry_over_completed),
            "actualStart": date_time(project.actual_start),
            "actualFinish": date_time(project.actual_finish),
            "latestImageProgress": project.latest_image_progress,
        }
    )


def code_scheme(project: Project) -> str:
    """The scheme of the project code: national only when the ledger says so and the code has the
    national shape (a row written around Project.clean() must not pass a legacy code off as national)."""
    if project.code_is_legacy or not PROJECT_CODE_RE.fullmatch(project.primary_code or ""):
        return LEGACY_CODE_SCHEME
    return NATIONAL_CODE_SCHEME


def project_dict(project: Project, *, today: dt.date | None = None) -> dict:
    """One project as OC4IDS; `project` comes from package_queryset (prefetched)."""
    today = today or timezone.localdate()
    start = project.planned_start or dt.date(project.start_year, 1, 1)
    finish = project.planned_finish or dt.date(project.end_year, 12, 31)
    identifiers = [{"id": str(project.pk), "scheme": LOCAL_ID_SCHEME}]
    if project.primary_code:
        identifiers.insert(0, {"id": project.primary_code, "scheme": code_scheme(project)})
    party_list, owner = parties(project)
    return _clean(
        {
            "id": project_id(project),
            "updated": moment(project.updated_at),
            "language": "zh",
            "identifiers": identifiers,
            "title": project.name,
            "description": project.scale_content,
            "status": project_status(project),
            "type": NATURE_TYPE.get(project.construction_nature),
            "budget": {"amount": value(project.total_investment)},
            "period": {"startDate": date_time(start), "endDate": date_time(finish)},
            "locations": [{"id": "1", "description": project.location_text}] if project.location_text else None,
            "publicAuthority": owner,
            "parties": party_list,
            "milestones": milestones(project, today),
            "forecasts": forecasts(project),
            "metrics": metrics(project),
            EXTENSION: extension(project),
        }
    )


def package_dict(projects: Iterable[Project], *, uri: str, today: dt.date | None = None, extra: dict | None = None) -> dict:
    """A project package. publishedDate: the last change of its projects (a package made on demand,
    as the schema asks), now when empty."""
    projects = list(projects)
    changed = [p.updated_at for p in projects] + [m.updated_at for p in projects for m in p.milestones.all()]
    changed += [r.updated_at for p in projects for r in p.oc4ids_reports]
    data = {
        "uri": uri,
        "version": VERSION,
        "publishedDate": moment(max(changed) if changed else timezone.now()),
        "publisher": {"name": getattr(settings, "OC4IDS_PUBLISHER", "重点项目清单化管理系统")},
        "projects": [project_dict(p, today=today) for p in projects],
    }
    if extra:
        data.update(extra)
    return data
