"""Page routes. The shell's own pages (sign-in, account, notifications, media files) and each app's
pages (`apps/<app>/web/urls.py`), all in the one namespace `web`: an app's page urls declare no
app_name of their own, so `web:project-detail` names a page wherever it lives.

The apps' pages are included by dotted name, not imported: the shell imports no app's pages."""

from django.urls import include, path

from .views import account, auth, media, notifications

app_name = "web"

# The apps whose pages sit beside their API, in apps/<app>/web/.
PAGE_APPS = ["stats", "lights", "projects", "milestones", "land", "problems", "progress", "scoring", "bulletins", "sheets"]

urlpatterns = [
    *auth.urlpatterns,
    *account.urlpatterns,
    *notifications.urlpatterns,
    *(path("", include(f"apps.{app}.web.urls")) for app in PAGE_APPS),
    *media.urlpatterns,
]
