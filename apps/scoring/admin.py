"""Schemes with their items and manual deductions inline. Only the office (and admins) change them:
the policy's office_only rule (apps/accounts/policy.py) bounds every form, inline and delete, and
each write goes through apps/scoring/services.py."""

from __future__ import annotations

from django.contrib import admin

from apps.accounts.policy import is_office
from apps.core.admin import PolicyAdmin, PolicyTabularInline, _adopt

from .models import AssessmentDeduction, AssessmentItem, AssessmentScheme
from .services import (
    DEDUCTION_FIELDS,
    ITEM_FIELDS,
    deduction_add,
    deduction_remove,
    deduction_update,
    item_create,
    item_delete,
    item_update,
)


class _OfficeMenu:
    """The role groups do not list this app (apps/accounts/roles.py), so the office would not see its
    menu: the office is let in here; anyone else still needs a group permission, and the policy
    refuses every write that is not the office's."""

    def has_module_permission(self, request) -> bool:
        return super().has_module_permission(request) or is_office(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or is_office(request.user)


class OfficeInline(_OfficeMenu, PolicyTabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return is_office(request.user) or super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_office(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_office(request.user) or super().has_delete_permission(request, obj)


class AssessmentItemInline(OfficeInline):
    model = AssessmentItem
    fields = ("order", "name", "method", "params", "base_score", "cap_plus", "cap_minus")


class AssessmentDeductionInline(OfficeInline):
    model = AssessmentDeduction
    fields = ("department", "region", "date", "points", "reason", "created_by")
    readonly_fields = ("created_by",)


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(_OfficeMenu, PolicyAdmin):
    list_display = ("year", "target_kind", "name", "updated_at")
    list_filter = ("year", "target_kind")
    search_fields = ("name",)
    inlines = (AssessmentItemInline, AssessmentDeductionInline)

    def has_add_permission(self, request) -> bool:
        return is_office(request.user) and self.allows(request, "create") or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_office(request.user) and self.allows(request, "change", obj) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_office(request.user) and self.allows(request, "delete", obj) or super().has_delete_permission(request, obj)

    def save_formset(self, request, form, formset, change) -> None:
        # Each row through its service, as the API writes it: the item counting manual deductions
        # stays while there are any, and a deduction records who entered it.
        formset.save(commit=False)  # saves nothing: sorts the rows into new, changed and deleted
        scheme = form.instance
        for obj in formset.deleted_objects:
            if isinstance(obj, AssessmentItem):
                item_delete(actor=request.user, item=obj)
            else:
                deduction_remove(actor=request.user, deduction=obj)
        for obj in formset.new_objects:
            if isinstance(obj, AssessmentItem):
                saved = item_create(actor=request.user, scheme=scheme, **{f: getattr(obj, f) for f in ITEM_FIELDS})
            else:
                fields = {f: getattr(obj, f) for f in DEDUCTION_FIELDS}
                saved = deduction_add(actor=request.user, scheme=scheme, **fields)
            _adopt(obj, saved)
        for obj, changed in formset.changed_objects:
            if isinstance(obj, AssessmentItem):
                item_update(actor=request.user, item=obj, data={f: getattr(obj, f) for f in changed if f in ITEM_FIELDS})
            else:
                data = {f: getattr(obj, f) for f in changed if f in DEDUCTION_FIELDS}
                deduction_update(actor=request.user, deduction=obj, data=data)
        formset.save_m2m()
