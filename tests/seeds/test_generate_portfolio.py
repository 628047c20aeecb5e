"""generate_portfolio: a benchmark portfolio in the demo's proportions, reproducible, insert-only and usable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Sum

from apps.milestones.models import Milestone
from apps.problems.models import Problem
from apps.progress.models import ProgressReport
from apps.projects.codes import check_project_code
from apps.projects.models import AnnualPlan, MonthlyTarget, Project
from seeds.portfolio import generate_portfolio
from seeds.reference import load_reference
from tests.api.world import build_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

N = 40


def _snapshot() -> list[tuple]:
    """What a generated portfolio is, without ids or timestamps: every project with its children's figures."""
    milestones = dict(Milestone.objects.values("project__name").annotate(n=Count("id")).values_list("project__name", "n"))
    done = dict(Milestone.objects.filter(status="done").values("project__name").annotate(n=Count("id")).values_list("project__name", "n"))
    reports = dict(ProgressReport.objects.values("project__name").annotate(s=Sum("period_completed")).values_list("project__name", "s"))
    problems = dict(Problem.objects.values("project__name").annotate(n=Count("id")).values_list("project__name", "n"))
    rows = Project.objects.order_by("name").values_list(
        "name", "primary_code", "total_investment", "planned_start", "planned_finish", "actual_start", "region__code", "build_status"
    )
    return [(*row, milestones.get(row[0]), done.get(row[0]), reports.get(row[0]), problems.get(row[0])) for row in rows]


def _table_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_counts_are_in_the_demo_proportions_and_match_the_database(reference):
    before = _table_counts()
    counts = generate_portfolio(N, seed=3)
    after = _table_counts()
    added = {label: after[label] - before[label] for label in after}
    assert counts["projects"] == added["projects.Project"] == N
    assert counts["annual_plans"] == added["projects.AnnualPlan"] == N
    assert counts["monthly_targets"] == added["projects.MonthlyTarget"] == 12 * N
    assert counts["milestones"] == added["milestones.Milestone"]
    assert counts["reports"] == added["progress.ProgressReport"]
    assert counts["problems"] == added["problems.Problem"]
    assert counts["responsibilities"] == added["projects.ProjectResponsibility"]
    assert counts["users"] == added["accounts.User"] > 0
    # Demo: ~20 milestones, ~8 reports (this year only) per project; the province: 15 and 12, 0.75 problems, 4.8 responsibilities.
    assert 15 * N <= counts["milestones"] <= 25 * N
    assert 7 * N <= counts["reports"] <= 15 * N
    assert 0.3 * N <= counts["problems"] <= 1.5 * N
    assert 3.5 * N <= counts["responsibilities"] <= 6 * N
    assert 0 < counts["land_acquisitions"] < N
    # Most reports approved, some waiting; something overdue and something done among the milestones.
    statuses = dict(ProgressReport.objects.values("status").annotate(n=Count("id")).values_list("status", "n"))
    assert statuses["approved"] > 0.8 * counts["reports"]
    milestone_statuses = set(Milestone.objects.values_list("status", flat=True))
    assert {"done", "doing", "todo"} <= milestone_statuses
    assert Problem.objects.filter(status__in=["resolved", "closed"], resolved_at__isnull=False).exists()
    assert Problem.objects.exclude(status__in=["resolved", "closed"]).exists()
    # Monthly targets add up to the annual plan; this year's approved reports stay within it.
    for plan in AnnualPlan.objects.annotate(months=Sum("monthly_targets__plan_investment")):
        assert plan.months == plan.annual_plan
    for project in Project.objects.annotate(done=Sum("progress_reports__period_completed")):
        plan = project.annual_plans.get()
        this_year = ProgressReport.objects.filter(project=project, year=plan.year).aggregate(s=Sum("period_completed"))["s"]
        assert (this_year or Decimal("0")) <= plan.annual_plan * Decimal("1.2")
    assert MonthlyTarget.objects.count() == 12 * N


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(reference):
    with transaction.atomic():
        generate_portfolio(N, seed=7)
        first = _snapshot()
        transaction.set_rollback(True)
    assert not Project.objects.exists()
    with transaction.atomic():
        generate_portfolio(N, seed=7)
        second = _snapshot()
        transaction.set_rollback(True)
    generate_portfolio(N, seed=8)
    other = _snapshot()
    assert len(first) == N
    assert first == second
    assert other != first


def test_every_code_passes_the_project_validation_and_is_unique(reference):
    generate_portfolio(N, seed=1)
    projects = list(Project.objects.all())
    codes = [p.primary_code for p in projects if p.primary_code]
    assert len(codes) == len(set(codes)) >= N - 2
    for project in projects:
        if project.primary_code:
            result = check_project_code(project.primary_code, allow_legacy=project.code_is_legacy)
            assert result.code == project.primary_code
            assert result.is_legacy == project.code_is_legacy
        # Field validators and the model's clean(): what the admin and the API would check on save.
        project.full_clean(validate_constraints=False)
    national = [p for p in projects if p.primary_code and not p.code_is_legacy]
    assert len(national) > 0.9 * N
    assert not any(p.primary_code.split("-")[1].startswith("43") for p in national)  # never the demo's province


def test_the_generated_portfolio_answers_the_api():
    world = build_world()  # the API tests' portfolio first: its leader positions are the reference data's
    load_reference()
    generate_portfolio(N, seed=2)
    office = world.client("office")
    projects = office.get("/api/v1/projects/", {"page_size": 100})
    assert projects.status_code == 200
    assert projects.json()["count"] == N + 2
    overdue = office.get("/api/v1/overdue/", {"page_size": 200})
    assert overdue.status_code == 200
    assert overdue.json()["count"] > 0
    summary = office.get("/api/v1/stats/summary/")
    assert summary.status_code == 200
    total = summary.json()["total"]
    assert total["project_count"] >= N
    assert Decimal(total["annual_plan"]) == AnnualPlan.objects.aggregate(s=Sum("annual_plan"))["s"]
    for group_by in ("department", "region", "leader", "category"):
        assert office.get("/api/v1/stats/summary/", {"group_by": group_by}).status_code == 200
    # A generated department account works (department users read the whole ledger).
    from rest_framework.test import APIClient

    from apps.accounts.models import User

    user = User.objects.filter(username__startswith="g2-", role="department", department__responsibilities__role="lead_dept").first()
    client = APIClient()
    client.force_authenticate(user)
    mine = client.get("/api/v1/projects/")
    assert mine.status_code == 200
    assert mine.json()["count"] == N + 2


def test_a_second_run_with_the_same_seed_refuses_before_writing(reference):
    generate_portfolio(N, seed=4)
    before = _table_counts()
    with pytest.raises(CommandError, match="已有要生成的"):
        generate_portfolio(N, seed=4)
    assert _table_counts() == before


def test_the_command_prints_progress_and_a_summary(reference, capsys):
    call_command("generate_portfolio", projects=N, seed=5)
    out, err = capsys.readouterr()
    assert f"项目 {N}/{N} [####################] 100%" in err
    assert f"项目：{N}" in out
    assert "各阶段用时" in out


def test_existing_rows_are_untouched(demo_module):
    """Generated next to the demo portfolio: no demo row changes, none disappears."""

    def rows(model, pks=None) -> dict:
        queryset = model.objects.all() if pks is None else model.objects.filter(pk__in=list(pks))
        return {row[model._meta.pk.attname]: row for row in queryset.values()}

    # The stored due items and their light days are the system's copy of what is due, not anyone's
    # data: the generator brings them to today for the whole ledger (as the nightly pass does).
    # Likewise the statistics' stored rows and the stamps the database bumps on every write.
    derived = {"lights.DueItem", "lights.DueLightDay", "lights.DueItemsDay", "stats.LiveFigure", "stats.FigureStamp"}
    before = {m._meta.label: rows(m) for m in apps.get_models() if m.objects.exists() and m._meta.label not in derived}
    counts = generate_portfolio(N, seed=1)
    for label, old in before.items():
        assert rows(apps.get_model(label), old) == old, label
    assert Project.objects.count() == len(before["projects.Project"]) + counts["projects"]
