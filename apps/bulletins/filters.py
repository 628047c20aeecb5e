import django_filters as df

from apps.core.filters import MonthFilter, YearFilter

from .models import Bulletin


class BulletinFilter(df.FilterSet):
    year = YearFilter(field_name="year", label="年度")
    month = MonthFilter(field_name="month", label="月份")

    class Meta:
        model = Bulletin
        fields: list[str] = []
