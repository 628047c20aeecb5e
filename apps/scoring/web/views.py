"""绩效考核: the ranking of departments or towns under the year's scheme, for a month, a quarter or
the year, each score with the evidence behind it, and the same figures as an .xlsx.

The scores come from `apps.scoring.selectors.score_board` (the rules are written there); this
module only picks the scheme and the period and prints what the board says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from apps.accounts.policy import is_office
from apps.core.xlsx import Column, add_sheet, add_table, new_workbook, print_setup, xlsx_response
from apps.lights.selectors import report_period
from apps.scoring.models import AssessmentScheme, TargetKind
from apps.scoring.selectors import PERIOD_KINDS, ScoreRow, default_number, period_of, scheme_for, score_board

HUNDREDTH = Decimal("0.01")


class BoardForm(forms.Form):
    kind = forms.ChoiceField(label="考核对象", choices=TargetKind.choices, required=False)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, required=False)
    period = forms.ChoiceField(label="考核周期", choices=list(PERIOD_KINDS.items()), required=False)
    number = forms.IntegerField(label="月份/季度", min_value=1, max_value=12, required=False)


@dataclass
class Choice:
    kind: str
    year: int
    period: str
    number: int


def _choice(request: HttpRequest, today: dt.date) -> Choice:
    """The page's choice from the query string; anything invalid falls back to the latest period."""
    form = BoardForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or report_period(today)[0]
    period = data.get("period") or "month"
    number = data.get("number") or default_number(period, year, today)
    if period == "quarter" and number > 4:
        number = default_number(period, year, today)
    return Choice(data.get("kind") or TargetKind.DEPARTMENT, year, period, number)


def _number(value: Any) -> str:
    """A Decimal as printed on the page: at most two decimals, no trailing zeros."""
    if isinstance(value, Decimal):
        text = format(value.quantize(HUNDREDTH), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return "—" if value is None else str(value)


def _entry(entry: dict) -> dict:
    """One project or deduction of the evidence, as a line (with a link for a project)."""
    if "reason" in entry:
        return {"text": f"{entry['date']:%Y-%m-%d} {entry['reason']}（扣{_number(entry['points'])}分）", "url": ""}
    basis = entry.get("basis") or (f"计划开工 {entry['planned_start']:%Y-%m-%d}" if entry.get("planned_start") else "")
    sign = "−" if "planned_start" in entry else "+"
    text = (
        f"{entry['name']}（{basis}，{sign}{_number(entry['points'])}分）"
        if basis
        else f"{entry['name']}（{sign}{_number(entry['points'])}分）"
    )
    return {"text": text, "url": reverse("web:project-detail", args=[entry["id"]])}


def evidence_lines(evidence: dict) -> list[dict]:
    """The evidence dict as labelled lines: a value, or a list of entries."""
    lines = []
    for label, value in evidence.items():
        if isinstance(value, list):
            lines.append({"label": label, "entries": [_entry(e) for e in value], "text": "" if value else "无"})
        else:
            lines.append({"label": label, "entries": [], "text": _number(value)})
    return lines


def evidence_text(evidence: dict) -> str:
    """The evidence in one cell of the workbook."""
    parts = []
    for line in evidence_lines(evidence):
        entries = "；".join(e["text"] for e in line["entries"])
        parts.append(f"{line['label']}：{entries or line['text']}")
    return "\n".join(parts)


def _board(request: HttpRequest) -> tuple[Choice, AssessmentScheme | None, list[ScoreRow], str]:
    today = timezone.localdate()
    choice = _choice(request, today)
    scheme = scheme_for(year=choice.year, target_kind=choice.kind)
    period = period_of(choice.period, choice.year, choice.number)
    if scheme is None:
        return choice, None, [], period.label
    return choice, scheme, score_board(scheme, period_kind=period.kind, year=period.year, number=period.number, today=today), period.label


def _query(choice: Choice) -> str:
    return f"kind={choice.kind}&year={choice.year}&period={choice.period}&number={choice.number}"


@login_required
def scoring(request: HttpRequest) -> HttpResponse:
    try:
        choice, scheme, rows, label = _board(request)
    except ValidationError as exc:  # an item edited into params that no longer validate
        choice, scheme, rows, label = _choice(request, timezone.localdate()), None, [], "；".join(exc.messages)
    items = [(i.item_id, i.name) for i in rows[0].items] if rows else []
    if scheme is not None and not rows:
        items = list(scheme.items.order_by("order", "id").values_list("pk", "name"))
    admin_url = ""
    if is_office(request.user):
        admin_url = (
            reverse("admin:scoring_assessmentscheme_change", args=[scheme.pk]) if scheme else reverse("admin:scoring_assessmentscheme_add")
        )
    years = sorted({choice.year, *AssessmentScheme.objects.values_list("year", flat=True)}, reverse=True)
    return render(
        request,
        "scoring/board.html",
        {
            "choice": choice,
            "scheme": scheme,
            "label": label,
            "kinds": TargetKind.choices,
            "periods": list(PERIOD_KINDS.items()),
            "years": years,
            "numbers": range(1, 5 if choice.period == "quarter" else 13),
            "items": items,
            "rows": [{"row": r, "scores": [(i, evidence_lines(i.evidence)) for i in r.items]} for r in rows],
            "target_label": TargetKind(choice.kind).label,
            "admin_url": admin_url,
            "export_url": reverse("web:scoring-export") + "?" + _query(choice),
        },
    )


@login_required
def scoring_export(request: HttpRequest) -> HttpResponse:
    """The ranking as an .xlsx: one sheet of scores (the page's table), one of the evidence."""
    try:
        choice, scheme, rows, label = _board(request)
    except ValidationError:  # a scheme item whose params no longer validate: the page says which
        return redirect(reverse("web:scoring") + "?" + request.GET.urlencode())
    kind_label = TargetKind(choice.kind).label
    title = f"{scheme.name if scheme else kind_label + '绩效考核'}（{label}）"
    item_names = [i.name for i in rows[0].items] if rows else []
    columns = [Column("名次", 6), Column(kind_label, 24), Column("项目数", 8)]
    columns += [Column(name, 12) for name in item_names] + [Column("总分", 10)]
    wb, ws = new_workbook("考核排名")
    add_table(
        ws,
        columns,
        [[r.rank, r.target_name, r.project_count, *[i.score for i in r.items], r.total] for r in rows],
        title=title,
    )
    print_setup(ws)
    detail = add_sheet(wb, "计分依据")
    add_table(
        detail,
        [
            Column("名次", 6),
            Column(kind_label, 20),
            Column("考核项目", 20),
            Column("原始值", 12),
            Column("得分", 10),
            Column("计分依据", 80),
        ],
        [[r.rank, r.target_name, i.name, i.raw_value, i.score, evidence_text(i.evidence)] for r in rows for i in r.items],
        title=f"{title}计分依据",
    )
    print_setup(detail)
    return xlsx_response(wb, f"{title}.xlsx")


urlpatterns = [
    path("scoring/", scoring, name="scoring"),
    path("scoring/export/", scoring_export, name="scoring-export"),
]
