"""The 驾驶舱's item tables and unit ranking counted in SQL over the stored items (`lit_counts`) equal
what building every item gives (`due_items`, `items_by_department`, `items_by_leader`, `unit_board`)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.lights.overdue import due_items, lit_counts
from apps.lights.selectors import light_context, stored_answers
from apps.projects.models import ProjectResponsibility, ResponsibilityRole
from apps.stats.dashboard import counted_by_department, counted_by_leader, items_by_department, items_by_leader
from apps.stats.units import unit_board

pytestmark = pytest.mark.django_db


def _assert_counts_agree() -> None:
    ctx = light_context(today=timezone.localdate())
    assert stored_answers(ctx)  # the seed brings the stored items to today
    items = due_items(ctx=ctx)
    assert any(i.light == "red" for i in items)
    assert any(i.light == "yellow" for i in items)
    assert counted_by_department(lit_counts(ctx, "department")) == items_by_department(items)
    assert counted_by_leader(lit_counts(ctx, "leader")) == items_by_leader(items)
    counted, built = unit_board(ctx=ctx, with_items=False), unit_board(ctx=ctx)
    assert counted.items == []
    assert counted.departments == built.departments
    assert counted.regions == built.regions


def test_the_counts_agree_with_the_items_on_the_demo(demo_module):
    _assert_counts_agree()


def test_a_leader_named_twice_on_a_project_counts_its_items_twice_as_the_items_say(demo_module):
    ctx = light_context(today=timezone.localdate())
    project_id = next(i.project_id for i in due_items(ctx=ctx) if i.project_id and i.leader_ids)
    lead = ProjectResponsibility.objects.filter(project_id=project_id, role=ResponsibilityRole.LEAD_LEADER).first()
    ProjectResponsibility.objects.create(project_id=project_id, role=ResponsibilityRole.LEAD_LEADER, leader=lead.leader)
    _assert_counts_agree()


def test_lit_counts_refuse_a_day_the_stored_items_do_not_answer_for(demo_module):
    import datetime as dt

    ctx = light_context(today=timezone.localdate() + dt.timedelta(days=3))
    with pytest.raises(ValueError, match="do not answer"):
        lit_counts(ctx, "department")
