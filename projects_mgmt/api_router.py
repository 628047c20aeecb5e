"""/api/v1/ — one DRF router for every app's viewsets. Changes inside v1 are additive only."""

from rest_framework.routers import APIRootView, DefaultRouter


class ApiRootView(APIRootView):
    """重点项目清单化管理系统 API 第 1 版的资源目录。接口文档见 /api/docs/ 和 /api/redoc/。"""

    view_title = "接口目录"


router = DefaultRouter(trailing_slash=True)
router.APIRootView = ApiRootView

# Each app registers its viewsets in its own api/urls.py `register(router)`; listed here so the
# whole API surface is visible in one place.
API_APPS = (
    "apps.api",  # and the kernel's reference data: regions, departments, leaders, calendar (apps/api/reference)
    "apps.projects",
    "apps.milestones",
    "apps.progress",
    "apps.land",
    "apps.problems",
    "apps.lights",
    "apps.stats",
    "apps.reminders",
    "apps.oc4ids",
    "apps.scoring",
    "apps.bulletins",
)


def build_urls():
    from importlib import import_module
    from importlib.util import find_spec

    extra = []
    for app in API_APPS:
        if find_spec(f"{app}.api") is None or find_spec(f"{app}.api.urls") is None:
            continue  # this app has no API (yet)
        module = import_module(f"{app}.api.urls")
        module.register(router)
        extra += getattr(module, "urlpatterns", [])
    return extra + router.urls
