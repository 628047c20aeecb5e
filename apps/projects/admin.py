from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts.policy import is_office
from apps.core.admin import PolicyAdmin, PolicyTabularInline, _adopt, form_data, refusals, run_service
from apps.lights.admin_utils import LightListFilter, render_light, request_light_context
from apps.lights.selectors import annotate_project_lights
from apps.milestones.services import milestone_generate_from_template
from apps.organization.models import Leader
from apps.projects.rules import may_see_phone

from . import startfacts
from .models import AnnualPlan, MonthlyTarget, Project, ProjectCategory, ProjectComment, ProjectResponsibility, ResponsibilityRole
from .plans import PLAN_FIELDS, REASON_MAX_LENGTH, annual_plan_adjust, annual_plan_create
from .responsibilities import RESPONSIBILITY_FIELDS, responsibility_assign, responsibility_remove, responsibility_update
from .services import PROJECT_FIELDS, project_archive, project_comment_add, project_create, project_update


@admin.register(ProjectCategory)
class ProjectCategoryAdmin(PolicyAdmin):
    list_display = ("name", "code", "sort_order")
    search_fields = ("name", "code")


def _without_phone(fields, request) -> tuple:
    # In the admin only the office sees the people's numbers in full (the dossier shows each
    # number to whoever apps/projects/rules.may_see_phone allows; the rows here are the office's).
    return tuple(fields) if is_office(request.user) else tuple(f for f in fields if f != "phone")


class ResponsibilityInline(PolicyTabularInline):
    model = ProjectResponsibility
    fk_name = "project"
    extra = 0
    autocomplete_fields = ("leader", "department", "reports_to_leader")

    def get_fields(self, request, obj=None):
        return _without_phone(super().get_fields(request, obj), request)


def save_responsibilities(request, project: Project, formset) -> None:
    """The responsibility rows of a project's form, each through its service (as the API writes them)."""
    formset.save(commit=False)
    for row in formset.deleted_objects:
        responsibility_remove(actor=request.user, responsibility=row)
    for row in formset.new_objects:
        data = {name: getattr(row, name) for name in RESPONSIBILITY_FIELDS}
        _adopt(row, responsibility_assign(actor=request.user, project=project, data=data))
    for row, changed in formset.changed_objects:
        data = {name: getattr(row, name) for name in changed if name in RESPONSIBILITY_FIELDS}
        responsibility_update(actor=request.user, responsibility=row, data=data)


class AnnualPlanInline(PolicyTabularInline):
    """Shown, not edited: a plan changes only by 调整计划 (its own page, with reason and version)."""

    model = AnnualPlan
    extra = 0
    fields = ("year", "annual_role", "annual_plan", "planned_start_month", "planned_finish_month", "resume_date", "revision")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


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
        # The owner's contact number only for those who may call it (apps/projects/rules.may_see_phone).
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
        result = project_update(
            actor=request.user, project=obj, data=form_data(form, PROJECT_FIELDS, change=True), seen=self.seen_version(request)
        )
        for warning in result.warnings:
            messages.warning(request, warning)
        return result.project

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is ProjectResponsibility:
            save_responsibilities(request, form.instance, formset)
        elif formset.model is AnnualPlan:
            formset.save(commit=False)  # read-only here (AnnualPlanInline): saves nothing, lists nothing changed
        else:
            super().save_formset(request, form, formset, change)

    # The form and its 年度计划 rows are one change of the 开工 facts: judged together once all are
    # saved (before the success message), in the admin's transaction, so a refusal saves nothing.
    def _changeform_view(self, request, object_id, form_url, extra_context):
        with startfacts.collecting() as pending:
            request._start_facts_pending = pending
            return super()._changeform_view(request, object_id, form_url, extra_context)

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
    can_delete = False  # a month without a target is a month whose amount is 0


class AnnualPlanAdminForm(forms.ModelForm):
    """The plan's fields, the version the page was opened with, and the reason of the change."""

    expected_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="调整原因",
        required=False,  # the service's to refuse, with its own message (as for the API and the pages)
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="修改已有计划（含月度目标）时必填，记入调整历史。",
    )

    class Meta:
        model = AnnualPlan
        fields = ("project", "year", *PLAN_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_revision"].initial = self.instance.revision


@admin.register(AnnualPlan)
class AnnualPlanAdmin(PolicyAdmin):
    """A new plan through annual_plan_create; a change (plan and monthly targets together) through
    annual_plan_adjust with the reason and the version the form was opened with — as the API and the
    调整计划 page do. Both are written in save_related, where the monthly targets are known."""

    form = AnnualPlanAdminForm
    list_display = ("project", "year", "annual_role", "annual_plan", "planned_start_month", "resume_date", "revision")
    list_filter = ("year", "annual_role", "project__category")
    search_fields = ("project__name", "project__short_name", "project__primary_code")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)
    inlines = (MonthlyTargetInline,)

    def get_readonly_fields(self, request, obj=None):
        # A plan's project and year are fixed: another year is another plan.
        return ("project", "year", "revision", "adjust_history") if obj is not None else ()

    @admin.display(description="调整历史")
    def adjust_history(self, obj):
        rows = obj.history.select_related("history_user").order_by("-history_date", "-history_id")[:20]
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}｜第{}版｜{}｜{}万元｜{}</li>",
                (
                    (f"{h.history_date:%Y-%m-%d %H:%M}", h.revision, h.history_user or "系统", h.annual_plan, h.history_change_reason or "")
                    for h in rows
                ),
            ),
        )

    def save_model(self, request, obj, form, change) -> None:
        pass  # written with its monthly targets in save_related: one service call

    def save_related(self, request, form, formsets, change) -> None:
        with refusals():
            monthly = self._monthly(formsets)
            data = form_data(form, PLAN_FIELDS, change=change)
            reason = form.cleaned_data.get("reason", "")
            if change:
                plan = AnnualPlan.objects.get(pk=form.instance.pk)
                expected = form.cleaned_data.get("expected_revision")
                saved = annual_plan_adjust(actor=request.user, plan=plan, data=data, reason=reason, expected=expected, monthly=monthly)
            else:
                project, year = form.cleaned_data["project"], form.cleaned_data["year"]
                saved = annual_plan_create(actor=request.user, project=project, year=year, data=data, monthly=monthly, reason=reason)
        _adopt(form.instance, saved)
        for formset in formsets:
            formset.save(commit=False)  # saves nothing: lists what changed, for the admin's change message

    @staticmethod
    def _monthly(formsets) -> dict[int, dict]:
        monthly: dict[int, dict] = {}
        for formset in formsets:
            for row in formset.forms:
                if not row.has_changed() or not row.cleaned_data:
                    continue
                if row.instance.pk is not None and "month" in row.changed_data:
                    raise ValidationError("已有月度目标的月份不能修改；请新增该月的目标，并把原月份的金额改为 0。")
                month = row.cleaned_data["month"]
                monthly[month] = {name: row.cleaned_data[name] for name in ("plan_investment", "node_target")}
        return monthly


@admin.register(MonthlyTarget)
class MonthlyTargetAdmin(PolicyAdmin):
    """A list to read: monthly targets change with their plan (调整计划), never one by one."""

    list_display = ("plan", "month", "plan_investment", "node_target")
    list_filter = ("plan__year", "month")
    search_fields = ("plan__project__name", "node_target")
    list_select_related = ("plan__project",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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

    def get_readonly_fields(self, request, obj=None):
        return ("project",) if obj is not None else ()

    def service_create(self, request, obj, form):
        data = form_data(form, RESPONSIBILITY_FIELDS, change=False)
        return responsibility_assign(actor=request.user, project=form.cleaned_data["project"], data=data)

    def service_update(self, request, obj, form):
        return responsibility_update(actor=request.user, responsibility=obj, data=form_data(form, RESPONSIBILITY_FIELDS, change=True))

    def service_delete(self, request, obj) -> None:
        responsibility_remove(actor=request.user, responsibility=obj)


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
