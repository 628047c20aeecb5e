from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import PolicyAdmin, form_data, run_service
from apps.lights.admin_utils import LightListFilter, render_light, request_light_context
from apps.lights.selectors import annotate_problem_lights

from .models import Problem, ProblemStatus, SupervisionNotice
from .services import (
    KEEP_FILE,
    NOTICE_FIELDS,
    PROBLEM_FIELDS,
    notice_issue,
    notice_update,
    problem_close,
    problem_create,
    problem_resolve,
    problem_update,
)


@admin.register(Problem)
class ProblemAdmin(PolicyAdmin, SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "light_display",
        "category",
        "responsible_dept",
        "coordinating_leader",
        "deadline",
        "status",
        "escalation_level",
    )
    list_filter = (LightListFilter, "status", "category", "source", "responsible_dept", "coordinating_leader")
    search_fields = ("description", "project__name", "project__short_name", "resolution")
    list_select_related = ("project", "responsible_dept", "coordinating_leader")
    autocomplete_fields = ("project", "responsible_dept", "coordinating_leader")
    readonly_fields = ("raised_by", "resolved_at", "closed_at", "created_at", "updated_at")
    actions = ("close_problems",)

    def get_queryset(self, request):
        return annotate_problem_lights(super().get_queryset(request), request_light_context(request))

    @admin.display(description="预警灯", ordering="light_rank")
    def light_display(self, obj):
        return render_light(getattr(obj, "light", None))

    def service_create(self, request, obj, form):
        return problem_create(actor=request.user, data=form_data(form, PROBLEM_FIELDS, change=False))

    def service_update(self, request, obj, form):
        # 办结 and 销号 are their own services: a status moved to one of them in the form runs it.
        data = form_data(form, PROBLEM_FIELDS, change=True)
        status = data.pop("status", None)
        changed = set(form.changed_data)
        # 解决情况 and the 销号 evidence belong to those steps: an edit outside them is refused, not dropped.
        if "resolution" in changed and status != ProblemStatus.RESOLVED:
            raise ValidationError({"resolution": "解决情况只能在把状态改为“已办结”时填写。"})
        if "evidence" in changed and status != ProblemStatus.CLOSED:
            raise ValidationError({"evidence": "销号佐证只能在把状态改为“已销号”时上传。"})
        problem = problem_update(actor=request.user, problem=obj, data=data, seen=self.seen_version(request)) if data else obj
        if status == ProblemStatus.RESOLVED:
            return problem_resolve(actor=request.user, problem=problem, resolution=form.cleaned_data.get("resolution", ""))
        if status == ProblemStatus.CLOSED:
            evidence = form.cleaned_data.get("evidence") if "evidence" in form.changed_data else None
            return problem_close(actor=request.user, problem=problem, evidence=evidence or None)
        if status is not None:
            problem = problem_update(actor=request.user, problem=problem, data={"status": status})
        return problem

    def has_close_permission(self, request) -> bool:
        return self.has_verb_permission(request, "close")

    @admin.action(description="销号所选（已办结的）问题", permissions=["close"])
    def close_problems(self, request, queryset):
        run_service(request, queryset, lambda p: problem_close(actor=request.user, problem=p), "已销号{count}个问题。")


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(PolicyAdmin):
    list_display = ("number", "notice_type", "target_dept", "issued_on", "reply_deadline", "status")
    list_filter = ("notice_type", "status", "target_dept")
    search_fields = ("number", "content", "target_person")
    autocomplete_fields = ("target_dept", "projects", "problems")
    date_hierarchy = "issued_on"
    service_saves_m2m = True  # notice_issue/notice_update set the projects and problems and escalate them

    def service_create(self, request, obj, form):
        data = form_data(form, NOTICE_FIELDS - {"reply_text", "replied_on", "status"}, change=False)
        return notice_issue(
            actor=request.user,
            data=data,
            projects=form.cleaned_data.get("projects", []),
            problems=form.cleaned_data.get("problems", []),
            file=form.cleaned_data.get("file") or None,  # checked like every other attachment
        )

    def service_update(self, request, obj, form):
        changed = set(form.changed_data)
        return notice_update(
            actor=request.user,
            notice=obj,
            data=form_data(form, NOTICE_FIELDS, change=True),
            projects=form.cleaned_data.get("projects") if "projects" in changed else None,
            problems=form.cleaned_data.get("problems") if "problems" in changed else None,
            file=(form.cleaned_data["file"] or None) if "file" in changed else KEEP_FILE,
            seen=self.seen_version(request),
        )
