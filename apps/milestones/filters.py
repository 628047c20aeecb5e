import django_filters as df
from django.db.models import Q

from apps.core.filters import IdFilter, LightFilterMixin, YearFilter
from apps.projects.filters import ProjectItemFilter

from .models import Milestone, MilestoneKind, MilestoneStatus, Stage


class MilestoneFilter(ProjectItemFilter, LightFilterMixin):
    status = df.ChoiceFilter(field_name="status", choices=MilestoneStatus.choices, label="状态")
    kind = df.ChoiceFilter(field_name="kind", choices=MilestoneKind.choices, label="类型")
    stage = df.ChoiceFilter(field_name="stage", choices=Stage.choices, label="阶段")
    department = IdFilter(field_name="responsible_dept_id", label="责任单位ID")
    year = YearFilter(field_name="planned_date__year", label="计划完成年度")
    due_from = df.DateFilter(field_name="planned_date", lookup_expr="gte", label="计划完成日期起")
    due_to = df.DateFilter(field_name="planned_date", lookup_expr="lte", label="计划完成日期止")
    search = df.CharFilter(method="filter_search", label="搜索：节点名称、项目名称或项目代码、文号")

    class Meta:
        model = Milestone
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(name__icontains=value)
            | Q(project__name__icontains=value)
            | Q(project__primary_code__icontains=value)
            | Q(doc_number__icontains=value)
        )
