"""The lights of the projects a project endpoint shows: worked out for the page (or the one object)
after it is cut, and for the whole portfolio only when the request filters or sorts on the light."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from apps.lights.selectors import LightContext, attach_project_lights, light_context
from apps.projects.filters import LIGHT_FILTERS
from apps.projects.models import Project

if TYPE_CHECKING:  # the mixin goes before ApiViewSet: its super() calls are the viewset's
    from apps.api.viewsets import ApiViewSet

    _Base = ApiViewSet
else:
    _Base = object


class PageLightsMixin(_Base):
    """For ApiViewSets over projects: one light context per request, lights set on what is shown."""

    def light_ctx(self) -> LightContext:
        if not hasattr(self, "_light_ctx"):
            self._light_ctx = light_context(today=timezone.localdate())
        return self._light_ctx

    def needs_all_lights(self) -> bool:
        params = self.request.query_params
        return any(params.get(name) not in (None, "") for name in LIGHT_FILTERS) or "light_rank" in params.get("ordering", "")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return page if page is None else attach_project_lights(page, self.light_ctx())

    def get_object(self) -> Project:
        if getattr(self, "_for_write", False):  # a write reads fields, not the light (ApiViewSet.write_object)
            return super().get_object()
        return attach_project_lights([super().get_object()], self.light_ctx())[0]

    def represent(self, instance) -> dict:
        instance = attach_project_lights([self.get_queryset().get(pk=instance.pk)], self.light_ctx())[0]
        return self.output_serializer_class(instance, context=self.get_serializer_context()).data
