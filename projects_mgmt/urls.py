from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from apps.api.docs import redoc_bundle

from .api_router import build_urls

admin.site.site_header = "重点项目清单化管理系统"
admin.site.site_title = "重点项目清单化管理系统"
admin.site.index_title = "台账管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(build_urls())),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file (?script): no inline <script>.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/redoc/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    path("api-auth/", include("rest_framework.urls")),
    path("", include("apps.web.urls")),
]
