"""项目清单: the API's project list as a page (filters, sort, paging) and as an Excel sheet.

The page reads the API's own queryset (`project_list`) through the API's own FilterSet
(`ProjectFilter`), so a filter means the same thing here as in /api/v1/projects/. The sort terms are
the API's ordering fields plus the two amounts the page shows; an id always breaks ties. A bad query
parameter is ignored and named in Chinese, never a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.core.models import Light
from apps.core.xlsx import DATE_FORMAT, Alignment, Column, Font, add_heading, add_table, new_workbook, print_setup, xlsx_response
from apps.lights.lists import project_list as project_list_queryset
from apps.lights.selectors import LightContext, attach_project_lights, light_context, report_period
from apps.organization.models import Department, Leader, Region
from apps.projects.filters import LEVELS, LIGHT_FILTERS, ProjectFilter
from apps.projects.models import AnnualPlan, BuildStatus, InvestmentMode, PoolStage, Project, ProjectCategory, ResponsibilityRole
from apps.stats import formulas

PAGE_SIZE = 20
EXPORT_CAP = 5000
FILTER_KEYS = (
    "search",
    "category",
    "light",
    "build_status",
    "department",
    "leader",
    "region",
    "year",
    "level",
    "pool_stage",
    "investment_mode",
    "overdue",
    "total_investment_min",
    "total_investment_max",
)
# The filter bar's own names (the FilterSet's labels are written for API clients: "责任单位ID…").
FILTER_LABELS = {
    "search": "搜索",
    "category": "项目类别",
    "light": "预警灯",
    "build_status": "建设状态",
    "department": "责任单位",
    "leader": "包保领导",
    "region": "乡镇（街道）/园区",
    "year": "计划年度",
    "level": "项目级别",
    "pool_stage": "项目库阶段",
    "investment_mode": "投资管理方式",
    "overdue": "逾期事项",
    "total_investment_min": "总投资下限",
    "total_investment_max": "总投资上限",
}
# Filters kept behind "更多筛选" on the page (opened when one of them is set).
MORE_FILTERS = ("level", "pool_stage", "investment_mode", "overdue", "total_investment_min", "total_investment_max")


@dataclass(frozen=True)
class Sort:
    field: str
    label: str
    descending_first: bool  # the first click sorts this way (amounts and lights: biggest/worst first)
    nullable: bool = False


# The API's ordering fields (ProjectViewSet.ordering_fields) and the plan/ytd amounts the page shows.
SORTS = {
    "name": Sort("name", "项目名称", False),
    "total_investment": Sort("total_investment", "总投资", True),
    "light_rank": Sort("light_rank", "预警灯", True),
    "planned_start": Sort("planned_start", "计划开工", False, nullable=True),
    "updated_at": Sort("updated_at", "更新时间", True),
    "period_plan": Sort("period_plan", "年度计划", True, nullable=True),
    "ytd_completed": Sort("ytd_completed", "累计完成", True),
    "id": Sort("id", "登记顺序", False),
}
DEFAULT_ORDERING = "-total_investment"  # the API's default


@dataclass
class ListQuery:
    """The user's filters and sort, applied: the queryset and what the page says about them."""

    queryset: QuerySet[Project]
    values: dict[str, str]  # the filters as the user sent them (to refill the form)
    applied: list[tuple[str, str]]  # (filter label, value shown), for the title row and the page
    ordering: str
    ctx: LightContext  # today's lights: the rows shown get theirs from it (`rows_with_lights`)
    errors: list[str] = field(default_factory=list)

    def rows_with_lights(self, projects) -> list[Project]:
        """The projects shown, each with its light: annotated already when the query filtered or
        sorted on it, else worked out for these rows only (a page, an export of one region)."""
        return attach_project_lights(projects, self.ctx)

    def params(self, **changes) -> str:
        """A query string for the same list with `changes` (None drops a key)."""
        data = {k: v for k, v in self.values.items() if v}
        if self.ordering != DEFAULT_ORDERING:
            data["ordering"] = self.ordering
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return urlencode(data)


@dataclass
class Options:
    """What the filter bar offers, and the names shown for an applied filter."""

    categories: list[tuple[str, str]]
    departments: list[tuple[int, str]]
    leaders: list[tuple[int, str]]
    regions: list[tuple[int, str]]
    years: list[int]

    def display(self, key: str, value) -> str:
        lookups = {
            "category": dict(self.categories),
            "department": dict(self.departments),
            "leader": dict(self.leaders),
            "region": {pk: name.strip("　 ") for pk, name in self.regions},
            "light": dict(Light.choices),
            "build_status": dict(BuildStatus.choices),
            "level": dict(LEVELS),
            "pool_stage": dict(PoolStage.choices),
            "investment_mode": dict(InvestmentMode.choices),
        }
        if key in lookups:
            return str(lookups[key].get(value, value))
        if key == "overdue":
            return "有逾期事项" if value else "无逾期事项"
        if key == "year":
            return f"{value}年"
        if key.startswith("total_investment"):
            return f"{value}万元"
        return str(value)


def filter_options() -> Options:
    """The choices of the filter bar (five queries, whatever the portfolio's size)."""
    regions = []
    by_parent: dict[int | None, list[Region]] = {}
    for region in Region.objects.all():
        by_parent.setdefault(region.parent_id, []).append(region)

    def walk(parent: int | None, depth: int) -> None:
        for region in by_parent.get(parent, []):
            regions.append((region.pk, "　" * depth + region.name))
            walk(region.pk, depth + 1)

    walk(None, 0)
    return Options(
        categories=list(ProjectCategory.objects.values_list("code", "name")),
        departments=list(Department.objects.values_list("pk", "name")),
        leaders=list(Leader.objects.filter(is_active=True).values_list("pk", "position")),
        regions=regions,
        years=list(AnnualPlan.objects.order_by("-year").values_list("year", flat=True).distinct()),
    )


def _order_by(term: str):
    sort = SORTS[term.removeprefix("-")]
    expression = F(sort.field)
    if term.startswith("-"):
        return expression.desc(nulls_last=True) if sort.nullable else expression.desc()
    return expression.asc(nulls_last=True) if sort.nullable else expression.asc()


def build_query(request: HttpRequest, options: Options) -> ListQuery:
    """Apply the API's FilterSet and sort terms to the API's project queryset; bad values are dropped and named."""
    values = {key: request.GET.get(key, "").strip() for key in FILTER_KEYS}
    ctx = light_context(today=timezone.localdate())
    # The whole portfolio's lights only when the list filters or sorts on them (as the API does).
    lights = any(values.get(name) for name in LIGHT_FILTERS) or "light_rank" in (request.GET.get("ordering") or "")
    projects = project_list_queryset(user=request.user, ctx=ctx, lights=lights)
    filterset = ProjectFilter(data={k: v for k, v in values.items() if v}, queryset=projects)
    queryset = filterset.qs
    errors = []
    for name, messages in filterset.errors.items():
        label = FILTER_LABELS.get(name) or filterset.filters[name].label or name
        errors.append(f"筛选条件“{label}”无效（{'；'.join(m.rstrip('。') for m in messages)}），已忽略。")
        values[name] = ""
    applied = [
        (FILTER_LABELS[name], options.display(name, value))
        for name, value in filterset.form.cleaned_data.items()
        if value not in (None, "") and name in FILTER_KEYS
    ]

    ordering = (request.GET.get("ordering") or "").strip() or DEFAULT_ORDERING
    terms = [t.strip() for t in ordering.split(",") if t.strip()]
    unknown = [t for t in terms if t.removeprefix("-") not in SORTS]
    if unknown or not terms:
        what = f"不支持的排序字段：{'、'.join(unknown)}" if unknown else "排序参数为空"
        errors.append(f"{what}，已按总投资从大到小排序。")
        ordering, terms = DEFAULT_ORDERING, [DEFAULT_ORDERING]
    keys = [t.removeprefix("-") for t in terms]
    order = [_order_by(t) for t in terms]
    if "id" not in keys:
        order.append(F("id").asc())  # a stable order: equal amounts never swap between pages
    return ListQuery(queryset=queryset.order_by(*order), values=values, applied=applied, ordering=",".join(terms), ctx=ctx, errors=errors)


@dataclass
class Row:
    project: Project
    lead_leaders: str
    lead_departments: str
    completion_rate: Decimal | None  # per cent


def _names(project: Project, role: str) -> str:
    # The prefetched responsibilities, in id order: the first is the one the due-item registry names.
    people = sorted((r for r in project.responsibilities.all() if r.role == role), key=lambda r: r.id)
    if role == ResponsibilityRole.LEAD_LEADER:
        return "、".join(r.leader.position for r in people if r.leader)
    return "、".join(r.department.name for r in people if r.department)


def project_rows(projects) -> list[Row]:
    rows = []
    for p in projects:
        rate = formulas.completion_rate(p.ytd_completed, p.period_plan) if p.period_plan else None
        rows.append(
            Row(
                project=p,
                lead_leaders=_names(p, ResponsibilityRole.LEAD_LEADER),
                lead_departments=_names(p, ResponsibilityRole.LEAD_DEPT),
                completion_rate=None if rate is None else rate * formulas.HUNDRED,
            )
        )
    return rows


def _period(today: dt.date) -> dict:
    # The plan and year-to-date figures the light reads: the latest month whose report is due.
    year, month = report_period(today)
    return {"year": year, "month": month, "plan_label": f"{year}年计划", "ytd_label": f"{year}年1—{month}月完成"}


def _headers(query: ListQuery, period: dict) -> dict[str, dict]:
    """Each sortable column: its link (first click in its natural direction, next click reverses) and arrow."""
    current = query.ordering.split(",")[0]
    headers = {}
    for key, sort in SORTS.items():
        if current.removeprefix("-") == key:
            target = key if current.startswith("-") else f"-{key}"
            arrow = "↓" if current.startswith("-") else "↑"
        else:
            target = f"-{key}" if sort.descending_first else key
            arrow = ""
        label = {"period_plan": period["plan_label"], "ytd_completed": period["ytd_label"]}.get(key, sort.label)
        headers[key] = {"url": "?" + query.params(ordering=target, page=None), "arrow": arrow, "label": label}
    return headers


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    options = filter_options()
    query = build_query(request, options)
    paginator = Paginator(query.queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    period = _period(timezone.localdate())
    user = request.user
    shortcuts = []
    if user.role == Role.DEPARTMENT and user.department_id:
        shortcuts.append(("本单位项目", "?" + urlencode({"department": user.department_id})))
    if user.role == Role.LEADER and user.leader_id:
        shortcuts.append(("我包保的项目", "?" + urlencode({"leader": user.leader_id})))
    context = {
        "query": query,
        "options": options,
        "rows": project_rows(query.rows_with_lights(page.object_list)),
        "page": page,
        "page_links": [
            (n, None if n == Paginator.ELLIPSIS else "?" + query.params(page=n))
            for n in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ],
        "prev_url": "?" + query.params(page=page.previous_page_number()) if page.has_previous() else None,
        "next_url": "?" + query.params(page=page.next_page_number()) if page.has_next() else None,
        "headers": _headers(query, period),
        "period": period,
        "more_open": any(query.values.get(k) for k in MORE_FILTERS),
        "export_url": reverse("web:project-export") + "?" + query.params(),
        "export_cap": EXPORT_CAP,
        "shortcuts": shortcuts,
        "lights": Light.choices,
        "build_statuses": BuildStatus.choices,
        "levels": LEVELS,
        "pool_stages": PoolStage.choices,
        "investment_modes": InvestmentMode.choices,
    }
    return render(request, "projects/list.html", context)


EXPORT_COLUMNS = (
    Column("序号", 6),
    Column("预警灯", 8, light=True),
    Column("项目名称", 36),
    Column("项目代码", 26),
    Column("项目类别", 12),
    Column("所在乡镇（街道）/园区", 14),
    Column("牵头单位", 16),
    Column("包保领导", 14),
    Column("计划总投资（万元）", 14, money=True),
    Column("年度计划（万元）", 14, money=True),
    Column("累计完成（万元）", 14, money=True),
    Column("完成率", 9, number_format="0.0%"),
    Column("建设状态", 12),
    Column("计划开工", 12, number_format=DATE_FORMAT),
)
TITLE = "重点项目清单"


@login_required
def project_export(request: HttpRequest) -> HttpResponse:
    """The current list (filters and sort of the page, every page) as an .xlsx, up to EXPORT_CAP rows."""
    options = filter_options()
    query = build_query(request, options)
    total = query.queryset.count()
    rows = project_rows(query.rows_with_lights(query.queryset[:EXPORT_CAP]))
    now = timezone.localtime()
    period = _period(now.date())
    columns = list(EXPORT_COLUMNS)
    columns[9] = Column(f"{period['plan_label']}（万元）", 14, money=True)
    columns[10] = Column(f"{period['ytd_label']}（万元）", 14, money=True)

    wb, ws = new_workbook("重点项目清单")
    conditions = "；".join(f"{label}：{value}" for label, value in query.applied) or "全部项目"
    sort = query.ordering.split(",")[0]
    sort_label = _headers(query, period)[sort.removeprefix("-")]["label"]
    note = f"筛选条件：{conditions}。排序：{sort_label}{'从大到小' if sort.startswith('-') else '从小到大'}。导出时间：{now:%Y-%m-%d %H:%M}。共{total}个项目"
    if total > EXPORT_CAP:
        note += f"，超过导出上限，只导出前{EXPORT_CAP}个，请缩小筛选范围"
    r = add_heading(
        ws, TITLE, row=1, span=len(columns), font=Font(bold=True, size=14), alignment=Alignment(horizontal="center", wrap_text=True)
    )
    add_heading(
        ws, note + "。", row=r, span=len(columns), font=Font(size=10), alignment=Alignment(horizontal="left", wrap_text=True), height=32
    )
    table = []
    for n, row in enumerate(rows, start=1):
        p = row.project
        table.append(
            [
                n,
                p.light,
                p.name,
                p.primary_code or "",
                p.category.name,
                p.region.name,
                row.lead_departments,
                row.lead_leaders,
                p.total_investment,
                p.period_plan,
                p.ytd_completed,
                None if row.completion_rate is None else row.completion_rate / formulas.HUNDRED,
                p.get_build_status_display(),
                p.planned_start,
            ]
        )
    add_table(ws, columns, table, start_row=3)
    print_setup(ws)
    return xlsx_response(wb, f"{TITLE}-{now:%Y%m%d}.xlsx")


urlpatterns = [
    path("projects/", project_list, name="project-list"),
    path("projects/export.xlsx", project_export, name="project-export"),
]
