from django.urls import path

from apps.api.reference.calendar_views import AddWorkingDaysView, CalendarDayViewSet, WorkingDayView
from apps.api.reference.views import DepartmentViewSet, LeaderViewSet, RegionViewSet
from apps.api.views import DeletionsView

urlpatterns = [
    path("deletions/", DeletionsView.as_view(), name="deletions"),
    path("calendar/working-day/", WorkingDayView.as_view(), name="calendar-working-day"),
    path("calendar/add-working-days/", AddWorkingDaysView.as_view(), name="calendar-add-working-days"),
]


def register(router) -> None:
    """The kernel's reference data (regions, departments, leaders, the working-day calendar): the
    kernel holds no way in, so its endpoints live here, in the API (apps/api/reference)."""
    router.register("regions", RegionViewSet, basename="region")
    router.register("departments", DepartmentViewSet, basename="department")
    router.register("leaders", LeaderViewSet, basename="leader")
    router.register("calendar/days", CalendarDayViewSet, basename="calendar-day")
