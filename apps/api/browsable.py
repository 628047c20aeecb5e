"""Chinese titles and descriptions on DRF's browsable API pages, taken from the OpenAPI summaries
(DRF would show the English class name, e.g. "Project List")."""

from __future__ import annotations

from django.utils.html import format_html_join
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.views import get_view_description as drf_view_description

from .strict import documented_operation, documented_operations_of

SUFFIXES = {"List": "列表", "Instance": "详情"}


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _operation(view):
    request = getattr(view, "request", None)
    return documented_operation(view, request.method if request is not None else "GET")


def view_name(view) -> str:
    custom = getattr(view, "view_title", None)
    if custom:
        return custom
    operation = _operation(view)
    if operation and operation.summary:
        return operation.summary
    # Breadcrumbs build views without a request or action: name them by their resource.
    operations = documented_operations_of(type(view))
    if operations and operations[0].tags:
        return operations[0].tags[0] + SUFFIXES.get(getattr(view, "suffix", None) or "", "")
    return getattr(view, "name", None) or type(view).__name__


def view_description(view, html: bool = False) -> str:
    operation = _operation(view)
    text = operation.description if operation and _is_chinese(operation.description) else ""
    if not text:
        docstring = drf_view_description(view, html=False)
        text = docstring if _is_chinese(docstring) else ""
    if not html:
        return text
    return format_html_join("", "<p>{}</p>", ((line,) for line in text.splitlines() if line.strip()))


class BrowsableApiRenderer(BrowsableAPIRenderer):
    """DRF's browsable API, minus its filter form on views without filter backends: DRF would call
    their get_queryset() anyway, a 500 on the plain list views (overdue, deletions); and minus the
    Pygments stylesheet DRF writes into a <style> element, which the Content-Security-Policy refuses
    (it colours code blocks in Markdown descriptions, and ours have none)."""

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context

    def get_filter_form(self, data, view, request):
        if not getattr(view, "filter_backends", None):
            return None
        return super().get_filter_form(data, view, request)
