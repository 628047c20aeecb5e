"""The project dossier (项目档案): one page, its A4 print view and its Excel export, all built from
one read (`selectors.build_dossier`). Buttons are the policy's answer for this user and row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from apps.core.xlsx import (
    LIGHT_FILLS,
    LIGHT_NAMES,
    MONEY_FORMAT,
    Column,
    Styled,
    add_sheet,
    add_table,
    new_workbook,
    print_setup,
    xlsx_response,
)
from apps.projects.models import (
    ResponsibilityRole,
)
from apps.stats import formulas

from .forms import ProjectCommentForm
from .selectors import Dossier, build_dossier


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = {"d": build_dossier(user=request.user, pk=pk), "printing": False, "comment_form": ProjectCommentForm(auto_id="comment-%s")}
    return render(request, "projects/dossier/detail.html", context)


@login_required
def project_print(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "projects/dossier/print.html", {"d": build_dossier(user=request.user, pk=pk), "printing": True})


# --- Excel --------------------------------------------------------------------------------


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _basic_rows(d: Dossier) -> list[tuple[str, object, str]]:
    """(label, value, kind) with kind "text", "money" (万元) or "light"."""
    p = d.project
    lead = [r for r in d.responsibilities if r.role == ResponsibilityRole.LEAD_LEADER and r.leader]
    depts = [r for r in d.responsibilities if r.role == ResponsibilityRole.LEAD_DEPT and r.department]
    hundred = formulas.HUNDRED
    return [
        ("项目名称", p.name, "text"),
        ("项目代码", p.primary_code or "（未赋码）", "text"),
        ("项目类别", p.category.name, "text"),
        ("项目级别", p.levels_display, "text"),
        ("投资管理方式", p.get_investment_mode_display(), "text"),
        ("建设性质", p.get_construction_nature_display(), "text"),
        ("建设单位", p.owner_unit, "text"),
        ("建设地点", p.location_text, "text"),
        ("所在乡镇（街道）/园区", p.region.name, "text"),
        ("建设年限", f"{p.start_year}—{p.end_year}年", "text"),
        ("计划开工 / 竣工", f"{_date(p.planned_start) or '—'} / {_date(p.planned_finish) or '—'}", "text"),
        ("实际开工 / 竣工", f"{_date(p.actual_start) or '—'} / {_date(p.actual_finish) or '—'}", "text"),
        ("建设状态", p.get_build_status_display(), "text"),
        ("项目库阶段", p.get_pool_stage_display(), "text"),
        ("计划总投资（万元）", p.total_investment, "money"),
        (f"{d.year}年计划投资（万元）", p.period_plan, "money"),
        (f"{d.year}年1—{d.month}月完成（万元）", p.ytd_completed, "money"),
        ("年度完成率", f"{formulas.quantize(d.completion_rate * hundred)}%" if d.completion_rate is not None else "—", "text"),
        ("序时进度", f"{formulas.quantize(d.time_progress * hundred)}%（{d.time_progress_rule}）", "text"),
        ("超（欠）序时（百分点）", str(formulas.quantize(d.gap_points)) if d.gap_points is not None else "—", "text"),
        ("项目预警", p.light, "light"),
        ("包保领导", "、".join(r.leader.position for r in lead), "text"),
        ("牵头单位", "、".join(r.department.name for r in depts), "text"),
        ("最新形象进度", p.latest_image_progress, "text"),
    ]


def _basic_value(value, kind: str):
    """A 基本信息 value as its cell: money as a number in 万元, the light by name and colour."""
    if kind == "money" and value is not None:
        return Styled(Decimal(value), number_format=MONEY_FORMAT)
    if kind == "light":
        return Styled(LIGHT_NAMES.get(str(value), ""), fill=LIGHT_FILLS.get(value))
    return value


@login_required
def project_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The dossier as a workbook: 基本信息, 审批要件, 月度投资, 征地拆迁, 问题."""
    d = build_dossier(user=request.user, pk=pk)
    p = d.project
    title = p.short_name or p.name
    wb, ws = new_workbook("基本信息")
    add_table(
        ws,
        [Column("项目", 24), Column("内容", 60)],
        [(k, _basic_value(v, kind)) for k, v, kind in _basic_rows(d)],
        title=f"{title} 项目档案",
    )
    print_setup(ws, landscape=False)

    ws = add_sheet(wb, "审批要件")
    columns = [
        Column("序号", 6),
        Column("类型", 10),
        Column("阶段", 14),
        Column("要件/节点", 30),
        Column("责任单位", 16),
        Column("计划完成", 12),
        Column("实际完成", 12),
        Column("状态", 14),
        Column("文号", 24),
        Column("预警", 8, light=True),
    ]
    add_table(
        ws,
        columns,
        [
            (
                m.seq,
                m.get_kind_display(),
                m.get_stage_display(),
                m.name,
                m.responsible_dept.name if m.responsible_dept else "",
                _date(m.planned_date),
                _date(m.actual_date),
                m.get_status_display(),
                m.doc_number,
                m.light,
            )
            for m in d.milestones
        ],
        title=f"{title} 审批要件与建设节点",
    )
    print_setup(ws)

    ws = add_sheet(wb, "月度投资")
    columns = [
        Column("月份", 8),
        Column("月度计划（万元）", 16, money=True),
        Column("月度完成（万元）", 16, money=True),
        Column("累计计划（万元）", 16, money=True),
        Column("累计完成（万元）", 16, money=True),
        Column("节点目标", 30),
    ]
    add_table(
        ws,
        columns,
        [
            (
                f"{r.month}月",
                r.plan,
                r.completed,
                r.plan_cumulative,
                r.completed_cumulative if r.month <= d.last_reported_month else None,
                r.node_target,
            )
            for r in d.months
        ],
        title=f"{title} {d.year}年月度投资（已审核月报）",
    )
    print_setup(ws, landscape=False)

    ws = add_sheet(wb, "征地拆迁")
    columns = [
        Column("地块/片区", 20),
        Column("应征（亩）", 11),
        Column("已征（亩）", 11),
        Column("征收率", 9),
        Column("涉及户数", 9),
        Column("已签约", 9),
        Column("签约率", 9),
        Column("应付补偿（万元）", 15, money=True),
        Column("已拨付（万元）", 15, money=True),
        Column("报批进度", 18),
    ]
    add_table(
        ws,
        columns,
        [
            (
                land.parcel_name,
                land.required_area_mu,
                land.acquired_area_mu,
                f"{land.acquisition_rate}%" if land.acquisition_rate is not None else "—",
                land.land_households_total,
                land.land_households_signed,
                f"{land.signing_rate}%" if land.signing_rate is not None else "—",
                land.compensation_due,
                land.compensation_paid,
                land.get_approval_status_display(),
            )
            for land in d.lands
        ],
        title=f"{title} 征地拆迁",
    )
    print_setup(ws)

    ws = add_sheet(wb, "问题")
    columns = [
        Column("问题类型", 14),
        Column("问题描述", 40),
        Column("责任单位", 16),
        Column("协调领导", 14),
        Column("提出日期", 12),
        Column("解决时限", 12),
        Column("状态", 14),
        Column("解决情况", 30),
        Column("预警", 8, light=True),
    ]
    add_table(
        ws,
        columns,
        [
            (
                q.get_category_display(),
                q.description,
                q.responsible_dept.name,
                q.coordinating_leader.position if q.coordinating_leader else "",
                _date(q.raised_on),
                _date(q.deadline),
                q.get_status_display(),
                q.resolution,
                q.light,
            )
            for q in [*d.open_problems, *d.closed_problems]
        ],
        title=f"{title} 问题清单",
    )
    print_setup(ws)
    return xlsx_response(wb, f"{title}-项目档案.xlsx")


urlpatterns = [
    path("projects/<int:pk>/", project_detail, name="project-detail"),
    path("projects/<int:pk>/print/", project_print, name="project-print"),
    path("projects/<int:pk>/export.xlsx", project_export, name="project-export-dossier"),
]
