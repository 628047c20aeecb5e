from django.urls import path

from .views import Oc4idsPackageViewSet, Oc4idsProjectViewSet

# One project has no list of its own (the package is the list), so it is a plain route rather than
# a router registration: every router resource has a list page.
urlpatterns = [path("oc4ids/projects/<int:pk>/", Oc4idsProjectViewSet.as_view({"get": "retrieve"}), name="oc4ids-project-detail")]


def register(router) -> None:
    router.register("oc4ids/package", Oc4idsPackageViewSet, basename="oc4ids-package")
