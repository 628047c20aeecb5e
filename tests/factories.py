"""factory_boy factories, one per model."""

import datetime as dt
from decimal import Decimal

import factory

from apps.accounts.models import Role, User
from apps.land.models import LandAcquisition
from apps.lights.models import WarningRule
from apps.milestones.models import ApprovalTemplate, ApprovalTemplateItem, Milestone, Stage
from apps.organization.models import Department, Leader, Region, RegionKind
from apps.problems.models import Problem, ProblemCategory, SupervisionNotice
from apps.progress.models import ProgressReport
from apps.projects.models import AnnualPlan, AnnualRole, InvestmentMode, MonthlyTarget, Project, ProjectCategory, ProjectResponsibility
from apps.workcalendar.models import CalendarDay


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    # 12 digits (a village-level code): a 9-digit one ran out after 999 regions in one test session
    # and the 1000th was refused by the model ("行政区划代码应为6、9或12位数字"), failing later tests.
    code = factory.Sequence(lambda n: f"433126{n:06d}")
    name = factory.Sequence(lambda n: f"测试镇{n}")
    kind = RegionKind.TOWN


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"测试局{n}")
    short_name = factory.Sequence(lambda n: f"测{n}")


class LeaderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leader

    position = factory.Sequence(lambda n: f"分管副区长{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.PORTFOLIO_OFFICE
    password = factory.PostGenerationMethodCall("set_password", "pw-123456")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class ProjectCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectCategory
        django_get_or_create = ("code",)

    code = "infra"
    name = "基础设施项目"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"测试项目{n}")
    category = factory.SubFactory(ProjectCategoryFactory)
    investment_mode = InvestmentMode.GOV_APPROVAL
    region = factory.SubFactory(RegionFactory)
    start_year = 2026
    end_year = 2027
    total_investment = Decimal("10000")


class ProjectResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectResponsibility

    project = factory.SubFactory(ProjectFactory)
    role = "leader"
    leader = factory.SubFactory(LeaderFactory)


class AnnualPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualPlan

    project = factory.SubFactory(ProjectFactory)
    year = 2026
    annual_role = AnnualRole.CONTINUING
    annual_plan = Decimal("1200")


class MonthlyTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyTarget

    plan = factory.SubFactory(AnnualPlanFactory)
    month = 1
    plan_investment = Decimal("100")


class ProgressReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    project = factory.SubFactory(ProjectFactory)
    year = 2026
    month = 1
    period_completed = Decimal("100")


class ApprovalTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalTemplate

    name = factory.Sequence(lambda n: f"模板{n}")
    investment_mode = InvestmentMode.GOV_APPROVAL


class ApprovalTemplateItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalTemplateItem

    template = factory.SubFactory(ApprovalTemplateFactory)
    seq = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"item{n}")
    name = factory.Sequence(lambda n: f"要件{n}")
    stage = Stage.LAND_PLANNING


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"节点{n}")
    stage = Stage.CONSTRUCTION
    planned_date = dt.date(2026, 6, 30)


class LandAcquisitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LandAcquisition

    project = factory.SubFactory(ProjectFactory)
    parcel_name = factory.Sequence(lambda n: f"地块{n}")
    required_area_mu = Decimal("100")


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Problem

    project = factory.SubFactory(ProjectFactory)
    category = ProblemCategory.LAND
    description = factory.Sequence(lambda n: f"问题{n}")
    raised_on = dt.date(2026, 1, 1)
    responsible_dept = factory.SubFactory(DepartmentFactory)
    deadline = dt.date(2026, 6, 30)


class SupervisionNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionNotice

    notice_type = "supervise"
    number = factory.Sequence(lambda n: f"督〔2026〕{n}号")
    issued_on = dt.date(2026, 3, 1)
    target_dept = factory.SubFactory(DepartmentFactory)
    content = "请限期回复。"


class WarningRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WarningRule
        django_get_or_create = ("code",)

    code = "milestone_due"
    name = "要件/节点到期"


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarDay
        django_get_or_create = ("date",)

    date = dt.date(2027, 1, 1)
    kind = "holiday"
    name = "元旦"
