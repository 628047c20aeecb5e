"""An imported 开工时间 never leaves a project 未开工 with a start date: without a 建设状态 the
status comes along (未开工 → 已开工), with 建设状态 未开工 the row is refused and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.projects.models import AnnualRole, BuildStatus, Project
from apps.sheets.importer import sheet_import
from tests.factories import AnnualPlanFactory, ProjectFactory
from tests.sheets.conftest import tidy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

CODE = "2024-433126-48-01-000009"


@pytest.fixture
def existing(reference):
    return ProjectFactory(name="已有项目", primary_code=CODE)


def test_a_start_date_without_a_status_starts_the_project(office, existing):
    outcome = sheet_import(
        actor=office, content=tidy([["已有项目", CODE, 10000, "2026-03-02"]], header=["项目名称", "项目代码", "计划总投资", "开工时间"])
    )
    assert outcome.ok, outcome.errors
    existing.refresh_from_db()
    assert (existing.build_status, existing.actual_start) == (BuildStatus.STARTED, dt.date(2026, 3, 2))


def test_a_start_date_with_status_not_started_refuses_the_row_and_writes_nothing(office, existing):
    content = tidy(
        [["已有项目", CODE, 10000, "2026-03-02", "未开工"]], header=["项目名称", "项目代码", "计划总投资", "开工时间", "建设状态"]
    )
    existing.build_status, existing.actual_start = "started", dt.date(2026, 1, 5)
    existing.save()
    outcome = sheet_import(actor=office, content=content)
    assert not outcome.ok
    assert any("未开工" in e.message and "实际开工日期" in e.message for e in outcome.errors)
    assert all(e.row is not None for e in outcome.errors)
    existing.refresh_from_db()
    assert (existing.build_status, existing.actual_start) == (BuildStatus.STARTED, dt.date(2026, 1, 5))


def test_a_status_started_without_any_start_date_is_refused(office, existing):
    outcome = sheet_import(
        actor=office, content=tidy([["已有项目", CODE, 10000, "在建"]], header=["项目名称", "项目代码", "计划总投资", "建设状态"])
    )
    assert not outcome.ok
    assert any("没有实际开工日期" in e.message for e in outcome.errors)
    assert Project.objects.get(pk=existing.pk).build_status == BuildStatus.NOT_STARTED


def test_a_row_that_starts_last_year_and_turns_the_plan_continuing_is_one_consistent_change(office, existing):
    AnnualPlanFactory(project=existing, year=2026, annual_role=AnnualRole.NEW_START)
    content = tidy([["已有项目", CODE, 10000, "2025-09-01", "续建"]], header=["项目名称", "项目代码", "计划总投资", "开工时间", "年度属性"])
    outcome = sheet_import(actor=office, content=content)
    assert outcome.ok, outcome.errors
    existing.refresh_from_db()
    assert existing.actual_start == dt.date(2025, 9, 1)
    assert existing.annual_plans.get().annual_role == AnnualRole.CONTINUING
