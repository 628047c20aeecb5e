"""Reference data: categories, approval templates (DOMAIN.md §8), default warning and reminder rules
(DESIGN.md §4), the work calendar, and the regions, departments and leader positions of the
demo district. Loaded by `manage.py seed`."""

from __future__ import annotations

from apps.accounts.roles import load_role_groups
from apps.core.seeding import seed_once
from apps.lights.models import RuleCode, WarningRule
from apps.milestones.models import ApprovalTemplate, ApprovalTemplateItem, OffsetBase, Stage
from apps.organization.models import Department, DepartmentKind, Leader, Region, RegionKind
from apps.projects.models import InvestmentMode, ProjectCategory
from apps.reminders.seeds import load_reminder_rules
from apps.workcalendar.services import calendar_load_from_package

CATEGORIES = [
    ("infra", "基础设施项目"),
    ("urban", "城市建设项目"),
    ("industry", "产业发展项目"),
    ("social", "社会民生项目"),
    ("eco", "生态环保项目"),
    ("agri", "农业农村项目"),
    ("other", "其他"),
]

WARNING_RULES = [
    (RuleCode.MILESTONE_DUE, "要件/节点到期", {"due_soon_working_days": 7}, "逾期未办结亮红灯；7个工作日内到期亮黄灯。"),
    (RuleCode.PROBLEM_DUE, "问题解决时限", {"due_soon_working_days": 7}, "超过解决时限未办结亮红灯；7个工作日内到期亮黄灯。"),
    (
        RuleCode.PROJECT_INVESTMENT,
        "投资进度与序时进度",
        {"yellow_gap_points": 10, "red_gap_points": 30},
        "年度完成率落后序时进度10至30个百分点亮黄灯，超过30个百分点亮红灯。",
    ),
    (
        RuleCode.REPORT_FILING,
        "月报报送",
        {"due_soon_working_days": 3, "report_due_day": 5, "red_after_day": 10},
        "次月5日前报送上月月报（遇节假日顺延至下一个工作日）；截止前3个工作日亮黄灯，逾期未报亮黄灯，次月10日后仍未报亮红灯。",
    ),
    (
        RuleCode.START_DUE,
        "计划开工",
        {"due_soon_working_days": 7, "red_after_months": 3},
        "计划开工日期（无日期的按年度计划开工月份1日）前7个工作日亮黄灯，过期仍未开工亮黄灯，超过3个月亮红灯。",
    ),
    (
        RuleCode.MONTHLY_TARGET,
        "月度目标",
        {"consecutive_periods": 2},
        "有月度计划（倒排工期）的项目，报告期当月完成投资低于月度计划亮黄灯，连续2个月未完成亮红灯。",
    ),
    (
        RuleCode.STATS_DB,
        "入库纳统",
        {"yellow_after_months": 1, "red_after_months": 2},
        "计划总投资500万元及以上的项目，实际开工超过1个月仍未入库纳统亮黄灯，超过2个月亮红灯。",
    ),
]

A, V, F = InvestmentMode.GOV_APPROVAL, InvestmentMode.ENT_VERIFY, InvestmentMode.ENT_FILING
ALL = (A, V, F)
# (seq, code, name, stage, issuing dept, base, offset days, modes, after code, after working days,
#  validity months, required before 开工, applies when)
APPROVAL_ITEMS = [
    (1, "fuma", "项目赋码（投资项目在线审批监管平台）", Stage.GENERATION, "发展和改革局", "start", -300, ALL, None, None, None, True, ""),
    (2, "proposal", "项目建议书批复", Stage.LAND_PLANNING, "发展和改革局", "start", -270, (A,), None, None, 24, True, "政府投资项目"),
    (
        3,
        "site_preapproval",
        "建设项目用地预审与选址意见书",
        Stage.LAND_PLANNING,
        "自然资源局",
        "start",
        -210,
        ALL,
        None,
        None,
        36,
        True,
        "划拨或新增建设用地",
    ),
    (
        4,
        "stability",
        "社会稳定风险评估",
        Stage.LAND_PLANNING,
        "政法委/发展和改革局",
        "start",
        -200,
        ALL,
        None,
        None,
        None,
        True,
        "涉及征地拆迁或重大项目",
    ),
    (
        5,
        "energy",
        "节能审查意见",
        Stage.LAND_PLANNING,
        "发展和改革局",
        "start",
        -190,
        ALL,
        None,
        None,
        None,
        True,
        "年综合能耗≥1000吨标煤或年用电≥500万千瓦时",
    ),
    (
        6,
        "feasibility",
        "可行性研究报告批复",
        Stage.LAND_PLANNING,
        "发展和改革局",
        "start",
        -180,
        (A,),
        "proposal",
        40,
        None,
        True,
        "政府投资项目",
    ),
    (
        6,
        "verification",
        "项目核准",
        Stage.LAND_PLANNING,
        "发展和改革局（行政审批局）",
        "start",
        -180,
        (V,),
        None,
        None,
        24,
        True,
        "列入政府核准的投资项目目录",
    ),
    (
        6,
        "filing",
        "项目备案",
        Stage.LAND_PLANNING,
        "发展和改革局（行政审批局）",
        "start",
        -180,
        (F,),
        None,
        None,
        None,
        True,
        "企业投资备案项目",
    ),
    (
        7,
        "land_conversion",
        "土地征收与农用地转用报批",
        Stage.LAND_PLANNING,
        "自然资源局",
        "start",
        -150,
        ALL,
        None,
        None,
        None,
        True,
        "占用集体土地",
    ),
    (
        8,
        "land_supply",
        "国有建设用地划拨决定书/出让合同",
        Stage.LAND_PLANNING,
        "自然资源局",
        "start",
        -120,
        ALL,
        None,
        None,
        None,
        True,
        "",
    ),
    (9, "land_use_permit", "建设用地规划许可证", Stage.LAND_PLANNING, "自然资源局", "start", -100, ALL, None, None, 12, True, ""),
    (
        10,
        "property_cert",
        "不动产权证书（国有建设用地使用权）",
        Stage.LAND_PLANNING,
        "不动产登记中心",
        "start",
        -95,
        ALL,
        None,
        None,
        None,
        False,
        "",
    ),
    (
        11,
        "preliminary_design",
        "初步设计及概算批复",
        Stage.WORKS_PERMIT,
        "发展和改革局/行业主管部门",
        "start",
        -100,
        (A,),
        "feasibility",
        20,
        None,
        True,
        "政府投资项目",
    ),
    (12, "design_review", "设计方案审查", Stage.WORKS_PERMIT, "自然资源局", "start", -95, ALL, None, None, None, True, ""),
    (13, "works_planning_permit", "建设工程规划许可证", Stage.WORKS_PERMIT, "自然资源局", "start", -90, ALL, None, None, 12, True, ""),
    (14, "eia", "环境影响评价批复", Stage.WORKS_PERMIT, "生态环境局", "start", -90, ALL, None, None, 60, True, "按环评分类管理名录"),
    (15, "water_soil", "水土保持方案批复", Stage.WORKS_PERMIT, "水利局", "start", -80, ALL, None, None, None, True, "如涉及"),
    (
        17,
        "drawing_review",
        "施工图审查（含消防设计审查）",
        Stage.CONSTRUCTION_PERMIT,
        "住房和城乡建设局",
        "start",
        -45,
        ALL,
        None,
        None,
        None,
        True,
        "",
    ),
    (
        18,
        "tender",
        "施工、监理招标",
        Stage.CONSTRUCTION_PERMIT,
        "公共资源交易中心",
        "start",
        -30,
        ALL,
        None,
        None,
        None,
        True,
        "依法必须招标项目",
    ),
    (
        20,
        "construction_permit",
        "建筑工程施工许可证",
        Stage.CONSTRUCTION_PERMIT,
        "住房和城乡建设局",
        "start",
        -15,
        ALL,
        "drawing_review",
        20,
        3,
        True,
        "",
    ),
    (21, "ground_breaking", "实际开工", Stage.CONSTRUCTION, "", "start", 0, ALL, None, None, None, False, "首个永久性工程正式破土开槽"),
    (
        23,
        "joint_acceptance",
        "联合验收（规划、消防、人防、档案等）",
        Stage.ACCEPTANCE,
        "住房和城乡建设局牵头",
        "finish",
        -20,
        ALL,
        None,
        None,
        None,
        False,
        "",
    ),
    (
        24,
        "completion_filing",
        "竣工验收备案",
        Stage.ACCEPTANCE,
        "住房和城乡建设局",
        "finish",
        0,
        ALL,
        "joint_acceptance",
        15,
        None,
        False,
        "",
    ),
]

TEMPLATES = {
    A: ("政府投资项目（审批制）前期手续模板", "依据《政府投资条例》和工程建设项目审批制度改革四个阶段。"),
    V: ("企业投资核准项目前期手续模板", "依据《企业投资项目核准和备案管理条例》，以项目核准代替建议书、可研和初设批复。"),
    F: ("企业投资备案项目前期手续模板", "企业投资备案项目：在线备案后办理供地、规划、环评、施工许可。"),
}

COUNTY = ("433126", "演示区", RegionKind.COUNTY)
REGIONS = [
    ("433126100", "古阳镇", RegionKind.TOWN),
    ("433126101", "默戎镇", RegionKind.TOWN),
    ("433126102", "罗依溪镇", RegionKind.TOWN),
    ("433126103", "红石林镇", RegionKind.TOWN),
    ("433126104", "塔峪镇", RegionKind.TOWN),
    ("433126400", "工业集中区", RegionKind.PARK),
    ("433126401", "经济开发区", RegionKind.PARK),
    ("433126402", "高铁新城片区", RegionKind.PARK),
]

DEPARTMENTS = [
    ("发展和改革局（项目办）", "发改局", DepartmentKind.BUREAU, None, True),
    ("工业和信息化局", "工信局", DepartmentKind.BUREAU, None, False),
    ("住房和城乡建设局", "住建局", DepartmentKind.BUREAU, None, False),
    ("自然资源局", "自然资源局", DepartmentKind.BUREAU, None, False),
    ("交通运输局", "交通局", DepartmentKind.BUREAU, None, False),
    ("生态环境分局", "生态环境局", DepartmentKind.BUREAU, None, False),
    ("农业农村局", "农业农村局", DepartmentKind.BUREAU, None, False),
    ("文化旅游广电体育局", "文旅局", DepartmentKind.BUREAU, None, False),
    ("卫生健康局", "卫健局", DepartmentKind.BUREAU, None, False),
    ("水利局", "水利局", DepartmentKind.BUREAU, None, False),
    ("城市建设投资有限公司", "城投公司", DepartmentKind.SOE, None, False),
    ("供电公司", "供电公司", DepartmentKind.SOE, None, False),
    ("工业集中区管委会", "工业集中区", DepartmentKind.PARK, "433126400", False),
    ("经济开发区管委会", "经开区", DepartmentKind.PARK, "433126401", False),
    ("古阳镇人民政府", "古阳镇", DepartmentKind.TOWN, "433126100", False),
    ("默戎镇人民政府", "默戎镇", DepartmentKind.TOWN, "433126101", False),
    ("罗依溪镇人民政府", "罗依溪镇", DepartmentKind.TOWN, "433126102", False),
    ("红石林镇人民政府", "红石林镇", DepartmentKind.TOWN, "433126103", False),
    ("塔峪镇人民政府", "塔峪镇", DepartmentKind.TOWN, "433126104", False),
]

LEADERS = [
    ("区委书记", "全面工作", True),
    ("区长", "政府全面工作", True),
    ("常务副区长", "发展改革、财政、重点项目", False),
    ("分管工业副区长", "工业、经开区、招商引资", False),
    ("分管城建副区长", "住房城乡建设、自然资源、城市管理", False),
    ("分管交通副区长", "交通运输、电力、水利", False),
    ("分管农业副区长", "农业农村、乡村振兴、生态环境", False),
    ("分管文旅副区长", "文化旅游、卫生健康、教育", False),
]


# Items whose document carries a number (批复/核准/备案 documents, permits, certificates): 办结
# asks for the 文号. Seeded once with the item, like every other field (the office may change it).
DOC_NUMBER_CODES = frozenset(
    {
        "proposal",
        "site_preapproval",
        "energy",
        "feasibility",
        "verification",
        "filing",
        "land_use_permit",
        "property_cert",
        "preliminary_design",
        "works_planning_permit",
        "eia",
        "water_soil",
        "construction_permit",
        "completion_filing",
    }
)


def load_reference() -> dict[str, int]:
    """Seed once: creates what was never seeded; an edited, renamed or deleted row stays as the office left it."""
    for order, (code, name) in enumerate(CATEGORIES):
        seed_once(ProjectCategory, {"code": code}, {"name": name, "sort_order": order})

    for code, name, values, note in WARNING_RULES:
        seed_once(WarningRule, {"code": code}, {"name": name, "note": note, **values})

    for mode, (name, description) in TEMPLATES.items():
        template = seed_once(ApprovalTemplate, {"investment_mode": mode}, {"name": name, "description": description})
        if template is None:
            continue  # the office removed this template
        items: dict[str, ApprovalTemplateItem] = {}
        for seq, code, item_name, stage, dept, base, offset, modes, after, after_days, validity, required, applies in APPROVAL_ITEMS:
            if mode not in modes:
                continue
            base_value = OffsetBase.PLANNED_FINISH if base == "finish" else OffsetBase.PLANNED_START
            after_item = items.get(after) if after else None
            items[code] = seed_once(
                ApprovalTemplateItem,
                {"template": template, "code": code},
                {
                    "seq": seq,
                    "name": item_name,
                    "stage": stage,
                    "issuing_dept_name": dept,
                    "offset_base": base_value,
                    "offset_days": offset,
                    "after_item": after_item,
                    "after_working_days": after_days if after_item else None,
                    "validity_months": validity,
                    "is_required_for_start": required,
                    "applies_when": applies,
                    "requires_doc_number": code in DOC_NUMBER_CODES,
                },
            )

    county = seed_once(Region, {"code": COUNTY[0]}, {"name": COUNTY[1], "kind": COUNTY[2], "sort_order": 0})
    for order, (code, name, kind) in enumerate(REGIONS, start=1):
        seed_once(Region, {"code": code}, {"name": name, "kind": kind, "parent": county, "sort_order": order})

    for order, (name, short, kind, region_code, office) in enumerate(DEPARTMENTS):
        region = (Region.objects.filter(code=region_code).first() if region_code else None) or county
        seed_once(
            Department,
            {"name": name},
            {"short_name": short, "kind": kind, "region": region, "is_portfolio_office": office, "sort_order": order},
        )

    for order, (position, portfolio, principal) in enumerate(LEADERS):
        seed_once(Leader, {"position": position}, {"portfolio": portfolio, "is_principal": principal, "sort_order": order})

    load_reminder_rules()
    load_role_groups()
    return calendar_load_from_package()
