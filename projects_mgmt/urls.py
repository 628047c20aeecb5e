from django.contrib import admin
from django.urls import include, path

from apps.api.docs import RedocView, SchemaView, SwaggerView, redoc_bundle

from .api_router import build_urls

admin.site.site_header = "重点项目清单化管理系统"
admin.site.site_title = "重点项目清单化管理系统"
admin.site.index_title = "台账管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(build_urls())),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("api/redoc/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    path("api-auth/", include("rest_framework.urls")),
    path("", include("apps.web.urls")),
]

# Under /api/ the API's JSON error shape, elsewhere Chinese pages (templates/4xx.html, 500.html).
handler400 = "apps.web.views.errors.bad_request"
handler403 = "apps.web.views.errors.permission_denied"
handler404 = "apps.web.views.errors.page_not_found"
handler500 = "apps.web.views.errors.server_error"
