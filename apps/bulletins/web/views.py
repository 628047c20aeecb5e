"""月度通报: the list of issued bulletins, the office's 生成通报 button, each bulletin's kept page
and its workbook.

Every signed-in role reads bulletins, departments included: the 通报 is circulated to all units
and each needs its own ranking and its red and yellow projects. Only the office issues one — the
policy's answer (apps.bulletins.services), shown here as the page's error."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.policy import decide
from apps.bulletins.models import Bulletin
from apps.bulletins.selectors import bulletin_list
from apps.bulletins.services import bulletin_generate
from apps.core.xlsx import XLSX_CONTENT_TYPE
from apps.lights.selectors import report_period
from apps.web.views.common import call_service


class GenerateForm(forms.Form):
    year = forms.IntegerField(
        label="年度", min_value=2000, max_value=2100, error_messages={"required": "请填写年度。", "invalid": "年度应为四位数字。"}
    )
    month = forms.IntegerField(
        label="月份",
        min_value=1,
        max_value=12,
        error_messages={"required": "请填写月份。", "min_value": "月份应在1至12之间。", "max_value": "月份应在1至12之间。"},
    )
    send = forms.BooleanField(label="同时发送给订阅领导", required=False)


def _page(request: HttpRequest, form: GenerateForm | None = None, status: int = 200) -> HttpResponse:
    may_generate = decide(request.user, "create", Bulletin)
    if form is None and may_generate:
        year, month = report_period(timezone.localdate())
        form = GenerateForm(initial={"year": year, "month": month, "send": True})
    return render(
        request,
        "bulletins/list.html",
        {"bulletins": bulletin_list(), "form": form if may_generate else None, "bulletin_day": settings.BULLETIN_DAY},
        status=status,
    )


@login_required
def bulletins(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def bulletin_generate_view(request: HttpRequest) -> HttpResponse:
    decision = decide(request.user, "create", Bulletin)
    if not decision:
        return render(request, "bulletins/forbidden.html", {"reason": decision.reason}, status=403)
    form = GenerateForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    outcome = call_service(
        bulletin_generate,
        year=form.cleaned_data["year"],
        month=form.cleaned_data["month"],
        actor=request.user,
        send=form.cleaned_data["send"],
    )
    if not outcome.ok:
        for field, errors in outcome.errors.items():
            for error in errors:
                form.add_error(None if field not in form.fields else field, error)
        return _page(request, form, status=outcome.status)
    bulletin = outcome.value
    sent = f"已发送给{bulletin.recipients}位领导" if bulletin.sent_at else (bulletin.send_note or "未发送")
    messages.success(request, f"已生成《{bulletin.title}》第{bulletin.version}版，{sent}。")
    return redirect("web:bulletin-detail", pk=bulletin.pk)


# The kept page's own stylesheet: a <style> element the bulletin template wrote (user text in the
# page was escaped when it was rendered, so no other <style> can be in it).
KEPT_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def kept_page_response(html: str) -> HttpResponse:
    """A kept page (as issued, with its own <style>) under the site's Content-Security-Policy: the
    policy allows exactly the page's <style> elements by their SHA-256 (not 'unsafe-inline'), and the
    site's current app.js is added for the page's data-print button, with the phone layout's
    stylesheet and script (kept pages issued before it read on a phone too)."""
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'" for css in KEPT_STYLE.findall(html)]
    # The site's phone layout for kept pages (a screen of 720 px or less only: the A4 page and its
    # print stay as issued), and the script that labels each table cell for it.
    phone = f'<link rel="stylesheet" href="{static("web/bulletin_screen.css")}">\n</head>'
    page = html.replace("</head>", phone, 1)
    scripts = f'<script src="{static("web/app.js")}"></script>\n<script src="{static("web/bulletin_screen.js")}"></script>\n</body>'
    page = page.replace("</body>", scripts, 1)
    response = HttpResponse(page)
    # What django-csp's @csp_update decorator sets; here the sources depend on the page.
    response._csp_update = {"style-src": hashes}
    return response


@login_required
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The page exactly as issued (its own standalone print layout)."""
    bulletin = get_object_or_404(Bulletin.objects.only("html"), pk=pk)
    return kept_page_response(bulletin.html)


@login_required
def bulletin_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    bulletin = get_object_or_404(Bulletin.objects.only("title", "version", "xlsx"), pk=pk)
    if not bulletin.xlsx or not bulletin.xlsx.storage.exists(bulletin.xlsx.name):
        raise Http404("通报的Excel文件不存在。")
    return FileResponse(
        bulletin.xlsx.open("rb"),
        as_attachment=True,
        filename=bulletin.xlsx_filename or PurePosixPath(bulletin.xlsx.name).name,
        content_type=XLSX_CONTENT_TYPE,
    )


urlpatterns = [
    path("bulletins/", bulletins, name="bulletin-list"),
    path("bulletins/generate/", bulletin_generate_view, name="bulletin-generate"),
    path("bulletins/<int:pk>/", bulletin_detail, name="bulletin-detail"),
    path("bulletins/<int:pk>/xlsx/", bulletin_xlsx, name="bulletin-xlsx"),
]
