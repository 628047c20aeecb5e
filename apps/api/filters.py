"""Filters shared by the lists of items that belong to a project (milestones, problems, reports, land)."""

from __future__ import annotations

import django_filters as df
from django.db.models import Exists, OuterRef, Q

from apps.core.models import Light
from apps.projects.models import ProjectResponsibility, ResponsibilityRole


class ProjectItemFilter(df.FilterSet):
    """Filters by the owning project: its id, category, leader, region, and free text on it."""

    project = df.NumberFilter(field_name="project_id", label="项目ID")
    category = df.CharFilter(field_name="project__category__code", label="项目类别编码")
    leader = df.NumberFilter(method="filter_leader", label="包保领导ID")
    region = df.NumberFilter(method="filter_region", label="区划ID（含下级）")
    updated_since = df.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt", label="此时间之后更新")

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


class LightFilterMixin(df.FilterSet):
    light = df.ChoiceFilter(choices=Light.choices, field_name="light", label="预警灯")
    overdue = df.BooleanFilter(method="filter_overdue", label="已逾期（红灯）")

    def filter_overdue(self, qs, name, value):
        return qs.filter(light_rank=2) if value else qs.exclude(light_rank=2)
