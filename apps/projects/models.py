from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from apps.core.constraints import CheckConstraint
from apps.core.models import MoneyField
from apps.core.versioning import KnownKeys, Versioned

from .codes import check_project_code

HUNDRED_MILLION = Decimal("10000")  # 1 亿元 in 万元
FIVE_MILLION = Decimal("500")  # 500 万元


class ConstructionNature(models.TextChoices):
    NEW = "1", "新建"
    EXPAND = "2", "扩建"
    REBUILD = "3", "改建和技术改造"
    LIVING = "4", "单纯建造生活设施"
    RELOCATE = "5", "迁建"
    RESTORE = "6", "恢复"
    PURCHASE = "7", "单纯购置"


class InvestmentMode(models.TextChoices):
    GOV_APPROVAL = "approval", "审批（政府投资）"
    ENT_VERIFY = "verify", "核准（企业投资，列入核准目录）"
    ENT_FILING = "filing", "备案（企业投资）"


class InvestorType(models.TextChoices):
    GOVERNMENT = "gov", "政府投资"
    STATE_OWNED = "soe", "国有企业投资"
    PRIVATE = "private", "民间投资"
    FOREIGN = "foreign", "外商投资"
    MIXED = "mixed", "混合/PPP"


class BuildStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未开工"
    STARTED = "started", "已开工（在建）"
    SUSPENDED = "suspended", "停（缓）建"
    MAIN_DONE = "main_done", "主体完工"
    COMPLETED = "completed", "竣工"
    PARTIAL_OPERATION = "partial_op", "部分投产/投用"
    IN_OPERATION = "in_op", "投产/投用"


STARTED_STATUSES = (
    BuildStatus.STARTED,
    BuildStatus.MAIN_DONE,
    BuildStatus.COMPLETED,
    BuildStatus.PARTIAL_OPERATION,
    BuildStatus.IN_OPERATION,
)


class PoolStage(models.TextChoices):
    PLANNING = "planning", "谋划"
    RESERVE = "reserve", "储备"
    PRELIM = "prelim", "前期"
    IMPLEMENT = "implement", "实施"
    DONE = "done", "建成"
    WITHDRAWN = "withdrawn", "退库"


class AnnualRole(models.TextChoices):
    PRELIM = "prelim", "前期（预备）项目"
    NEW_START = "new", "新开工项目"
    CONTINUING = "cont", "续建项目"
    COMPLETING = "complete", "竣工项目（当年计划竣工）"


class ResponsibilityRole(models.TextChoices):
    LEAD_LEADER = "leader", "包保（联系/挂点）县级领导"
    LEAD_DEPT = "lead_dept", "牵头（责任）单位"
    COOP_DEPT = "coop_dept", "配合单位"
    DEPT_HEAD = "dept_head", "责任单位负责人（一把手）"
    TASK_FORCE = "task_force", "工作专班"
    STATIONED = "stationed", "驻点干部/首席服务员"
    LIAISON = "liaison", "联络员"
    OWNER_CONTACT = "owner", "业主单位联络人"
    BUILDER_CONTACT = "builder", "施工负责人"
    TOWNSHIP = "township", "属地乡镇（街道）/园区"


# The responsibilities that make a project a department's own (牵头、配合、属地): what it may edit,
# what its lists and figures count as its projects.
DEPARTMENT_ROLES = (ResponsibilityRole.LEAD_DEPT, ResponsibilityRole.COOP_DEPT, ResponsibilityRole.TOWNSHIP)
# Who answers for a project and whose figures it counts in (包保领导 and the department roles): the
# office assigns these. A department keeps the other rows — its own people — on its own projects.
OFFICE_ASSIGNED_ROLES = (ResponsibilityRole.LEAD_LEADER, *DEPARTMENT_ROLES)


class ProjectCategory(Versioned):
    """项目类别（基础设施/城市建设/产业发展…），项目办可增补."""

    code = models.SlugField("编码", max_length=20, unique=True)
    name = models.CharField("类别名称", max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "项目类别"
        verbose_name_plural = "项目类别"
        ordering = ("sort_order", "code")

    def __str__(self) -> str:
        return self.name


class Project(Versioned):
    """重点项目台账的一行."""

    name = models.CharField("项目名称（全称）", max_length=200)
    short_name = models.CharField("项目简称", max_length=60, blank=True)
    primary_code = models.CharField(
        "项目代码",
        max_length=40,
        null=True,
        blank=True,
        unique=True,
        help_text="投资项目在线审批监管平台赋码，格式 YYYY-XXXXXX-XX-XX-XXXXXX；谋划、储备阶段可为空。",
    )
    code_is_legacy = models.BooleanField("旧编码", default=False, help_text="勾选后接受非国家统一格式的旧编码，并在台账中标注提醒。")
    code_warning = models.CharField("项目代码提醒", max_length=200, blank=True, editable=False)
    parent = models.ForeignKey(
        "self", verbose_name="父项目（打包项目）", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    category = models.ForeignKey(ProjectCategory, verbose_name="项目类别", on_delete=models.PROTECT, related_name="projects")
    is_national = models.BooleanField("国家重大项目", default=False)
    is_provincial = models.BooleanField("省重点项目", default=False)
    is_municipal = models.BooleanField("市重点项目", default=False)
    is_county = models.BooleanField("县（区）重点项目", default=True)
    industry = models.CharField("所属行业", max_length=60, blank=True)
    construction_nature = models.CharField("建设性质", max_length=2, choices=ConstructionNature.choices, default=ConstructionNature.NEW)
    investment_mode = models.CharField("投资管理方式", max_length=10, choices=InvestmentMode.choices)
    investor_type = models.CharField("投资主体类型", max_length=10, choices=InvestorType.choices, default=InvestorType.GOVERNMENT)
    owner_unit = models.CharField("建设单位（项目业主）", max_length=120, blank=True)
    owner_credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    owner_contact = models.CharField("业主联系人", max_length=40, blank=True)
    owner_phone = models.CharField("联系电话", max_length=30, blank=True)
    location_text = models.CharField("建设地点", max_length=255, blank=True)
    region = models.ForeignKey(
        "organization.Region", verbose_name="所在乡镇（街道）/园区", on_delete=models.PROTECT, related_name="projects"
    )
    scale_content = models.TextField("建设规模及主要建设内容", blank=True)
    start_year = models.PositiveSmallIntegerField("建设起始年", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    end_year = models.PositiveSmallIntegerField("建设截止年", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    planned_start = models.DateField("计划开工日期", null=True, blank=True)
    planned_finish = models.DateField("计划竣工日期", null=True, blank=True)
    actual_start = models.DateField("实际开工日期", null=True, blank=True)
    actual_finish = models.DateField("实际竣工日期", null=True, blank=True)
    operation_date = models.DateField("投产/投用日期", null=True, blank=True)
    build_status = models.CharField("建设状态", max_length=12, choices=BuildStatus.choices, default=BuildStatus.NOT_STARTED)
    pool_stage = models.CharField("项目库阶段", max_length=10, choices=PoolStage.choices, default=PoolStage.PRELIM)
    total_investment = MoneyField("计划总投资（万元）")
    fixed_asset_investment = MoneyField("其中：固定资产投资（万元）", null=True, blank=True)
    carry_over_completed = MoneyField(
        "期初累计完成投资（万元）",
        default=Decimal("0"),
        help_text="开工至系统启用前累计完成的投资（期初数）；累计完成 = 期初数 + 已审核月报完成投资之和。",
    )
    land_area_mu = models.DecimalField("用地面积（亩）", max_digits=12, decimal_places=2, null=True, blank=True)
    latest_image_progress = models.CharField("最新形象进度", max_length=255, blank=True)
    # 入库纳统 (DOMAIN.md §2, §10.2 rule 5): "先入库，后有数" — a started project of 500万元 or more
    # counts in the 统计局's figures only once entered in its database.
    in_stats_db = models.BooleanField("已入库纳统", default=False, help_text="项目已录入统计部门的固定资产投资项目库（联网直报）。")
    stats_code = models.CharField("统计库项目编码", max_length=40, blank=True)
    stats_entry_date = models.DateField("入库日期", null=True, blank=True)
    not_in_stats_reason = models.CharField("未纳统原因", max_length=200, blank=True)
    remarks = models.TextField("备注", blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    history = HistoricalRecords(verbose_name="项目变更历史")

    class Meta:
        verbose_name = "重点项目"
        verbose_name_plural = "重点项目台账"
        ordering = ("-total_investment", "id")
        # The list's default order, read in index order: the first page of 20 000 projects is an index
        # scan that stops at 20 rows, not a sort of every project (36 ms measured, at 20 000).
        indexes = [models.Index(F("total_investment").desc(), "id", name="project_default_order")]
        constraints = [
            CheckConstraint(
                name="project_total_investment_gte_0",
                condition=Q(total_investment__gte=0),
                violation_error_message="计划总投资不能为负数。",
            ),
            CheckConstraint(
                name="project_fixed_asset_investment_gte_0",
                condition=Q(fixed_asset_investment__isnull=True) | Q(fixed_asset_investment__gte=0),
                violation_error_message="固定资产投资不能为负数。",
            ),
            CheckConstraint(
                name="project_carry_over_gte_0",
                condition=Q(carry_over_completed__gte=0),
                violation_error_message="期初累计完成投资不能为负数。",
            ),
            CheckConstraint(
                name="project_land_area_gte_0",
                condition=Q(land_area_mu__isnull=True) | Q(land_area_mu__gte=0),
                violation_error_message="用地面积不能为负数。",
            ),
            CheckConstraint(
                name="project_end_year_gte_start_year",
                condition=Q(end_year__gte=F("start_year")),
                violation_error_message="建设截止年不能早于建设起始年。",
            ),
            CheckConstraint(
                name="project_planned_finish_gte_start",
                condition=Q(planned_start__isnull=True) | Q(planned_finish__isnull=True) | Q(planned_finish__gte=F("planned_start")),
                violation_error_message="计划竣工日期不能早于计划开工日期。",
            ),
            CheckConstraint(
                name="project_stats_entry_needs_flag",
                condition=Q(stats_entry_date__isnull=True) | Q(in_stats_db=True),
                violation_error_message="填写了入库日期的项目应勾选“已入库纳统”。",
            ),
            CheckConstraint(
                name="project_actual_finish_gte_start",
                condition=Q(actual_start__isnull=True) | Q(actual_finish__isnull=True) | Q(actual_finish__gte=F("actual_start")),
                violation_error_message="实际竣工日期不能早于实际开工日期。",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def clean(self) -> None:
        super().clean()
        if self.primary_code:
            try:
                result = check_project_code(self.primary_code, allow_legacy=self.code_is_legacy)
            except ValidationError as exc:
                raise ValidationError({"primary_code": exc.messages}) from exc
            self.primary_code = result.code
            self.code_warning = "；".join(result.warnings)
            if not result.is_legacy:
                self.code_is_legacy = False
        else:
            self.primary_code = None
            self.code_warning = ""
        if (
            self.fixed_asset_investment is not None
            and self.total_investment is not None
            and self.fixed_asset_investment > self.total_investment
        ):
            raise ValidationError({"fixed_asset_investment": "固定资产投资不能大于计划总投资。"})

    @property
    def is_over_100m(self) -> bool:
        return self.total_investment >= HUNDRED_MILLION

    @property
    def is_over_5m(self) -> bool:
        return self.total_investment >= FIVE_MILLION

    @property
    def levels_display(self) -> str:
        names = [
            label
            for flag, label in (
                (self.is_national, "国家"),
                (self.is_provincial, "省"),
                (self.is_municipal, "市"),
                (self.is_county, "县"),
            )
            if flag
        ]
        return "、".join(names)


class ProjectResponsibility(Versioned):
    """清单化责任：包保领导、牵头/配合单位、联络员、专班…（“五个一”等无需改表）."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="responsibilities")
    role = models.CharField("责任角色", max_length=12, choices=ResponsibilityRole.choices)
    leader = models.ForeignKey(
        "organization.Leader", verbose_name="县级领导", null=True, blank=True, on_delete=models.PROTECT, related_name="responsibilities"
    )
    department = models.ForeignKey(
        "organization.Department",
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    person_name = models.CharField("责任人（职务）", max_length=60, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    is_primary = models.BooleanField("主责", default=True)
    reports_to_leader = models.ForeignKey(
        "organization.Leader",
        verbose_name="直报领导（书记/县长联络员）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="liaisons",
    )

    # Who set or changed a responsibility, and when (the API, the admin and the import write here).
    history = HistoricalRecords(verbose_name="项目责任变更历史")

    class Meta:
        verbose_name = "项目责任"
        verbose_name_plural = "项目责任（包保/牵头/联络员）"
        ordering = ("project", "role", "id")
        constraints = [
            CheckConstraint(
                name="responsibility_leader_role_has_leader",
                condition=~Q(role="leader") | Q(leader__isnull=False),
                violation_error_message="包保领导责任必须选择县级领导。",
            ),
            CheckConstraint(
                name="responsibility_dept_role_has_department",
                condition=~Q(role__in=["lead_dept", "coop_dept", "township"]) | Q(department__isnull=False),
                violation_error_message="牵头、配合或属地单位责任必须选择单位。",
            ),
        ]

    def __str__(self) -> str:
        who = self.leader or self.department or self.person_name
        return f"{self.get_role_display()}：{who}"


class AnnualPlan(KnownKeys):
    """年度计划：一个项目一年一条."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="annual_plans")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    annual_role = models.CharField("年度属性", max_length=10, choices=AnnualRole.choices)
    annual_plan = MoneyField("年度计划投资（万元）")
    annual_goal = models.TextField("年度建设目标（形象进度/节点目标）", blank=True)
    planned_start_month = models.PositiveSmallIntegerField(
        "计划开工月份", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    planned_finish_month = models.PositiveSmallIntegerField(
        "计划竣工月份", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    resume_date = models.DateField("本年复工日期", null=True, blank=True, help_text="续建项目本年复工的日期，用于开复工率。")
    revision = models.PositiveIntegerField(
        "版本", default=1, editable=False, help_text="每次调整计划加一；修改时须回传所见的版本，防止覆盖他人的调整。"
    )

    # Every adjustment (调整计划) with who, when and why: the reason is the history row's change reason.
    history = HistoricalRecords(verbose_name="年度计划调整历史", history_change_reason_field=models.TextField(null=True))

    class Meta:
        verbose_name = "年度计划"
        verbose_name_plural = "年度计划"
        ordering = ("-year", "project")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"], name="annual_plan_one_per_project_year", violation_error_message="该项目本年度已有年度计划。"
            ),
            CheckConstraint(
                name="annual_plan_amount_gte_0", condition=Q(annual_plan__gte=0), violation_error_message="年度计划投资不能为负数。"
            ),
            CheckConstraint(
                name="annual_plan_start_month_range",
                condition=Q(planned_start_month__isnull=True) | Q(planned_start_month__gte=1, planned_start_month__lte=12),
                violation_error_message="计划开工月份应在1至12之间。",
            ),
            CheckConstraint(
                name="annual_plan_finish_month_range",
                condition=Q(planned_finish_month__isnull=True) | Q(planned_finish_month__gte=1, planned_finish_month__lte=12),
                violation_error_message="计划竣工月份应在1至12之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}年计划"


class MonthlyTarget(models.Model):
    """月度目标（倒排工期）."""

    plan = models.ForeignKey(AnnualPlan, verbose_name="年度计划", on_delete=models.CASCADE, related_name="monthly_targets")
    month = models.PositiveSmallIntegerField("月份", validators=[MinValueValidator(1), MaxValueValidator(12)])
    plan_investment = MoneyField("月度计划投资（万元）", default=Decimal("0"))
    node_target = models.CharField("节点目标", max_length=200, blank=True)

    # Monthly targets change with their plan (调整计划), under the same reason.
    history = HistoricalRecords(verbose_name="月度目标调整历史", history_change_reason_field=models.TextField(null=True))

    class Meta:
        verbose_name = "月度目标"
        verbose_name_plural = "月度目标"
        ordering = ("plan", "month")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "month"], name="monthly_target_one_per_month", violation_error_message="该月已有月度目标。"
            ),
            CheckConstraint(
                name="monthly_target_month_range", condition=Q(month__gte=1, month__lte=12), violation_error_message="月份应在1至12之间。"
            ),
            CheckConstraint(
                name="monthly_target_amount_gte_0", condition=Q(plan_investment__gte=0), violation_error_message="月度计划投资不能为负数。"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.month}月"


class CommentKind(models.TextChoices):
    COMMENT = "comment", "意见"
    INSTRUCTION = "instruction", "批示"


class ProjectComment(KnownKeys):
    """领导对项目的意见或批示；项目办和包保领导可写."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作者", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=12, choices=CommentKind.choices, default=CommentKind.COMMENT)
    text = models.TextField("内容")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "领导意见/批示"
        verbose_name_plural = "领导意见/批示"
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.project}｜{self.get_kind_display()}"
