from django.urls import path

from .views import SummaryView

urlpatterns = [path("stats/summary/", SummaryView.as_view(), name="stats-summary")]


def register(router) -> None:
    """Statistics are plain views (see urlpatterns)."""
