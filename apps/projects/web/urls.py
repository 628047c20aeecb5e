"""This app's page routes, included by the shell (apps/web/urls.py) in its `web` namespace."""

from . import dossier, project_list, startfacts, views

urlpatterns = [*project_list.urlpatterns, *startfacts.urlpatterns, *dossier.urlpatterns, *views.urlpatterns]
