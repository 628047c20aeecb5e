from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.projects.models import AnnualPlan, Project
from apps.projects.plans import annual_plan_create
from apps.projects.responsibilities import responsibility_assign
from apps.projects.services import project_archive, project_create, project_update
from tests.factories import LeaderFactory, ProjectCategoryFactory, ProjectFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return UserFactory()


@pytest.fixture
def data():
    return {
        "name": "高铁古丈西站进站路及站前广场项目",
        "primary_code": "2024-433126-48-01-000011",
        "category": ProjectCategoryFactory(),
        "investment_mode": "approval",
        "region": RegionFactory(),
        "start_year": 2024,
        "end_year": 2026,
        "total_investment": Decimal("68000"),
    }


def test_project_create_with_a_good_code(actor, data):
    result = project_create(actor=actor, data=data)
    assert result.warnings == []
    assert result.project.primary_code == "2024-433126-48-01-000011"
    assert result.project.created_by == actor


def test_a_malformed_project_code_is_refused_and_nothing_is_saved(actor, data):
    data["primary_code"] = "2024-433126-48-01"
    with pytest.raises(ValidationError) as exc:
        project_create(actor=actor, data=data)
    assert "24位" in exc.value.message_dict["primary_code"][0]
    assert not Project.objects.exists()


def test_a_legacy_code_is_accepted_with_a_warning_when_flagged(actor, data):
    data |= {"primary_code": "WH-2019-0087", "code_is_legacy": True}
    result = project_create(actor=actor, data=data)
    assert result.project.code_is_legacy
    assert result.warnings
    assert "旧编码" in result.warnings[0]
    assert Project.objects.get().code_warning == result.warnings[0]


def test_a_legacy_code_without_the_flag_is_refused(actor, data):
    data["primary_code"] = "WH-2019-0087"
    with pytest.raises(ValidationError, match="旧编码"):
        project_create(actor=actor, data=data)
    assert not Project.objects.exists()


def test_negative_investment_is_refused(actor, data):
    data["total_investment"] = Decimal("-1")
    with pytest.raises(ValidationError) as exc:
        project_create(actor=actor, data=data)
    assert exc.value.message_dict == {"total_investment": ["金额不能为负数。"]}
    assert not Project.objects.exists()


def test_an_end_before_its_start_is_refused(actor, data):
    data |= {"start_year": 2026, "end_year": 2025}
    with pytest.raises(ValidationError) as exc:
        project_create(actor=actor, data=data)
    assert "建设截止年不能早于建设起始年。" in exc.value.messages
    import datetime as dt

    data |= {"start_year": 2025, "end_year": 2026, "planned_start": dt.date(2025, 5, 1), "planned_finish": dt.date(2025, 4, 1)}
    with pytest.raises(ValidationError) as exc:
        project_create(actor=actor, data=data)
    assert "计划竣工日期不能早于计划开工日期。" in exc.value.messages
    assert not Project.objects.exists()


def test_a_failed_update_changes_nothing(actor):
    project = ProjectFactory(total_investment=Decimal("100"))
    with pytest.raises(ValidationError):
        project_update(actor=actor, project=project, data={"name": "改名", "total_investment": Decimal("-5")})
    project.refresh_from_db()
    assert (project.name, project.total_investment) == (project.name, Decimal("100"))
    assert project.history.count() == 1


def test_fixed_assets_above_total_investment_are_refused(actor, data):
    data["fixed_asset_investment"] = Decimal("70000")
    with pytest.raises(ValidationError, match="固定资产投资不能大于计划总投资"):
        project_create(actor=actor, data=data)


@pytest.mark.parametrize(
    "values",
    [
        {"total_investment": Decimal("-1")},
        {"start_year": 2026, "end_year": 2020},
    ],
)
def test_the_database_itself_holds_the_constraints(values):
    project = ProjectFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(**values)


def test_one_plan_per_project_and_year(actor):
    project = ProjectFactory()
    annual_plan_create(
        actor=actor,
        project=project,
        year=2026,
        data={"annual_role": "new", "annual_plan": Decimal("500")},
        monthly={3: {"plan_investment": Decimal("100")}},
    )
    # A second plan for the year is refused, not a silent replacement (see tests/projects/test_plans.py).
    with pytest.raises(ValidationError, match="已有年度计划"):
        annual_plan_create(actor=actor, project=project, year=2026, data={"annual_role": "new", "annual_plan": Decimal("800")})
    plan = AnnualPlan.objects.get()
    assert plan.annual_plan == Decimal("500")
    assert plan.monthly_targets.get().month == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualPlan.objects.create(project=project, year=2026, annual_role="new", annual_plan=1)


def test_negative_annual_plan_is_refused(actor):
    with pytest.raises(ValidationError, match="金额不能为负数"):
        annual_plan_create(actor=actor, project=ProjectFactory(), year=2026, data={"annual_role": "new", "annual_plan": Decimal("-3")})
    assert not AnnualPlan.objects.exists()


def test_a_leader_responsibility_needs_a_leader(actor):
    project = ProjectFactory()
    with pytest.raises(ValidationError, match="必须选择县级领导"):
        responsibility_assign(actor=actor, project=project, data={"role": "leader"})
    item = responsibility_assign(actor=actor, project=project, data={"role": "leader", "leader": LeaderFactory(position="常务副区长")})
    assert str(item) == "包保（联系/挂点）县级领导：常务副区长"


def test_archive_keeps_the_row_and_its_history(actor):
    project = ProjectFactory()
    project_archive(actor=actor, project=project)
    project.refresh_from_db()
    assert project.archived_at is not None
    assert project.history.first().history_user == actor


def test_size_flags():
    assert ProjectFactory(total_investment=Decimal("10000")).is_over_100m
    assert not ProjectFactory(total_investment=Decimal("9999.99")).is_over_100m
    assert ProjectFactory(total_investment=Decimal("500")).is_over_5m


def test_an_update_of_the_row_as_read_is_refused_when_another_writer_saved_it_in_between(actor, data):
    from apps.core.versioning import StaleVersion

    office = UserFactory(role="office")
    # given the API's read of a project at version v (`as_read`: the service does not read it again)
    read = project_create(actor=office, data=data).project
    seen = read.version
    # and another writer saving it after that read
    project_update(actor=office, project=Project.objects.get(pk=read.pk), data={"remarks": "先保存的"})
    # when the first writer's change arrives with the version it read
    with pytest.raises(StaleVersion):
        project_update(actor=office, project=read, data={"remarks": "后到的"}, seen=seen, as_read=True)
    # then the first save stands
    assert Project.objects.get(pk=read.pk).remarks == "先保存的"


def test_an_update_of_the_row_as_read_at_its_version_is_saved_without_reading_it_again(actor, data, django_assert_max_num_queries):
    office = UserFactory(role="office")
    read = project_create(actor=office, data=data).project
    read = Project.objects.get(pk=read.pk)
    with django_assert_max_num_queries(5) as queries:  # savepoint, code check, UPDATE, history row, release
        project_update(actor=office, project=read, data={"remarks": "改了"}, seen=read.version, as_read=True)
    # the row is not read again (PostgreSQL would lock it: SELECT … FOR UPDATE; SQLite reads it plainly)
    assert not any(q["sql"].startswith('SELECT "projects_project"."id"') for q in queries.captured_queries)
    assert Project.objects.get(pk=read.pk).remarks == "改了"
