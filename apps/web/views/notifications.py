"""站内消息: the user's own notifications, newest first; open one (marks it read), mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.reminders.selectors import notifications_of
from apps.reminders.services.notifications import notification_mark_read, notifications_mark_all_read

from .common import call_service

PAGE_SIZE = 30


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    qs = notifications_of(request.user)
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/notifications/list.html", {"page": page, "only_unread": only_unread})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read, then go where the notification points (a page of this site only)."""
    notification = get_object_or_404(notifications_of(request.user), pk=pk)
    outcome = call_service(notification_mark_read, actor=request.user, notification=notification)
    if not outcome.ok:
        messages.error(request, "；".join(outcome.all_messages))
        return redirect("web:notifications")
    link = notification.link or ""
    if request.POST.get("stay") or not link or not url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect("web:notifications")
    return redirect(link)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    outcome = call_service(notifications_mark_all_read, actor=request.user)
    if outcome.ok:
        messages.success(request, f"已将 {outcome.value} 条消息标为已读。")
    return redirect("web:notifications")


urlpatterns = [
    path("notifications/", notifications, name="notifications"),
    path("notifications/<int:pk>/open/", notification_open, name="notification-open"),
    path("notifications/read-all/", notifications_read_all, name="notifications-read-all"),
]
