from collections.abc import Mapping

from rest_framework import serializers

from apps.api.serializers import ModelSerializer
from apps.core.models import Light
from apps.core.privacy import mask_phone
from apps.projects.models import AnnualPlan, MonthlyTarget, Project, ProjectCategory, ProjectComment, ProjectResponsibility
from apps.projects.rules import PHONE_HIDDEN_NOTE, may_see_phone


def _phone_for(context: Mapping, project: Project | None, value: str, row: ProjectResponsibility | None = None) -> str:
    """The number as stored for whoever may see it (apps/projects/rules.may_see_phone), masked otherwise."""
    if not value:
        return value
    request = context.get("request")
    user = getattr(request, "user", None)
    read_token = bool(getattr(getattr(request, "auth", None), "read_only", False))
    return value if may_see_phone(user, project, row, read_token=read_token) else mask_phone(value)


class ProjectResponsibilitySerializer(ModelSerializer):
    phone = serializers.CharField(read_only=True, help_text=f"联系电话。{PHONE_HIDDEN_NOTE}其他人看到的号码中间几位以 * 代替。")
    leader_position = serializers.CharField(
        source="leader.position", default=None, read_only=True, allow_null=True, help_text="县级领导职务"
    )
    department_name = serializers.CharField(source="department.name", default=None, read_only=True, allow_null=True, help_text="单位名称")

    class Meta:
        model = ProjectResponsibility
        fields = (
            "id",
            "role",
            "leader",
            "leader_position",
            "department",
            "department_name",
            "person_name",
            "phone",
            "is_primary",
            "reports_to_leader",
        )

    def to_representation(self, instance: ProjectResponsibility) -> dict:
        data = super().to_representation(instance)
        data["phone"] = _phone_for(self.context, instance.project, data["phone"], instance)
        return data


class ProjectResponsibilityWriteSerializer(ModelSerializer):
    """One responsibility as a client sets it: the role and who holds it (a leader, a unit, a person)."""

    class Meta:
        model = ProjectResponsibility
        fields = ("role", "leader", "department", "person_name", "phone", "is_primary", "reports_to_leader")
        # The role's rules (a 包保 row names a leader, a unit row a unit) are the model's, checked by the service.
        validators: list = []


class _ProjectBase(ModelSerializer):
    category: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="项目类别编码")
    category_name = serializers.CharField(source="category.name", read_only=True, help_text="项目类别")
    region_name = serializers.CharField(source="region.name", read_only=True, help_text="所在乡镇（街道）/园区")
    light = serializers.ChoiceField(choices=Light.choices, read_only=True, help_text="预警灯：green 绿灯、yellow 黄灯、red 红灯")
    lead_leader = serializers.SerializerMethodField(help_text="包保领导职务")
    lead_department = serializers.SerializerMethodField(help_text="牵头单位")

    def _first(self, obj, role: str):
        for r in obj.responsibilities.all():
            if r.role == role:
                return r
        return None

    def get_lead_leader(self, obj) -> str | None:
        r = self._first(obj, "leader")
        return r.leader.position if r and r.leader else None

    def get_lead_department(self, obj) -> str | None:
        r = self._first(obj, "lead_dept")
        return r.department.name if r and r.department else None


LIST_FIELDS = (
    "id",
    "name",
    "short_name",
    "primary_code",
    "code_is_legacy",
    "category",
    "category_name",
    "region",
    "region_name",
    "investment_mode",
    "build_status",
    "pool_stage",
    "total_investment",
    "start_year",
    "end_year",
    "planned_start",
    "actual_start",
    "lead_leader",
    "lead_department",
    "light",
    "updated_at",
)


class ProjectListSerializer(_ProjectBase):
    class Meta:
        model = Project
        fields = LIST_FIELDS


class AnnualPlanBriefSerializer(ModelSerializer):
    class Meta:
        model = AnnualPlan
        fields = ("id", "year", "annual_role", "annual_plan", "planned_start_month", "resume_date", "revision")


class ProjectDetailSerializer(_ProjectBase):
    responsibilities = ProjectResponsibilitySerializer(many=True, read_only=True)
    annual_plans = AnnualPlanBriefSerializer(many=True, read_only=True)
    ytd_completed = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, help_text="本年已审核月报累计完成投资（万元）"
    )
    owner_phone = serializers.CharField(
        read_only=True, help_text=f"建设单位联系人电话。{PHONE_HIDDEN_NOTE}其他人看到的号码中间几位以 * 代替。"
    )

    def to_representation(self, instance: Project) -> dict:
        data = super().to_representation(instance)
        data["owner_phone"] = _phone_for(self.context, instance, data["owner_phone"])
        return data

    class Meta:
        model = Project
        fields = (
            *LIST_FIELDS,
            "code_warning",
            "parent",
            "is_national",
            "is_provincial",
            "is_municipal",
            "is_county",
            "industry",
            "construction_nature",
            "investor_type",
            "owner_unit",
            "owner_contact",
            "owner_phone",
            "location_text",
            "scale_content",
            "planned_finish",
            "actual_finish",
            "operation_date",
            "fixed_asset_investment",
            "carry_over_completed",
            "land_area_mu",
            "latest_image_progress",
            "in_stats_db",
            "stats_code",
            "stats_entry_date",
            "not_in_stats_reason",
            "remarks",
            "archived_at",
            "created_at",
            "ytd_completed",
            "responsibilities",
            "annual_plans",
        )


class ProjectWriteSerializer(ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=ProjectCategory.objects.all(), help_text="项目类别编码")

    class Meta:
        model = Project
        fields: tuple[str, ...] = (
            "name",
            "short_name",
            "primary_code",
            "code_is_legacy",
            "parent",
            "category",
            "is_national",
            "is_provincial",
            "is_municipal",
            "is_county",
            "industry",
            "construction_nature",
            "investment_mode",
            "investor_type",
            "owner_unit",
            "owner_credit_code",
            "owner_contact",
            "owner_phone",
            "location_text",
            "region",
            "scale_content",
            "start_year",
            "end_year",
            "planned_start",
            "planned_finish",
            "actual_start",
            "actual_finish",
            "operation_date",
            "build_status",
            "pool_stage",
            "total_investment",
            "fixed_asset_investment",
            "carry_over_completed",
            "land_area_mu",
            "in_stats_db",
            "stats_code",
            "stats_entry_date",
            "not_in_stats_reason",
            "remarks",
        )
        # Uniqueness and code rules are checked by the service (with Chinese messages), once.
        validators: list = []
        extra_kwargs: dict[str, dict] = {"primary_code": {"validators": []}}


class ProjectCreateSerializer(ProjectWriteSerializer):
    generate_milestones = serializers.BooleanField(
        write_only=True,
        required=False,
        default=True,
        help_text="是否按投资管理方式的审批要件模板生成要件节点（默认 true；该方式没有模板时不生成）",
    )

    class Meta(ProjectWriteSerializer.Meta):
        fields = (*ProjectWriteSerializer.Meta.fields, "generate_milestones")


class ProjectCommentSerializer(ModelSerializer):
    author_name = serializers.CharField(source="author.__str__", read_only=True, help_text="作者")

    class Meta:
        model = ProjectComment
        fields = ("id", "kind", "text", "author", "author_name", "created_at")
        read_only_fields = ("author", "created_at")


class ProjectCommentWriteSerializer(ModelSerializer):
    class Meta:
        model = ProjectComment
        fields = ("kind", "text")


class MonthlyTargetSerializer(ModelSerializer):
    class Meta:
        model = MonthlyTarget
        fields = ("month", "plan_investment", "node_target")


class AnnualPlanSerializer(ModelSerializer):
    monthly_targets = MonthlyTargetSerializer(many=True, read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True, help_text="项目名称")

    class Meta:
        model = AnnualPlan
        fields = (
            "id",
            "project",
            "project_name",
            "year",
            "annual_role",
            "annual_plan",
            "annual_goal",
            "planned_start_month",
            "planned_finish_month",
            "resume_date",
            "revision",
            "monthly_targets",
        )


class AnnualPlanWriteSerializer(ModelSerializer):
    monthly_targets = MonthlyTargetSerializer(many=True, required=False, help_text="月度目标（可选，按月份覆盖）")

    class Meta:
        model = AnnualPlan
        fields: tuple[str, ...] = (
            "project",
            "year",
            "annual_role",
            "annual_plan",
            "annual_goal",
            "planned_start_month",
            "planned_finish_month",
            "resume_date",
            "monthly_targets",
        )
        validators: list = []


class AnnualPlanAdjustSerializer(AnnualPlanWriteSerializer):
    """调整计划: the plan's fields and the reason, sent with If-Match (the plan's ETag)."""

    reason = serializers.CharField(write_only=True, max_length=500, help_text="调整原因（必填，记入调整历史；部分修改 PATCH 时也必填）")

    class Meta(AnnualPlanWriteSerializer.Meta):
        fields = (*AnnualPlanWriteSerializer.Meta.fields, "reason")
