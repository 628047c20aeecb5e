from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts.policy import is_office, may_see_phone
from apps.core.admin import PolicyAdmin, PolicyTabularInline, form_data, refusals, run_service
from apps.lights.admin_utils import LightListFilter, render_light, request_light_context
from apps.lights.selectors import annotate_project_lights
from apps.milestones.services import milestone_generate_from_template
from apps.organization.models import Leader

from . import startfacts
from .models import AnnualPlan, MonthlyTarget, Project, ProjectCategory, ProjectComment, ProjectResponsibility, ResponsibilityRole
from .services import (
    PLAN_FIELDS,
    PROJECT_FIELDS,
    annual_plan_set,
    annual_plan_update,
    project_archive,
    project_comment_add,
    project_create,
    project_update,
)


@admin.register(ProjectCategory)
class ProjectCategoryAdmin(PolicyAdmin):
    list_display = ("name", "code", "sort_order")
    search_fields = ("name", "code")


def _without_phone(fields, request) -> tuple:
    # In the admin only the office sees the people's numbers in full (the dossier shows each
    # number to whoever apps/accounts/policy.may_see_phone allows; the rows here are the office's).
    return tuple(fields) if is_office(request.user) else tuple(f for f in fields if f != "phone")


class ResponsibilityInline(PolicyTabularInline):
    model = ProjectResponsibility
    fk_name = "project"
    extra = 0
    autocomplete_fields = ("leader", "department", "reports_to_leader")

    def get_fields(self, request, obj=None):
        return _without_phone(super().get_fields(request, obj), request)


class AnnualPlanInline(PolicyTabularInline):
    model = AnnualPlan
    extra = 0
    fields = ("year", "annual_role", "annual_plan", "planned_start_month", "planned_finish_month", "resume_date", "annual_goal")
    show_change_link = True


def _drop(row, name: str):
    """A fieldsets row without `name` (a row may be one field or a tuple shown on one line)."""
    if isinstance(row, tuple | list):
        kept = tuple(f for f in row if f != name)
        return kept if len(kept) > 1 else (kept[0] if kept else None)
    return None if row == name else row


class LeaderListFilter(admin.SimpleListFilter):
    title = "包保领导"
    parameter_name = "leader"

    def lookups(self, request, model_admin):
        return [(str(pk), position) for pk, position in Leader.objects.values_list("pk", "position")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(
                    ProjectResponsibility.objects.filter(
                        project=OuterRef("pk"), role=ResponsibilityRole.LEAD_LEADER, leader_id=self.value()
                    )
                )
            )
        return queryset


@admin.register(Project)
class ProjectAdmin(PolicyAdmin, SimpleHistoryAdmin):
    list_display = (
        "name",
        "light_display",
        "primary_code",
        "category",
        "region",
        "total_investment",
        "build_status",
        "pool_stage",
        "investment_mode",
        "code_flag",
        "updated_at",
    )
    list_filter = (
        LightListFilter,
        "category",
        "build_status",
        "pool_stage",
        "investment_mode",
        "region",
        LeaderListFilter,
        "is_provincial",
        "is_municipal",
        "code_is_legacy",
    )
    search_fields = ("name", "short_name", "primary_code", "owner_unit")
    list_select_related = ("category", "region")
    autocomplete_fields = ("parent", "region")
    readonly_fields = ("code_warning", "archived_at", "created_by", "created_at", "updated_at")
    inlines = (ResponsibilityInline, AnnualPlanInline)
    actions = ("generate_milestones", "archive_projects")
    history_list_display = ("build_status", "total_investment")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or may_see_phone(request.user, obj):
            return fieldsets
        # The owner's contact number only for those who may call it (apps/accounts/policy.may_see_phone).
        return [
            (name, {**options, "fields": [_drop(row, "owner_phone") for row in options["fields"] if _drop(row, "owner_phone")]})
            for name, options in fieldsets
        ]

    fieldsets = (
        ("基本信息", {"fields": ("name", "short_name", ("primary_code", "code_is_legacy"), "code_warning", "parent", "category")}),
        ("级别", {"fields": (("is_national", "is_provincial", "is_municipal", "is_county"),)}),
        (
            "性质与主体",
            {
                "fields": (
                    "industry",
                    "construction_nature",
                    "investment_mode",
                    "investor_type",
                    "owner_unit",
                    "owner_credit_code",
                    ("owner_contact", "owner_phone"),
                )
            },
        ),
        ("地点与规模", {"fields": ("region", "location_text", "scale_content", "land_area_mu")}),
        (
            "进度与投资",
            {
                "fields": (
                    ("start_year", "end_year"),
                    ("planned_start", "planned_finish"),
                    ("actual_start", "actual_finish", "operation_date"),
                    ("build_status", "pool_stage"),
                    ("total_investment", "fixed_asset_investment", "carry_over_completed"),
                    "latest_image_progress",
                )
            },
        ),
        ("入库纳统", {"fields": (("in_stats_db", "stats_entry_date"), "stats_code", "not_in_stats_reason")}),
        ("其他", {"fields": ("remarks", "archived_at", "created_by", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return annotate_project_lights(qs, request_light_context(request))

    @admin.display(description="预警灯", ordering="light_rank")
    def light_display(self, obj):
        return render_light(getattr(obj, "light", None))

    @admin.display(description="代码", boolean=False)
    def code_flag(self, obj):
        if obj.code_is_legacy:
            return "旧编码⚠"
        return "—" if not obj.primary_code else "规范"

    def service_create(self, request, obj, form):
        # As through the API: a new project gets the approval milestones of its investment mode.
        result = project_create(actor=request.user, data=form_data(form, PROJECT_FIELDS, change=False), generate_milestones=True)
        for warning in result.warnings:
            messages.warning(request, warning)
        return result.project

    def service_update(self, request, obj, form):
        result = project_update(actor=request.user, project=obj, data=form_data(form, PROJECT_FIELDS, change=True))
        for warning in result.warnings:
            messages.warning(request, warning)
        return result.project

    # The form and its 年度计划 rows are one change of the 开工 facts: judged together once all are
    # saved (before the success message), in the admin's transaction, so a refusal saves nothing.
    def _changeform_view(self, request, object_id, form_url, extra_context):
        with startfacts.collecting() as pending:
            request._start_facts_pending = pending
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is AnnualPlan:
            for plan_form in formset.forms:
                instance = plan_form.instance
                if instance.pk and plan_form not in formset.deleted_forms and set(plan_form.changed_data) & set(startfacts.PLAN_FACTS):
                    startfacts.check_plan_write(instance)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        with refusals():
            startfacts.judge(request._start_facts_pending)

    def has_generate_milestones_permission(self, request) -> bool:
        return self.has_verb_permission(request, "generate_milestones")

    def has_archive_permission(self, request) -> bool:
        return self.has_verb_permission(request, "archive")

    @admin.action(description="按投资管理方式生成审批要件", permissions=["generate_milestones"])
    def generate_milestones(self, request, queryset):
        total = 0

        def generate(project):
            nonlocal total
            total += len(milestone_generate_from_template(actor=request.user, project=project))

        if run_service(request, queryset, generate, "已为{count}个项目生成审批要件。"):
            messages.info(request, f"共新增{total}个要件。")

    @admin.action(description="归档（退库）所选项目", permissions=["archive"])
    def archive_projects(self, request, queryset):
        run_service(request, queryset, lambda p: project_archive(actor=request.user, project=p), "已归档{count}个项目。")


class MonthlyTargetInline(PolicyTabularInline):
    model = MonthlyTarget
    extra = 0


@admin.register(AnnualPlan)
class AnnualPlanAdmin(PolicyAdmin):
    list_display = ("project", "year", "annual_role", "annual_plan", "planned_start_month", "resume_date")
    list_filter = ("year", "annual_role", "project__category")
    search_fields = ("project__name", "project__short_name", "project__primary_code")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)
    inlines = (MonthlyTargetInline,)

    def service_create(self, request, obj, form):
        data = form_data(form, PLAN_FIELDS, change=False)
        return annual_plan_set(actor=request.user, project=obj.project, year=obj.year, data=data)

    def service_update(self, request, obj, form):
        data = form_data(form, (*PLAN_FIELDS, "project", "year"), change=True)
        return annual_plan_update(actor=request.user, plan=AnnualPlan.objects.get(pk=obj.pk), data=data)


@admin.register(MonthlyTarget)
class MonthlyTargetAdmin(PolicyAdmin):
    list_display = ("plan", "month", "plan_investment", "node_target")
    list_filter = ("plan__year", "month")
    search_fields = ("plan__project__name", "node_target")
    list_select_related = ("plan__project",)


@admin.register(ProjectResponsibility)
class ProjectResponsibilityAdmin(PolicyAdmin):
    list_display = ("project", "role", "leader", "department", "person_name", "phone", "is_primary")
    list_filter = ("role", "leader", "department")
    search_fields = ("project__name", "person_name", "department__name", "leader__position")
    list_select_related = ("project", "leader", "department")
    autocomplete_fields = ("project", "leader", "department", "reports_to_leader")

    def get_list_display(self, request):
        return _without_phone(super().get_list_display(request), request)

    def get_fields(self, request, obj=None):
        return _without_phone(super().get_fields(request, obj), request)


@admin.register(ProjectComment)
class ProjectCommentAdmin(PolicyAdmin):
    list_display = ("project", "kind", "author", "created_at")
    list_filter = ("kind",)
    search_fields = ("project__name", "text")
    list_select_related = ("project", "author")
    autocomplete_fields = ("project",)
    readonly_fields = ("author", "created_at")

    def service_create(self, request, obj, form):
        return project_comment_add(actor=request.user, project=obj.project, kind=obj.kind, text=obj.text)
