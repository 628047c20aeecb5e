"""Admin helpers: the light column and the light filter, shared by every list that shows a light."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from apps.core.models import Light

from .selectors import LightContext, light_context


def render_light(value: str | None):
    """The light as a coloured dot and its name; the colours are in static/web/admin.css (the
    Content-Security-Policy refuses style="" attributes)."""
    light = Light(value or Light.GREEN)
    return format_html('<span class="light-dot light-{}" title="{}"></span> {}', light.value, light.label, light.label)


def request_light_context(request) -> LightContext:
    """One light context per request, so a list page computes rules and limits once."""
    ctx = getattr(request, "_light_context", None)
    if ctx is None:
        ctx = light_context(today=timezone.localdate())
        request._light_context = ctx
    return ctx


class LightListFilter(admin.SimpleListFilter):
    title = "预警灯"
    parameter_name = "light"

    def lookups(self, request, model_admin):
        return [(light.value, light.label) for light in (Light.RED, Light.YELLOW, Light.GREEN)]

    def queryset(self, request, queryset):
        if self.value() in Light.values:
            return queryset.filter(light=self.value())
        return queryset
