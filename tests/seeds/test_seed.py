import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from apps.core.models import Light
from apps.land.models import LandAcquisition
from apps.lights.selectors import annotate_milestone_lights, annotate_problem_lights, annotate_project_lights, light_context
from apps.milestones.models import Milestone
from apps.organization.models import Leader
from apps.problems.models import Problem
from apps.progress.models import ProgressReport
from apps.projects.models import AnnualPlan, Project

pytestmark = pytest.mark.django_db

SPEECH_PROJECTS = [
    "新钢转炉升级改造",
    "光伏发电",
    "特钢均质合金",
    "垃圾焚烧发电",
    "新钢物流信息中心",
    "高铁古丈西站进站路及站前广场",
    "古罗大道、罗凤公路一期",
    "罗依溪220千伏输变电站",
    "高铁新城—中伟世纪城综合体",
    "德宝恒嘉双胞胎古丈生态养殖",
    "东方天润油茶生产线",
    "古阳河城市风光带",
    "古城子河9公里湿地公园观光走廊",
]


def _counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.fixture
def demo(demo_module, db):
    return None


def test_seed_demo_twice_leaves_the_same_row_counts(demo):
    first = _counts()
    call_command("seed", demo=True, verbosity=0)
    assert _counts() == first
    assert first["projects.Project"] >= 30


def test_demo_has_the_projects_the_speeches_name(demo):
    names = list(Project.objects.values_list("name", flat=True))
    for fragment in SPEECH_PROJECTS:
        assert any(fragment in name for name in names), fragment


def test_demo_uses_the_speech_figures(demo):
    station = Project.objects.get(name="高铁古丈西站进站路及站前广场项目")
    assert AnnualPlan.objects.get(project=station).annual_plan == Decimal("22000")  # "完成投资2.2亿元"
    assert Project.objects.get(short_name="新钢转炉升级改造").total_investment > Decimal("150000")  # "超15亿元"
    assert Project.objects.get(short_name="特钢均质合金").total_investment >= Decimal("50000")  # "5亿元以上"
    assert AnnualPlan.objects.get(project__short_name="古阳河城市风光带").annual_plan == Decimal("7000")
    assert AnnualPlan.objects.get(project__short_name="东方天润油茶生产线").annual_plan == Decimal("8000")


def test_every_demo_project_has_a_leader_by_position_a_department_and_a_liaison(demo):
    for project in Project.objects.prefetch_related("responsibilities"):
        roles = Counter(r.role for r in project.responsibilities.all())
        assert (roles["leader"], roles["lead_dept"], roles["liaison"]) == (1, 1, 1), project
    positions = set(Leader.objects.values_list("position", flat=True))
    assert "常务副区长" in positions
    assert all(p.endswith(("书记", "长")) for p in positions)  # positions, never personal names


def test_demo_has_milestones_reports_land_and_problems(demo):
    assert Milestone.objects.filter(template_item__isnull=False).count() > 300
    assert ProgressReport.objects.filter(status="approved").count() > 100
    assert set(ProgressReport.objects.values_list("status", flat=True)) == {"approved", "submitted", "returned", "draft"}
    land_projects = set(LandAcquisition.objects.values_list("project__short_name", flat=True))
    assert {"古丈西站进站路及站前广场", "古罗大道、罗凤公路一期", "煤研地块开发"} <= land_projects
    assert Problem.objects.exclude(status="closed").count() >= 10
    assert Project.objects.filter(code_is_legacy=True).count() == 1


def test_demo_shows_every_light_colour(demo):
    ctx = light_context(today=timezone.localdate())
    for qs in (
        annotate_project_lights(Project.objects.all(), ctx),
        annotate_milestone_lights(Milestone.objects.all(), ctx),
        annotate_problem_lights(Problem.objects.all(), ctx),
    ):
        assert set(qs.values_list("light", flat=True)) == set(Light.values), qs.model


def test_demo_dates_are_relative_to_today(demo):
    today = timezone.localdate()
    assert Milestone.objects.filter(planned_date__lt=today, status__in=["todo", "doing", "blocked"]).exists()
    assert Milestone.objects.filter(planned_date__gte=today, planned_date__lte=today + dt.timedelta(days=10)).exists()
