import django_filters as df

from apps.core.filters import IdFilter, MonthFilter, YearFilter
from apps.projects.filters import ProjectItemFilter

from .models import ProgressReport, ReportStatus


class ProgressReportFilter(ProjectItemFilter):
    status = df.ChoiceFilter(field_name="status", choices=ReportStatus.choices, label="流程状态")
    year = YearFilter(field_name="year", label="年度")
    month = MonthFilter(field_name="month", label="月份")
    department = IdFilter(method="filter_project_department", label="责任单位ID（项目的牵头、配合或属地单位）")

    class Meta:
        model = ProgressReport
        fields: list[str] = []
