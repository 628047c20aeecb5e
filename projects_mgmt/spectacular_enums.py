"""Names of the enums in the OpenAPI schema where two choice sets share a field name."""

ENUM_NAME_OVERRIDES = {
    "MilestoneKindEnum": "apps.milestones.models.MilestoneKind",
    "CommentKindEnum": "apps.projects.models.CommentKind",
    "MilestoneStatusEnum": "apps.milestones.models.MilestoneStatus",
    "ReportStatusEnum": "apps.progress.models.ReportStatus",
    "ProblemStatusEnum": "apps.problems.models.ProblemStatus",
    "NoticeStatusEnum": "apps.problems.models.NoticeStatus",
    "CalendarDayKindEnum": "apps.workcalendar.models.DayKind",
    "RegionKindEnum": "apps.organization.models.RegionKind",
    "DepartmentKindEnum": "apps.organization.models.DepartmentKind",
    "ProblemCategoryEnum": "apps.problems.models.ProblemCategory",
    "LightEnum": "apps.core.models.Light",
    "CalendarDaySourceEnum": "apps.workcalendar.models.DaySource",
    "ProblemSourceEnum": "apps.problems.models.ProblemSource",
}
