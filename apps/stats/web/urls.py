"""This app's page routes, included by the shell (apps/web/urls.py) in its `web` namespace."""

from . import closing, dashboard, units

urlpatterns = [*dashboard.urlpatterns, *units.urlpatterns, *closing.urlpatterns]
