"""Filters of the project list, shared by the API and (later) the HTML list page."""

from __future__ import annotations

import django_filters as df
from django.db.models import Exists, OuterRef, Q

from apps.core.filters import AmountFilter, AwareDateTimeFilter, IdFilter, YearFilter
from apps.core.models import Light

from .models import AnnualPlan, BuildStatus, InvestmentMode, PoolStage, Project, ProjectResponsibility, ResponsibilityRole

# The filters that read every project's light (`light`, and `overdue` from the light annotation):
# a list works out the whole portfolio's lights only for them or a sort on the light; otherwise it
# sets the lights of the rows it shows (apps.lights.selectors.attach_project_lights).
LIGHT_FILTERS = ("light", "overdue")

LEVELS = (("national", "国家重大项目"), ("provincial", "省重点项目"), ("municipal", "市重点项目"), ("county", "县（区）重点项目"))


class ProjectFilter(df.FilterSet):
    category = df.CharFilter(field_name="category__code", lookup_expr="exact", label="项目类别编码（如 infra）")
    level = df.ChoiceFilter(choices=LEVELS, method="filter_level", label="项目级别")
    pool_stage = df.ChoiceFilter(field_name="pool_stage", choices=PoolStage.choices, label="项目库阶段")
    build_status = df.ChoiceFilter(field_name="build_status", choices=BuildStatus.choices, label="建设状态")
    investment_mode = df.ChoiceFilter(field_name="investment_mode", choices=InvestmentMode.choices, label="投资管理方式")
    department = IdFilter(method="filter_department", label="责任单位ID（牵头、配合或属地）")
    leader = IdFilter(method="filter_leader", label="包保领导ID")
    region = IdFilter(method="filter_region", label="区划ID（含下级）")
    year = YearFilter(method="filter_year", label="年度（有该年度计划的项目）")
    total_investment_min = AmountFilter(field_name="total_investment", lookup_expr="gte", label="计划总投资下限（万元）")
    total_investment_max = AmountFilter(field_name="total_investment", lookup_expr="lte", label="计划总投资上限（万元）")
    light = df.ChoiceFilter(choices=Light.choices, field_name="light", label="预警灯")
    overdue = df.BooleanFilter(method="filter_overdue", label="有逾期事项（要件/节点、问题、计划开工、月报）")
    search = df.CharFilter(method="filter_search", label="搜索：项目名称、简称或项目代码")
    updated_since = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gt", label="此时间之后更新")

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_level(self, qs, name, value):
        return qs.filter(**{f"is_{value}": True})

    def filter_department(self, qs, name, value):
        return qs.filter(
            Exists(
                ProjectResponsibility.objects.filter(
                    project=OuterRef("pk"),
                    department_id=value,
                    role__in=(ResponsibilityRole.LEAD_DEPT, ResponsibilityRole.COOP_DEPT, ResponsibilityRole.TOWNSHIP),
                )
            )
        )

    def filter_leader(self, qs, name, value):
        return qs.filter(
            Exists(ProjectResponsibility.objects.filter(project=OuterRef("pk"), role=ResponsibilityRole.LEAD_LEADER, leader_id=value))
        )

    def filter_region(self, qs, name, value):
        return qs.filter(Q(region_id=value) | Q(region__parent_id=value))

    def filter_year(self, qs, name, value):
        return qs.filter(Exists(AnnualPlan.objects.filter(project=OuterRef("pk"), year=value)))

    def filter_overdue(self, qs, name, value):
        # Any kind of the due-item registry past due (`items_overdue` from the light annotation).
        return qs.filter(items_overdue=True) if value else qs.filter(items_overdue=False)

    def filter_search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(short_name__icontains=value) | Q(primary_code__icontains=value))


class AnnualPlanFilter(df.FilterSet):
    project = IdFilter(field_name="project_id", label="项目ID")
    year = YearFilter(field_name="year", label="年度")
    annual_role = df.CharFilter(field_name="annual_role", label="年度属性")

    class Meta:
        model = AnnualPlan
        fields: list[str] = []


# The lists of items that belong to a project (milestones, problems, reports, land) filter by it alike.
class ProjectItemFilter(df.FilterSet):
    """Filters by the owning project: its id, category, leader, region, and free text on it."""

    project = IdFilter(field_name="project_id", label="项目ID")
    category = df.CharFilter(field_name="project__category__code", label="项目类别编码")
    leader = IdFilter(method="filter_leader", label="包保领导ID")
    region = IdFilter(method="filter_region", label="区划ID（含下级）")
    updated_since = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gt", label="此时间之后更新")

    def filter_leader(self, qs, name, value):
        return qs.filter(
            Exists(
                ProjectResponsibility.objects.filter(project=OuterRef("project_id"), role=ResponsibilityRole.LEAD_LEADER, leader_id=value)
            )
        )

    def filter_project_department(self, qs, name, value):
        return qs.filter(
            Exists(
                ProjectResponsibility.objects.filter(
                    project=OuterRef("project_id"),
                    department_id=value,
                    role__in=(ResponsibilityRole.LEAD_DEPT, ResponsibilityRole.COOP_DEPT, ResponsibilityRole.TOWNSHIP),
                )
            )
        )

    def filter_region(self, qs, name, value):
        return qs.filter(Q(project__region_id=value) | Q(project__region__parent_id=value))
