import django_filters as df
from django.db.models import Q

from apps.core.filters import AwareDateTimeFilter, IdFilter, LightFilterMixin, YearFilter
from apps.projects.filters import ProjectItemFilter

from .models import NoticeStatus, NoticeType, Problem, ProblemCategory, ProblemStatus, SupervisionNotice


class ProblemFilter(ProjectItemFilter, LightFilterMixin):
    status = df.ChoiceFilter(field_name="status", choices=ProblemStatus.choices, label="状态")
    problem_category = df.ChoiceFilter(field_name="category", choices=ProblemCategory.choices, label="问题类型")
    department = IdFilter(field_name="responsible_dept_id", label="责任单位ID")
    coordinating_leader = IdFilter(field_name="coordinating_leader_id", label="协调领导ID")
    year = YearFilter(field_name="deadline__year", label="解决时限年度")
    due_from = df.DateFilter(field_name="deadline", lookup_expr="gte", label="解决时限起")
    due_to = df.DateFilter(field_name="deadline", lookup_expr="lte", label="解决时限止")
    search = df.CharFilter(method="filter_search", label="搜索：问题描述、项目名称或代码")

    class Meta:
        model = Problem
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(description__icontains=value) | Q(project__name__icontains=value) | Q(project__primary_code__icontains=value))


class SupervisionNoticeFilter(df.FilterSet):
    notice_type = df.ChoiceFilter(field_name="notice_type", choices=NoticeType.choices, label="类型")
    status = df.ChoiceFilter(field_name="status", choices=NoticeStatus.choices, label="状态")
    department = IdFilter(field_name="target_dept_id", label="督办单位ID")
    project = IdFilter(field_name="projects", label="涉及项目ID")
    issued_from = df.DateFilter(field_name="issued_on", lookup_expr="gte", label="发文日期起")
    issued_to = df.DateFilter(field_name="issued_on", lookup_expr="lte", label="发文日期止")
    updated_since = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gt", label="此时间之后更新")

    class Meta:
        model = SupervisionNotice
        fields: list[str] = []
