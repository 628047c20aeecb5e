"""The import's page routes, included by the shell (apps/web/urls.py) under its `web` namespace."""

from .views import urlpatterns

__all__ = ["urlpatterns"]
