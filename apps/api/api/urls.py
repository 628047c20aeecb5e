from django.urls import path

from apps.api.views import DeletionsView

urlpatterns = [path("deletions/", DeletionsView.as_view(), name="deletions")]


def register(router) -> None:
    """Plain views only."""
