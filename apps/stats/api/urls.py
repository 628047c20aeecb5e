from django.urls import path, re_path

from .closing_views import (
    CorrectionListView,
    PeriodCloseView,
    PeriodFigureCorrectView,
    PeriodFigureListView,
    PeriodListView,
    PeriodReopenView,
)
from .views import SummaryView

PERIOD = r"(?P<period>[0-9]{4}-[0-9]{2})"

urlpatterns = [
    path("stats/summary/", SummaryView.as_view(), name="stats-summary"),
    path("periods/", PeriodListView.as_view(), name="period-list"),
    re_path(rf"^periods/{PERIOD}/close/$", PeriodCloseView.as_view(), name="period-close"),
    re_path(rf"^periods/{PERIOD}/reopen/$", PeriodReopenView.as_view(), name="period-reopen"),
    re_path(rf"^periods/{PERIOD}/figures/$", PeriodFigureListView.as_view(), name="period-figures"),
    re_path(rf"^periods/{PERIOD}/figures/correct/$", PeriodFigureCorrectView.as_view(), name="period-figure-correct"),
    path("corrections/", CorrectionListView.as_view(), name="correction-list"),
]


def register(router) -> None:
    """Statistics, periods and corrections are plain views (see urlpatterns)."""
