"""我的清单: the open overdue and due-soon items a user answers for, worst first — a leader's (the
projects it leads and its own items), a department's (its items and projects), or the whole
portfolio for the office. Items come from the core's due-item registry (apps.lights.overdue), the
批示 go through the core's service (apps.projects.services.project_comment_add)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.accounts.models import Role
from apps.accounts.policy import may
from apps.core.due import kind_choices
from apps.core.models import Light
from apps.core.xlsx import DATE_FORMAT, Column, add_table, new_workbook, print_setup, xlsx_response
from apps.lights.lists import project_detail_queryset
from apps.lights.overdue import DueItemPage, OverdueItem, due_items
from apps.lights.selectors import light_context
from apps.organization.models import Leader
from apps.projects.models import CommentKind, Project, ProjectComment
from apps.projects.rules import remember_own_projects
from apps.projects.services import project_comment_add
from apps.web.views.common import call_service

PAGE_SIZE = 50
KIND_LABELS = dict(kind_choices())


def _scope(user) -> tuple[str, dict]:
    """Whose list this is: a leader's, a department's, or (office, viewer) the whole portfolio."""
    if user.role == Role.LEADER and user.leader_id:
        return f"{user.leader.position}的清单", {"leader": user.leader_id}
    if user.role == Role.DEPARTMENT and user.department_id:
        return f"{user.department.name}的清单", {"department": user.department_id}
    return "全部逾期与临期事项", {}


def _narrowing(request: HttpRequest) -> tuple[str, dict, dict]:
    """The list's title, its narrowing (the user's scope, the light and kind asked) and the choices shown."""
    title, scope = _scope(request.user)
    light = request.GET.get("light")
    kind = request.GET.get("type")
    narrowing = {
        "light": light if light in Light.values and light != Light.GREEN else None,
        "item_type": kind if kind in KIND_LABELS else None,
        **scope,
    }
    return title, narrowing, {"light": light if light in Light.values else "", "type": kind if kind in KIND_LABELS else ""}


def list_items(request: HttpRequest, today: dt.date) -> tuple[str, list[OverdueItem], dict]:
    """Every item of the user's list (the export)."""
    title, narrowing, chosen = _narrowing(request)
    return title, due_items(ctx=light_context(today=today), **narrowing), chosen


def _leader_names(items: list[OverdueItem]) -> dict[int, str]:
    ids = {pk for i in items for pk in i.leader_ids}
    return dict(Leader.objects.filter(pk__in=ids).values_list("pk", "position")) if ids else {}


@login_required
def mylist(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    title, narrowing, chosen = _narrowing(request)
    # Read a page at a time in SQL: the office's list is the whole portfolio's (40 000 items at 20 000 projects).
    items = DueItemPage(ctx=light_context(today=today), **narrowing)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    names = _leader_names(shown)
    project_ids = {i.project_id for i in shown if i.project_id}
    remember_own_projects(request.user, project_ids)
    projects = {p.pk: p for p in Project.objects.filter(pk__in=project_ids)}
    may_instruct = {pk for pk, p in projects.items() if may(request.user, "comment", p)}
    latest: dict[int, ProjectComment] = {}
    for c in ProjectComment.objects.filter(project_id__in=project_ids, kind=CommentKind.INSTRUCTION).select_related("author"):
        latest.setdefault(c.project_id, c)  # newest first (Meta.ordering)
    # One card per project, in the order of its worst item (the items are sorted worst first), so a
    # leader reads each project once and writes one 批示 for it.
    groups: dict[int | None, dict] = {}
    for i in shown:
        group = groups.setdefault(
            i.project_id,
            {
                "project_id": i.project_id,
                "project_name": i.project_name or "不属于具体项目的事项",
                "light": i.light,
                "rows": [],
                "may_instruct": i.project_id in may_instruct,
                "latest": latest.get(i.project_id),
            },
        )
        group["rows"].append(
            {"item": i, "kind": KIND_LABELS.get(i.type, i.type), "leaders": "、".join(names.get(pk, "") for pk in i.leader_ids)}
        )
    query = request.GET.copy()
    query.pop("page", None)
    red, yellow = items.light_counts()
    return render(
        request,
        "lights/mylist.html",
        {
            "title": title,
            "groups": list(groups.values()),
            "page": page,
            "total": len(items),
            "red": red,
            "yellow": yellow,
            "chosen": chosen,
            "kinds": kind_choices(),
            "query": query.urlencode(),
            "today": today,
        },
    )


@login_required
def mylist_export(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    title, items, _ = list_items(request, today)
    names = _leader_names(items)
    wb, ws = new_workbook("我的清单")
    columns = [
        Column("预警", 8, light=True),
        Column("类型", 10),
        Column("事项", 36),
        Column("项目", 36),
        Column("责任单位", 22),
        Column("包保领导", 18),
        Column("到期日期", 12, number_format=DATE_FORMAT),
        Column("逾期天数", 10),
        Column("逾期工作日", 10),
        Column("剩余天数", 10),
    ]
    rows = [
        (
            i.light,
            KIND_LABELS.get(i.type, i.type),
            i.title,
            i.project_name or "",
            i.department_name or "",
            "、".join(names.get(pk, "") for pk in i.leader_ids),
            i.due_date,
            i.days_overdue,
            i.working_days_overdue,
            i.days_left,
        )
        for i in items
    ]
    add_table(ws, columns, rows, title=f"{title}（截至{today:%Y年%m月%d日}）")
    print_setup(ws)
    return xlsx_response(wb, f"我的清单-{today:%Y%m%d}.xlsx")


@login_required
@require_POST
def instruct(request: HttpRequest, pk: int) -> HttpResponse:
    """A 批示 on a project, from the list: the core service decides who may write one."""
    project = get_object_or_404(project_detail_queryset(user=request.user, lights=False), pk=pk)
    outcome = call_service(
        project_comment_add, actor=request.user, project=project, kind=CommentKind.INSTRUCTION, text=request.POST.get("text", "")
    )
    if outcome.denied:  # a role that may not write a 批示 here: a Chinese 403 (errors.permission_denied)
        raise PermissionDenied("；".join(outcome.all_messages))
    if outcome.ok:
        messages.success(request, f"已对“{project.name}”作出批示。")
    else:
        messages.error(request, "批示未保存：" + "；".join(outcome.all_messages))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "web:mylist"
    return redirect(target)


urlpatterns = [
    path("my/", mylist, name="mylist"),
    path("my/export.xlsx", mylist_export, name="mylist-export"),
    path("projects/<int:pk>/instruct/", instruct, name="project-instruct"),
]
