import django_filters as df

from apps.core.filters import IdFilter
from apps.projects.filters import ProjectItemFilter

from .models import LandAcquisition, LandApprovalStatus


class LandAcquisitionFilter(ProjectItemFilter):
    approval_status = df.ChoiceFilter(field_name="approval_status", choices=LandApprovalStatus.choices, label="土地报批进度")
    department = IdFilter(method="filter_project_department", label="责任单位ID（项目的牵头、配合或属地单位）")

    class Meta:
        model = LandAcquisition
        fields: list[str] = []
