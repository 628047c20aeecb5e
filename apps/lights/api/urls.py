from django.urls import path

from .views import OverdueView

urlpatterns = [path("overdue/", OverdueView.as_view(), name="overdue")]


def register(router) -> None:
    """The overdue list is a plain view (see urlpatterns), not a router viewset."""
