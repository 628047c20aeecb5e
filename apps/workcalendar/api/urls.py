from django.urls import path

from .views import AddWorkingDaysView, CalendarDayViewSet, WorkingDayView

urlpatterns = [
    path("calendar/working-day/", WorkingDayView.as_view(), name="calendar-working-day"),
    path("calendar/add-working-days/", AddWorkingDaysView.as_view(), name="calendar-add-working-days"),
]


def register(router) -> None:
    router.register("calendar/days", CalendarDayViewSet, basename="calendar-day")
