import django_filters as df

from .models import Bulletin


class BulletinFilter(df.FilterSet):
    year = df.NumberFilter(field_name="year", label="年度")
    month = df.NumberFilter(field_name="month", label="月份")

    class Meta:
        model = Bulletin
        fields: list[str] = []
