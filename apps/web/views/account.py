"""修改密码 (everyone signed in) and 用户密码 (the office resets another user's password).

The rules are the services' and the policy's (apps/accounts/services.py, apps/accounts/policy.py):
these views ask the policy before showing a form, carry the input there and show what came back."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.accounts.models import User
from apps.accounts.policy import decide
from apps.accounts.selectors import users_for_password_reset
from apps.accounts.services import user_password_change, user_password_reset
from apps.web.forms import PasswordChangeForm, show_service_errors

from .common import call_service
from .forms import denied

USERS_PAGE_SIZE = 50
FORCED = "您的密码已由项目办重置为一次性密码，请先设置自己的新密码，然后才能继续使用系统。"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            user_password_change,
            actor=request.user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password"],
            request=request,
        )
        if outcome.ok:
            # This session stays signed in; the user's sessions elsewhere end (their hash is stale).
            update_session_auth_hash(request, outcome.value)
            messages.success(request, "密码已修改。其他设备上的登录已全部退出。")
            return redirect("web:home")
        show_service_errors(form, outcome.errors)
    context = {
        "title": "修改密码",
        "subject": "修改后本页保持登录，其他电脑或手机上的登录将全部退出。",
        "alert": FORCED if request.user.must_change_password else "",
        "form": form,
        "back": reverse("web:home"),
        "back_label": "首页",
        "submit": "修改密码",
    }
    return render(request, "web/forms/form.html", context)


@login_required
@require_http_methods(["GET"])
def user_list(request: HttpRequest) -> HttpResponse:
    decision = decide(request.user, "change", User)
    if not decision:
        return denied(request, decision.reason, back=reverse("web:home"))
    query = request.GET.get("q", "")[:100]
    page = Paginator(users_for_password_reset(actor=request.user, query=query), USERS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(user, decide(request.user, "change", user)) for user in page.object_list]
    pager_query = urlencode({"q": query}) if query else ""
    return render(request, "web/account/user_list.html", {"page": page, "rows": rows, "q": query, "query": pager_query})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_password_reset_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User.objects.select_related("department"), pk=pk)
    decision = decide(request.user, "change", user)
    if not decision:
        return denied(request, decision.reason, back=reverse("web:user-passwords"))
    if request.method == "POST":
        outcome = call_service(user_password_reset, actor=request.user, user=user)
        if outcome.ok:
            # Shown in this response only: never stored, never in a redirect's message cookie.
            return render(request, "web/account/user_reset_done.html", {"account": user, "password": outcome.value})
        return render(request, "web/account/user_reset.html", {"account": user, "errors": outcome.all_messages}, status=400)
    return render(request, "web/account/user_reset.html", {"account": user})


urlpatterns = [
    path("account/password/", password_change, name="password-change"),
    path("account/users/", user_list, name="user-passwords"),
    path("account/users/<int:pk>/reset-password/", user_password_reset_page, name="user-password-reset"),
]
