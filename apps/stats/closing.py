"""The month close (月度关账): a closed period's figures and due items, frozen as they stood at its end.

- **Closing** (`period_close`): the office (or the beat, on the set working day after the report
  deadline) freezes, in one transaction, one `PeriodFigure` per live project — every field of
  `ProjectPeriodFigures`, with the lights as of the period end (the morning after its last day, items
  settled since counted open: `period_end_context`) — and the overdue and due-soon items as of that
  end (`PeriodItem`). Only a month that is over can be closed, and only once (until reopened).
- **Reading** (`frozen_rows`, `frozen_group_members`, `frozen_items`): the statistics, the 通报, scoring
  and the overdue list of a closed month read the frozen rows; an open month is live. A department's
  change after the close (a late report approved, a milestone done) does not move them.
- **Reopening** (`period_reopen`, reason required): the month is live again; its frozen rows stay
  (unread) until it is closed again, which freezes anew and keeps the 统计局 figures already entered.
- **Corrections** (`period_figure_correct`, and `apply_report_correction` called by
  `apps.progress.services.progress_report_correct`): only the office, with a reason; each changed
  figure gets a `FigureCorrection` (who, when, why, old → new).

The number of queries of a close does not depend on the number of projects (bulk_create).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.policy import require
from apps.accounts.types import Actor
from apps.core.models import Light
from apps.lights.selectors import LightContext, light_context, project_ranks, rule_thresholds
from apps.progress.models import ProgressReport
from apps.projects.models import AnnualPlan, Project, ProjectResponsibility, ResponsibilityRole
from apps.workcalendar.periods import Period, nominal_deadline, report_deadline

from .models import (
    CloseSetting,
    CorrectionKind,
    FigureCorrection,
    PeriodAction,
    PeriodClose,
    PeriodCloseEvent,
    PeriodFigure,
    PeriodItem,
    PeriodStatus,
)

ZERO = Decimal("0")


# --- which periods ---------------------------------------------------------------------------


def period_end_context(period: Period) -> LightContext:
    """The lights as they stood at `period`'s end: on the morning after its last day, with what was
    open then (items settled since count as open)."""
    return light_context(today=period.next.first_day, past=True)


def closed_period(year: int, month: int) -> PeriodClose | None:
    """The PeriodClose row of (year, month) while it is closed (one query), else None."""
    return PeriodClose.objects.filter(year=year, month=month, status=PeriodStatus.CLOSED).first()


def _ids(project_ids) -> QuerySet | list:
    return project_ids if project_ids is not None else []


# --- reading the frozen rows -------------------------------------------------------------------


def _row_fields() -> list[str]:
    """The ProjectPeriodFigures fields a PeriodFigure keeps (all of them, by name)."""
    from .selectors import ProjectPeriodFigures

    stored = {f.attname for f in PeriodFigure._meta.concrete_fields} | {f.name for f in PeriodFigure._meta.concrete_fields}
    return [f.name for f in dataclasses.fields(ProjectPeriodFigures) if f.name in stored]


def row_of(figure: PeriodFigure):
    """The ProjectPeriodFigures a frozen row stands for."""
    from .selectors import ProjectPeriodFigures

    values = {name: getattr(figure, name) for name in _row_fields()}
    values["light_parts"] = dict(values.get("light_parts") or {})
    values["light_past_due"] = list(values.get("light_past_due") or [])
    values["name"] = figure.project_name
    return ProjectPeriodFigures(**values)


def frozen_rows(*, year: int, month: int, project_ids) -> dict | None:
    """The frozen rows of a closed (year, month) narrowed to `project_ids` (ids or a values("pk")
    queryset), as dict[project_id, ProjectPeriodFigures]; None while the month is open."""
    closed = closed_period(year, month)
    if closed is None:
        return None
    figures = PeriodFigure.objects.filter(period=closed, project_id__in=_ids(project_ids)).order_by("project_id")
    return {f.project_id: row_of(f) for f in figures}


def frozen_figures(*, year: int, month: int, project_ids=None) -> list[PeriodFigure] | None:
    """The PeriodFigure rows themselves (names, 牵头单位, 统计局 figure …) of a closed month, or None."""
    closed = closed_period(year, month)
    if closed is None:
        return None
    figures = PeriodFigure.objects.filter(period=closed)
    if project_ids is not None:
        figures = figures.filter(project_id__in=project_ids)
    return list(figures.order_by("project_id"))


def frozen_group_members(group_by: str, *, year: int, month: int, projects: QuerySet[Project]) -> list | None:
    """`apps.stats.selectors.group_members` for a closed month: the groups (in their own order, with
    today's labels) and the projects each held at the close (牵头单位, 包保领导, category, region as
    frozen). None while the month is open."""
    from .selectors import group_members

    figures = frozen_figures(year=year, month=month, project_ids=projects.order_by().values("pk"))
    if figures is None:
        return None
    groups = group_members(group_by, projects.none())  # the groups and labels only, no member query
    members: dict[object, dict[int, None]] = {}
    for f in figures:
        if group_by == "category":
            keys = [f.category_id_at_close]
        elif group_by == "region":
            keys = [f.region_id_at_close, f.region_parent_id_at_close]
        elif group_by == "department":
            keys = list(f.lead_department_ids)
        else:
            keys = list(f.lead_leader_ids)
        for key in dict.fromkeys(k for k in keys if k is not None):
            members.setdefault(key, {})[f.project_id] = None
    return [(key, label, members.get(key, {})) for key, label, _ in groups]


def frozen_items(*, year: int, month: int) -> list[PeriodItem] | None:
    """The overdue and due-soon items frozen at the close of (year, month), worst first; None while open."""
    closed = closed_period(year, month)
    if closed is None:
        return None
    return list(PeriodItem.objects.filter(period=closed).order_by("sort_order", "id"))


def item_as_overdue(item: PeriodItem):
    """A frozen item as the overdue list's OverdueItem."""
    from apps.lights.overdue import OverdueItem

    return OverdueItem(
        type=item.kind,
        id=item.object_id,
        title=item.title,
        project_id=item.project_id,
        project_name=item.project_name or None,
        department_id=item.department_id_at_close,
        department_name=item.department_name or None,
        leader_id=item.leader_id_at_close,
        leader_position=item.leader_position or None,
        due_date=item.due_date,
        days_overdue=item.days_overdue,
        working_days_overdue=item.working_days_overdue,
        days_left=item.days_left,
        working_days_left=item.working_days_left,
        light=item.light,
        link=item.link,
        leader_ids=tuple(item.leader_ids),
    )


def narrow_items(
    items: list[PeriodItem],
    *,
    leader: int | None = None,
    department: int | None = None,
    region: int | None = None,
    light: str | None = None,
    item_type: str | None = None,
) -> list[PeriodItem]:
    """The overdue list's filters on frozen items (the same meaning as `apps.lights.due.due_rows`)."""
    return [
        i
        for i in items
        if (not leader or leader in i.leader_ids)
        and (not department or i.department_id_at_close == department)
        and (not region or region in i.region_ids)
        and (not light or i.light == light)
        and (not item_type or i.kind == item_type)
    ]


# --- closing -----------------------------------------------------------------------------------


def _check_closable(period: Period, today: dt.date) -> None:
    if period >= Period.of(today):
        raise ValidationError({"period": f"{period.label}尚未结束，不能关账；只能关已经结束的月份。"})


def _grouping_facts(projects: QuerySet[Project], year: int) -> dict[int, dict]:
    """Each project's name, grouping keys, planned start and the year's 复工日期: three queries."""
    facts = {
        pk: {
            "project_name": name,
            "planned_start": planned_start,
            "category_id_at_close": category_id,
            "region_id_at_close": region_id,
            "region_parent_id_at_close": parent_id,
            "lead_department_ids": [],
            "lead_leader_ids": [],
            "resume_date": None,
        }
        for pk, name, planned_start, category_id, region_id, parent_id in projects.order_by().values_list(
            "pk", "name", "planned_start", "category_id", "region_id", "region__parent_id"
        )
    }
    leads = ProjectResponsibility.objects.filter(
        project__in=projects, role__in=(ResponsibilityRole.LEAD_DEPT, ResponsibilityRole.LEAD_LEADER)
    ).order_by("id")
    for pk, role, dept_id, leader_id in leads.values_list("project_id", "role", "department_id", "leader_id"):
        if pk not in facts:
            continue
        if role == ResponsibilityRole.LEAD_DEPT and dept_id is not None and dept_id not in facts[pk]["lead_department_ids"]:
            facts[pk]["lead_department_ids"].append(dept_id)
        if role == ResponsibilityRole.LEAD_LEADER and leader_id is not None and leader_id not in facts[pk]["lead_leader_ids"]:
            facts[pk]["lead_leader_ids"].append(leader_id)
    for pk, resume in AnnualPlan.objects.filter(year=year, project__in=projects).order_by().values_list("project_id", "resume_date"):
        if pk in facts:
            facts[pk]["resume_date"] = resume
    # 纳统 (入库纳统) when the ledger has it (another change adds Project.in_stats_db): frozen as it was.
    if any(f.name == "in_stats_db" for f in Project._meta.concrete_fields):
        for pk, flag in projects.order_by().values_list("pk", "in_stats_db"):
            if pk in facts:
                facts[pk]["in_stats_db"] = flag
    return facts


def _freeze_figures(closed: PeriodClose, period: Period, today: dt.date, ctx: LightContext) -> int:
    from .selectors import active_projects, project_period_figures

    projects = active_projects()
    rows = project_period_figures(year=period.year, month=period.month, today=today, projects=projects)
    # The lights as of the period end, whatever day the close runs (the latest report period's
    # statistics read today's lights while it is open; a closed month keeps those of its end).
    ranks = project_ranks(ctx, projects.order_by().values("pk"))
    facts = _grouping_facts(projects, period.year)
    # A re-close keeps the 统计局 figures the office entered (they are not in the ledger).
    kept = {
        pk: (stats, flag)
        for pk, stats, flag in PeriodFigure.objects.filter(period=closed).values_list("project_id", "stats_ytd_completed", "in_stats_db")
    }
    PeriodFigure.objects.filter(period=closed).delete()
    names = _row_fields()
    figures = []
    for pk, row in sorted(rows.items()):
        rank = ranks.rank(pk)
        row.light = (Light.RED if rank == 2 else Light.YELLOW if rank == 1 else Light.GREEN).value
        row.light_parts = dict(ranks.parts.get(pk, {}))
        row.light_past_due = sorted(ranks.past_due.get(pk, ()))
        fact = dict(facts.get(pk, {}))
        leads, leaders = fact.get("lead_department_ids") or [], fact.get("lead_leader_ids") or []
        values = {name: getattr(row, name) for name in names}
        values.update(fact)
        values.update(lead_department_id=leads[0] if leads else None, lead_leader_id=leaders[0] if leaders else None)
        figure = PeriodFigure(period=closed, year=period.year, month=period.month, **values)
        if pk in kept:
            figure.stats_ytd_completed = kept[pk][0]
            if kept[pk][1] is not None:
                figure.in_stats_db = kept[pk][1]
        figure.time_progress = Decimal(figure.time_progress).quantize(Decimal("1e-12"))
        figures.append(figure)
    PeriodFigure.objects.bulk_create(figures, batch_size=500)
    return len(figures)


def _freeze_items(closed: PeriodClose, ctx: LightContext) -> int:
    from apps.lights.overdue import due_items

    PeriodItem.objects.filter(period=closed).delete()
    items = due_items(ctx=ctx)
    project_ids = {i.project_id for i in items if i.project_id}
    regions = {
        pk: [r for r in (region_id, parent_id) if r is not None]
        for pk, region_id, parent_id in Project.objects.filter(pk__in=project_ids).values_list("pk", "region_id", "region__parent_id")
    }
    rows = [
        PeriodItem(
            period=closed,
            kind=i.type,
            object_id=i.id,
            title=i.title[:300],
            project_id=i.project_id,
            project_name=i.project_name or "",
            department_id_at_close=i.department_id,
            department_name=i.department_name or "",
            leader_id_at_close=i.leader_id,
            leader_position=i.leader_position or "",
            leader_ids=list(i.leader_ids),
            region_ids=regions.get(i.project_id, []),
            due_date=i.due_date,
            days_overdue=i.days_overdue,
            working_days_overdue=i.working_days_overdue,
            days_left=i.days_left,
            working_days_left=i.working_days_left,
            light=i.light,
            link=i.link[:300],
            sort_order=n,
        )
        for n, i in enumerate(items)
    ]
    PeriodItem.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _freeze_unit_board(period: Period) -> list[dict]:
    """The department ranking of the unit board read on the period's last day, as the 通报 reads it."""
    from .units import unit_board

    board = unit_board(ctx=light_context(today=period.last_day))
    return [{**dataclasses.asdict(u), "order": list(u.order)} for u in board.departments]


def frozen_unit_board(year: int, month: int) -> list | None:
    """The department ranking frozen at the close of (year, month) (UnitFigures), or None while open."""
    from .units import UnitFigures

    closed = closed_period(year, month)
    if closed is None:
        return None
    return [UnitFigures(**{**u, "order": tuple(u.get("order") or ())}) for u in closed.unit_board]


def _parse_period(year: int, month: int) -> Period:
    try:
        return Period(int(year), int(month))
    except (TypeError, ValueError) as exc:
        raise ValidationError({"period": "报告期不正确，月份应在1至12之间。"}) from exc


@transaction.atomic
def period_close(*, actor: Actor, year: int, month: int, today: dt.date | None = None, reason: str = "") -> PeriodClose:
    """Close (year, month): freeze every live project's figures and lights as of its end, and the due
    items as of its end. The office only; a month that is not over, or is closed already, is refused."""
    require(actor, "close", PeriodClose)
    today = today or timezone.localdate()
    period = _parse_period(year, month)
    _check_closable(period, today)
    now = timezone.now()
    closed = PeriodClose.objects.select_for_update().filter(year=period.year, month=period.month).first()
    if closed is not None and closed.is_closed:
        raise ValidationError({"period": f"{period.label}已关账（{timezone.localtime(closed.closed_at):%Y-%m-%d %H:%M}），不能重复关账。"})
    if closed is None:
        closed = PeriodClose(year=period.year, month=period.month, closed_at=now)
    closed.status, closed.closed_at, closed.closed_by = PeriodStatus.CLOSED, now, actor
    closed.full_clean(validate_unique=False)
    closed.save()
    ctx = period_end_context(period)
    closed.project_count = _freeze_figures(closed, period, today, ctx)
    closed.item_count = _freeze_items(closed, ctx)
    closed.unit_board = _freeze_unit_board(period)
    closed.save(update_fields=["project_count", "item_count", "unit_board"])
    PeriodCloseEvent.objects.create(period=closed, action=PeriodAction.CLOSE, actor=actor, at=now, reason=(reason or "").strip())
    return closed


@transaction.atomic
def period_reopen(*, actor: Actor, year: int, month: int, reason: str) -> PeriodClose:
    """Reopen a closed month (reason required): its figures are live again until it is closed again."""
    require(actor, "reopen", PeriodClose)
    if not (reason or "").strip():
        raise ValidationError({"reason": "重新打开已关账的月份必须填写原因。"})
    period = _parse_period(year, month)
    closed = PeriodClose.objects.select_for_update().filter(year=period.year, month=period.month).first()
    if closed is None or not closed.is_closed:
        raise ValidationError({"period": f"{period.label}尚未关账，无需重新打开。"})
    closed.status = PeriodStatus.REOPENED
    closed.save(update_fields=["status"])
    PeriodCloseEvent.objects.create(period=closed, action=PeriodAction.REOPEN, actor=actor, at=timezone.now(), reason=reason.strip())
    return closed


# --- the automatic close -----------------------------------------------------------------------


def close_setting() -> CloseSetting:
    """The office's automatic-close setting (the defaults until it saves one)."""
    return CloseSetting.objects.order_by("pk").first() or CloseSetting()


@transaction.atomic
def close_setting_save(*, actor: Actor, auto_close: bool, working_days_after_deadline: int) -> CloseSetting:
    require(actor, "change", CloseSetting)
    setting = CloseSetting.objects.select_for_update().order_by("pk").first() or CloseSetting()
    setting.auto_close, setting.working_days_after_deadline = auto_close, working_days_after_deadline
    setting.full_clean()
    setting.save()
    return setting


def close_day(period: Period, setting: CloseSetting | None = None) -> dt.date:
    """The day `period` closes by itself: the N-th working day after its report deadline (次月N日,
    moved to a working day by the calendar)."""
    return close_days([period], setting)[period]


def close_days(periods: list[Period], setting: CloseSetting | None = None) -> dict[Period, dt.date]:
    """`close_day` of each period, with the filing rule read once and one working-day index over
    them all (the periods page lists two years of months)."""
    from apps.lights.models import RuleCode
    from apps.workcalendar.services import WorkdayIndex, add_working_days

    if not periods:
        return {}
    setting = setting or close_setting()
    due_day = rule_thresholds(RuleCode.REPORT_FILING).report_due_day
    days = setting.working_days_after_deadline
    nominal = [nominal_deadline(period, due_day) for period in periods]
    # Wide enough for a deadline moved past holidays (report_deadline looks 20 days ahead) and then
    # `days` working days on (add_working_days' span): no month falls back to a calendar read of its own.
    index = WorkdayIndex.spanning(*nominal, margin_days=20 + 2 * abs(days) + 31)
    deadlines = {period: report_deadline(period, due_day, index) for period in periods}
    return {period: add_working_days(start=deadline, days=days, index=index) for period, deadline in deadlines.items()}


def close_due_period(*, today: dt.date) -> PeriodClose | None:
    """Close the latest report period when its close day has come (or passed: a stopped beat catches
    up). Idempotent: a month with any close record — closed, or reopened by the office — is left alone."""
    setting = close_setting()
    if not setting.auto_close:
        return None
    period = Period.of(today).previous
    if today < close_day(period, setting):
        return None
    if PeriodClose.objects.filter(year=period.year, month=period.month).exists():
        return None
    try:
        return period_close(actor=None, year=period.year, month=period.month, today=today, reason="按设定自动关账")
    except ValidationError:
        # A concurrent run (or the office's button) closed it first.
        if PeriodClose.objects.filter(year=period.year, month=period.month).exists():
            return None
        raise


# --- corrections -------------------------------------------------------------------------------

FIGURE_FIELDS = {
    "stats_ytd_completed": "纳统年初至今完成投资（统计局联网直报，万元）",
    "in_stats_db": "入库纳统",
}
FROZEN_LABELS = {
    "month_completed": "本月完成投资（冻结，万元）",
    "ytd": "年初至今完成投资（冻结，万元）",
    "until_period": "至报告期末累计完成（冻结，万元）",
    "prior_ytd": "上年同期完成投资（冻结，万元）",
}


def shown(value) -> str:
    """A value as a correction record prints it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _money(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"value": "请填写金额（万元），如 1234.56。"}) from exc
    if not amount.is_finite() or amount < 0:
        raise ValidationError({"value": "金额不能为负数。"})
    if amount != amount.quantize(Decimal("0.01")) or abs(amount) >= Decimal("1e14"):
        raise ValidationError({"value": "金额最多14位整数、2位小数（万元）。"})
    return amount.quantize(Decimal("0.01"))


def _flag(value) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValidationError({"value": "入库纳统应为 true、false 或 null。"})


@transaction.atomic
def period_figure_correct(*, actor: Actor, project: Project, year: int, month: int, field: str, value, reason: str) -> PeriodFigure:
    """The office enters or corrects a closed month's 统计局 figure (纳统 YTD) or 纳统 flag with a
    reason; the old and new values are kept in a FigureCorrection."""
    require(actor, "correct", PeriodFigure)
    if not (reason or "").strip():
        raise ValidationError({"reason": "更正必须填写原因。"})
    if field not in FIGURE_FIELDS:
        allowed = "、".join(FIGURE_FIELDS)
        raise ValidationError({"field": f"只能更正以下冻结数字：{allowed}；单位填报的完成投资请更正月报。"})
    period = _parse_period(year, month)
    closed = closed_period(period.year, period.month)
    if closed is None:
        raise ValidationError({"period": f"{period.label}尚未关账；统计局数字在关账后录入。"})
    figure = PeriodFigure.objects.select_for_update().filter(period=closed, project=project).first()
    if figure is None:
        raise ValidationError({"project": f"该项目不在{period.label}关账时的在库项目中。"})
    new = _money(value) if field == "stats_ytd_completed" else _flag(value)
    old = getattr(figure, field)
    if old == new:
        raise ValidationError({"value": "新值与原值相同，无需更正。"})
    setattr(figure, field, new)
    figure.save(update_fields=[field])
    FigureCorrection.objects.create(
        kind=CorrectionKind.FIGURE,
        project=project,
        year=period.year,
        month=period.month,
        field=field,
        field_label=FIGURE_FIELDS[field],
        old_value=shown(old),
        new_value=shown(new),
        reason=reason.strip(),
        corrected_by=actor,
        corrected_at=timezone.now(),
    )
    return figure


def record_report_correction(
    *, actor: Actor, corrected_by, report, before: dict[str, object], changed: list[str], reason: str, at: dt.datetime
) -> None:
    """An approved report corrected in the open (apps.core.corrections, announced by the progress
    service in its transaction): one FigureCorrection per changed field (who, when, why, old → new),
    and the closed months' frozen figures moved when 本月完成投资 changed."""
    FigureCorrection.objects.bulk_create(
        [
            FigureCorrection(
                kind=CorrectionKind.REPORT,
                project_id=report.project_id,
                year=report.year,
                month=report.month,
                report=report,
                field=name,
                field_label=str(getattr(ProgressReport._meta.get_field(name), "verbose_name", name)),
                old_value=shown(before[name]),
                new_value=shown(getattr(report, name)),
                reason=reason,
                corrected_by=corrected_by,
                corrected_at=at,
            )
            for name in changed
        ]
    )
    if "period_completed" in changed:
        old_amount = cast(Decimal, before["period_completed"])  # the report's stored figure (a DecimalField)
        apply_report_correction(actor=actor, report=report, old_amount=old_amount, new_amount=report.period_completed, reason=reason, at=at)


def apply_report_correction(
    *, actor: Actor, report, old_amount: Decimal, new_amount: Decimal, reason: str, at: dt.datetime
) -> list[FigureCorrection]:
    """Carry the office's correction of an approved report's 本月完成投资 into the frozen rows it is
    part of: its own month (本月, 年初至今, 累计), the later closed months of the same year (年初至今,
    累计), the closed months of later years (累计) and, in the next year, 上年同期 from the same month
    on. One FigureCorrection per frozen figure changed. Constant queries in the number of months."""
    delta = Decimal(new_amount) - Decimal(old_amount)
    if not delta:
        return []
    year, month = report.year, report.month
    later = Q(year=year, month__gte=month) | Q(year__gt=year)
    figures = PeriodFigure.objects.select_for_update().filter(later, project_id=report.project_id, period__status=PeriodStatus.CLOSED)
    corrections, changed = [], []
    for figure in figures.order_by("year", "month"):
        touched = []
        if (figure.year, figure.month) == (year, month):
            touched.append("month_completed")
        if figure.year == year:
            touched.append("ytd")
        touched.append("until_period")
        if figure.year == year + 1 and figure.month >= month:
            touched.append("prior_ytd")
        for name in touched:
            old = getattr(figure, name)
            setattr(figure, name, old + delta)
            corrections.append(
                FigureCorrection(
                    kind=CorrectionKind.FROZEN,
                    project_id=report.project_id,
                    year=figure.year,
                    month=figure.month,
                    report=report,
                    field=name,
                    field_label=FROZEN_LABELS[name],
                    old_value=shown(old),
                    new_value=shown(old + delta),
                    reason=reason,
                    corrected_by=actor,
                    corrected_at=at,
                )
            )
        changed.append(figure)
    if changed:
        PeriodFigure.objects.bulk_update(changed, list(FROZEN_LABELS))
        FigureCorrection.objects.bulk_create(corrections)
    return corrections


# --- the 统计局 gap ------------------------------------------------------------------------------


def stats_gap_light(figure: PeriodFigure) -> str | None:
    """Yellow when the department's YTD and the 统计局 YTD differ by more than
    STATS_BUREAU_GAP_YELLOW_PCT percent of the larger of the two; green otherwise; None before the
    统计局 figure is entered."""
    gap = figure.stats_gap
    if gap is None:
        return None
    base = max(figure.ytd, figure.stats_ytd_completed or ZERO)
    if not base:
        return Light.GREEN.value
    threshold = Decimal(str(settings.STATS_BUREAU_GAP_YELLOW_PCT))
    return (Light.YELLOW if abs(gap) * 100 > threshold * base else Light.GREEN).value


# --- lists -------------------------------------------------------------------------------------


def correction_list(*, project_id: int | None = None, year: int | None = None, month: int | None = None) -> QuerySet[FigureCorrection]:
    """Corrections, newest first, with who made them (one query for a page)."""
    qs = FigureCorrection.objects.select_related("project", "corrected_by").order_by("-corrected_at", "-id")
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    if year is not None:
        qs = qs.filter(year=year)
    if month is not None:
        qs = qs.filter(month=month)
    return qs


def period_list(*, today: dt.date) -> list[dict]:
    """The months from January of last year to the latest report period, newest first, with their
    close state (two queries)."""
    latest = Period.of(today).previous
    rows = {(p.year, p.month): p for p in PeriodClose.objects.select_related("closed_by")}
    periods, period = [], latest
    while period.year >= latest.year - 1:
        periods.append(period)
        period = period.previous
    extra = [Period(y, m) for (y, m) in rows if Period(y, m) not in periods]
    result = []
    for p in sorted([*periods, *extra], reverse=True):
        row = rows.get((p.year, p.month))
        result.append(
            {
                "period": p.key,
                "year": p.year,
                "month": p.month,
                "label": p.label,
                "status": row.status if row else "open",
                "status_label": row.get_status_display() if row else "未关账",
                "closed_at": row.closed_at if row else None,
                "closed_by": str(row.closed_by) if row and row.closed_by else ("系统" if row else None),
                "project_count": row.project_count if row else None,
                "item_count": row.item_count if row else None,
                "row": row,
            }
        )
    return result
