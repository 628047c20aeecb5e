import django_filters as df
from django.db.models import Q

from apps.core.filters import IdFilter

from .models import Department, DepartmentKind, Leader, Region, RegionKind


class RegionFilter(df.FilterSet):
    kind = df.ChoiceFilter(field_name="kind", choices=RegionKind.choices, label="类型")
    parent = IdFilter(field_name="parent_id", label="上级区划ID")
    search = df.CharFilter(method="filter_search", label="搜索：名称或代码")

    class Meta:
        model = Region
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(code__icontains=value))


class DepartmentFilter(df.FilterSet):
    kind = df.ChoiceFilter(field_name="kind", choices=DepartmentKind.choices, label="单位类型")
    region = IdFilter(field_name="region_id", label="区划ID")
    search = df.CharFilter(method="filter_search", label="搜索：名称或简称")

    class Meta:
        model = Department
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(short_name__icontains=value))


class LeaderFilter(df.FilterSet):
    is_active = df.BooleanFilter(field_name="is_active", label="在任")
    search = df.CharFilter(field_name="position", lookup_expr="icontains", label="搜索：职务")

    class Meta:
        model = Leader
        fields: list[str] = []
