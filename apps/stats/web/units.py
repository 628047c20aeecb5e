"""单位排名: departments and regions ranked by on-time rate, and each unit's page — its figures, its
open overdue and due-soon items (the due-item registry), and its projects.

The figures and the rank come from `apps.stats.units` (the rule is written there); the items are the
registry's (`due_items`), the projects the project list's (`ProjectFilter` on `project_list`).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone

from apps.core.due import kinds
from apps.core.filters import MAX_ID
from apps.core.xlsx import DATE_FORMAT, Column, add_table, new_workbook, print_setup, xlsx_response
from apps.lights.lists import project_list
from apps.lights.overdue import OverdueItem, due_items
from apps.lights.selectors import light_context
from apps.organization.models import Department, Region
from apps.projects.filters import ProjectFilter
from apps.projects.models import Project
from apps.stats.units import DEPARTMENT, KIND_LABELS, REGION, UnitBoard, UnitFigures, unit_board

PROJECTS_SHOWN = 50
# Rows of each ranking shown unless ?all=1: a province's 2 000 单位 are a table nobody reads through
# (and 0.7 s of template); the first hundred and the way to the rest.
RANKING_ROWS = 100
KIND_NAMES = {code: kind.label for code, kind in kinds().items()}


def _unit(model: type[Department] | type[Region], pk: int) -> Department | Region:
    if pk > MAX_ID:  # beyond a bigint the database raises instead of finding nothing
        raise Http404("未找到该单位。")
    return get_object_or_404(model, pk=pk)


def _board() -> UnitBoard:
    """Both rankings, their item counts grouped in SQL (`with_items=False`): a unit's own items are
    read narrowed to it (`_unit_items`), not picked out of the whole portfolio's."""
    return unit_board(ctx=light_context(today=timezone.localdate()), with_items=False)


def _unit_items(kind: str, unit: Department | Region, today: dt.date) -> list[OverdueItem]:
    """The unit's open overdue and due-soon items, worst first: the registry's, narrowed as the
    overdue list narrows (`department=`: its items; `region=`: its projects' and its sub-areas')."""
    return due_items(ctx=light_context(today=today), **{kind: unit.pk})


def _unit_projects(request: HttpRequest, kind: str, unit: Department | Region):
    """The unit's projects with their lights, worst first: the lights worked out for them only."""
    mine = ProjectFilter({kind: unit.pk}, queryset=Project.objects.all()).qs.values("pk")
    projects = project_list(user=request.user, within=mine)
    return projects.order_by(F("light_rank").desc(), F("total_investment").desc(), "id")


@login_required
def unit_ranking(request: HttpRequest) -> HttpResponse:
    board = _board()
    rows = None if request.GET.get("all") == "1" else RANKING_ROWS
    tables = [
        {"kind": DEPARTMENT, "title": "责任单位排名", "unit_label": "责任单位", "units": board.departments},
        {"kind": REGION, "title": "乡镇（街道）/园区排名", "unit_label": "乡镇（街道）/园区", "units": board.regions},
    ]
    shown = [
        {**table, "total": len(table["units"]), "cut": rows is not None and len(table["units"]) > rows, "units": table["units"][:rows]}
        for table in tables
    ]
    return render(request, "stats/units/ranking.html", {"today": board.today, "tables": shown})


def _unit_page(request: HttpRequest, kind: str, unit: Department | Region) -> HttpResponse:
    board = _board()
    figures: UnitFigures | None = board.unit(kind, unit.pk)
    items = _unit_items(kind, unit, board.today)
    shown = list(_unit_projects(request, kind, unit)[: PROJECTS_SHOWN + 1])
    return render(
        request,
        "stats/units/detail.html",
        {
            "unit": unit,
            "kind": kind,
            "kind_label": KIND_LABELS[kind],
            "figures": figures,
            "ranked_count": len(board.units(kind)),
            "today": board.today,
            "items": [(item, KIND_NAMES.get(item.type, item.type)) for item in items],
            "red": sum(1 for i in items if i.light == "red"),
            "yellow": sum(1 for i in items if i.light == "yellow"),
            "projects": shown[:PROJECTS_SHOWN],
            "more_projects": len(shown) > PROJECTS_SHOWN,
            "projects_url": reverse("web:project-list") + f"?{kind}={unit.pk}",
            "export_url": reverse("web:department-export" if kind == DEPARTMENT else "web:region-export", args=[unit.pk]),
        },
    )


@login_required
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _unit_page(request, DEPARTMENT, _unit(Department, pk))


@login_required
def region_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _unit_page(request, REGION, _unit(Region, pk))


ITEM_COLUMNS = (
    Column("序号", 6),
    Column("预警灯", 8, light=True),
    Column("类型", 10),
    Column("事项", 36),
    Column("项目", 30),
    Column("到期日期", 12, number_format=DATE_FORMAT),
    Column("逾期天数", 9),
    Column("剩余天数", 9),
    Column("责任单位", 16),
    Column("包保/协调领导", 14),
)


def _item_row(n: int, item: OverdueItem) -> list:
    return [
        n,
        item.light,
        KIND_NAMES.get(item.type, item.type),
        item.title,
        item.project_name or "（跨项目）",
        item.due_date,
        item.days_overdue or None,
        item.days_left if not item.days_overdue else None,
        item.department_name or "",
        item.leader_position or "",
    ]


def _unit_export(kind: str, unit: Department | Region) -> HttpResponse:
    """The unit's open overdue and due-soon items as an .xlsx, worst first."""
    items = _unit_items(kind, unit, timezone.localdate())
    now = timezone.localtime()
    title = f"{unit.name}逾期与临期事项清单（截至{now:%Y年%m月%d日}，共{len(items)}项）"
    wb, ws = new_workbook("逾期与临期事项")
    add_table(ws, ITEM_COLUMNS, [_item_row(n, i) for n, i in enumerate(items, start=1)], title=title)
    print_setup(ws)
    return xlsx_response(wb, f"{unit.name}-逾期与临期事项-{now:%Y%m%d}.xlsx")


@login_required
def department_export(request: HttpRequest, pk: int) -> HttpResponse:
    return _unit_export(DEPARTMENT, _unit(Department, pk))


@login_required
def region_export(request: HttpRequest, pk: int) -> HttpResponse:
    return _unit_export(REGION, _unit(Region, pk))


urlpatterns = [
    path("units/", unit_ranking, name="unit-ranking"),
    path("units/departments/<int:pk>/", department_detail, name="department-detail"),
    path("units/departments/<int:pk>/export.xlsx", department_export, name="department-export"),
    path("units/regions/<int:pk>/", region_detail, name="region-detail"),
    path("units/regions/<int:pk>/export.xlsx", region_export, name="region-export"),
]
