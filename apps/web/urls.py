"""Page routes. Each views module owns its `urlpatterns`; this file only joins them."""

from .views import (
    account,
    auth,
    bulletins,
    dashboard,
    dossier,
    forms,
    media,
    mylist,
    notifications,
    projects,
    reports,
    scoring,
    sheets,
    startfacts,
    units,
)

app_name = "web"

urlpatterns = (
    auth.urlpatterns
    + account.urlpatterns
    + dashboard.urlpatterns
    + mylist.urlpatterns
    + notifications.urlpatterns
    + projects.urlpatterns
    + startfacts.urlpatterns
    + dossier.urlpatterns
    + forms.urlpatterns
    + reports.urlpatterns
    + units.urlpatterns
    + scoring.urlpatterns
    + bulletins.urlpatterns
    + sheets.urlpatterns
    + media.urlpatterns
)
