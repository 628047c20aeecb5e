import django_filters as df

from apps.core.filters import YearFilter

from .models import CalendarDay, DayKind


class CalendarDayFilter(df.FilterSet):
    date = df.DateFilter(field_name="date", label="日期")
    date__gte = df.DateFilter(field_name="date", lookup_expr="gte", label="日期起")
    date__lte = df.DateFilter(field_name="date", lookup_expr="lte", label="日期止")
    date__year = YearFilter(field_name="date__year", label="年份")
    kind = df.ChoiceFilter(field_name="kind", choices=DayKind.choices, label="类型")

    class Meta:
        model = CalendarDay
        fields: list[str] = []
