from django.contrib import admin
from django.urls import include, path

from apps.api.docs import RedocView, SchemaView, SwaggerView, redoc_bundle

from .api_router import build_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(build_urls())),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file (?script): no inline <script>.
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
