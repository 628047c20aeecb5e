"""驾驶舱: the portfolio against the annual plan and 序时进度, lights, where the overdue items sit,
and three charts (ECharts, vendored). Figures come from apps.stats and the due-item registry."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from apps.lights.selectors import light_context, report_period
from apps.stats.dashboard import item_tables, lights_by_category, monthly_series
from apps.stats.selectors import portfolio_figures

# The item tables show the units and leaders with most open items: a cockpit names the worst, and a
# province's thousands of 单位 are the unit ranking's page (the totals above them count every one).
TABLE_ROWS = 15


def _period(request: HttpRequest, today: dt.date) -> tuple[int, int]:
    """?year=&month= when they make sense, else the latest report period (last month, as the statistics
    API and the 通报 default to: this month's reports are not due yet, so a year-to-date and a
    year-on-year figure through this month would compare an unreported month with a reported one);
    never an error page for a bad value."""
    default = report_period(today)
    try:
        year = int(request.GET.get("year", default[0]))
        month = int(request.GET.get("month", default[1] if year == default[0] else 12))
    except (TypeError, ValueError):
        return default
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return default
    return year, month


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    year, month = _period(request, today)
    ctx = light_context(today=today)
    figures = portfolio_figures(year=year, month=month, today=today)
    series = monthly_series(year=year)
    categories = lights_by_category(today=today)
    board, by_department, by_leader = item_tables(ctx)
    ranked = [u for u in board.departments if u.on_time_rate is not None][:10]
    chart = {
        "months": [f"{p.month}月" for p in series],
        "plan": [float(p.plan) for p in series],
        "completed": [float(p.completed) for p in series],
        "plan_cumulative": [float(p.plan_cumulative) for p in series],
        "completed_cumulative": [float(p.completed_cumulative) for p in series],
        "categories": [c.category for c in categories],
        "lights": {lgt: [c.counts.get(lgt, 0) for c in categories] for lgt in ("red", "yellow", "green")},
        "departments": [f"{u.rank}. {u.name}" for u in ranked],
        "department_rate": [round(float(u.on_time_rate), 1) for u in ranked],
        "department_red": [t.red for t in by_department[:TABLE_ROWS]],
    }
    return render(
        request,
        "stats/dashboard/dashboard.html",
        {
            "year": year,
            "month": month,
            "years": range(today.year - 3, today.year + 2),
            "months": range(1, 13),
            "f": figures,
            # Today's lights, as the project list they link to shows them (the period's own lights, as
            # they stood at its end, are in the statistics and the 通报).
            "lights_today": {lgt: sum(c.counts.get(lgt, 0) for c in categories) for lgt in ("red", "yellow", "green")},
            # Every item counts under one 责任单位 (or 未明确责任单位).
            "overdue_count": sum(t.red for t in by_department),
            "due_soon_count": sum(t.yellow for t in by_department),
            "by_department": by_department[:TABLE_ROWS],
            "by_leader": by_leader[:TABLE_ROWS],
            "department_rows": len(by_department),
            "leader_rows": len(by_leader),
            "table_rows": TABLE_ROWS,
            "categories": categories,
            "chart": chart,
            "today": today,
        },
    )


urlpatterns = [path("dashboard/", dashboard, name="dashboard")]
