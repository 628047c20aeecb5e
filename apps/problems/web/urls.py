"""This app's page routes, included by the shell (apps/web/urls.py) in its `web` namespace."""

from .views import urlpatterns

__all__ = ["urlpatterns"]
