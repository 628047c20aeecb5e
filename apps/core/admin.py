"""The admin's one write path: every save, delete and action goes through a service with
`request.user` as the actor, and the domain policy (apps/accounts/policy.py) decides which forms
are editable and which actions are offered — so the admin can do nothing the API refuses.

Django's model permissions (the role groups) still decide which menus a user sees; the policy is
the upper bound on what any group can grant. A service that refuses a save (validation or policy)
shows its Chinese message on the form, with the user's input kept, and nothing is saved.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator

from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.models import _get_foreign_key
from django.http import HttpResponseRedirect

from apps.accounts.policy import may
from apps.core import versioning
from apps.core.services import instance_delete, instance_save
from apps.core.uploads import ACCEPT_ATTRIBUTE, UploadField, display_name

# The change form's hidden field naming the version it was opened on.
SEEN_FIELD = "seen_version"


class ServiceRefused(Exception):
    """A service refused the admin's save; carries the ValidationError or PermissionDenied."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except (ValidationError, PermissionDenied) as exc:
        raise ServiceRefused(exc) from exc


def error_messages(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error) or "没有权限执行此操作。"]


def _add_refusal(form, error: Exception) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for message in ValidationError(errors).messages:
                if field in form.fields:
                    form.add_error(field, message)
                else:
                    label = form.instance._meta.get_field(field).verbose_name if _has_field(form.instance, field) else ""
                    form.add_error(None, f"{label}：{message}" if label else message)
        return
    for message in error_messages(error):
        form.add_error(None, message)


def _has_field(instance: models.Model, name: str) -> bool:
    try:
        instance._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist or a non-field key such as __all__
        return False
    return True


def _adopt(target: models.Model, saved: models.Model) -> None:
    """Make the form's instance the row the service saved (its pk, its derived values)."""
    if saved is target or saved is None:
        return
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


def form_data(form, allowed: Iterable[str], *, change: bool) -> dict:
    """The form's values for a service: every allowed field on add, only the changed ones on change."""
    names = form.changed_data if change else form.cleaned_data
    return {name: form.cleaned_data[name] for name in names if name in allowed and name in form.cleaned_data}


def run_service(request, objects: Iterable, service: Callable, done_message: str) -> int:
    """Run `service(obj)` on each selected row; report each refusal by row, count the rest."""
    done = 0
    for obj in objects:
        try:
            service(obj)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"{obj}：{'；'.join(error_messages(exc))}")
    if done:
        messages.success(request, done_message.format(count=done))
    return done


class ShownFile:
    """A stored file as the admin's file widget shows it: the uploader's name, linked to the file."""

    def __init__(self, url: str, name: str):
        self.url, self.name = url, name

    def __str__(self) -> str:
        return self.name


class UploadWidget(AdminFileWidget):
    """The admin's file input for an UploadField: "目前" names the uploader's file, not the random
    stored name; the file chooser offers the accepted types (a hint; the check is the field's)."""

    def __init__(self, attrs=None):
        super().__init__({"accept": ACCEPT_ATTRIBUTE, **(attrs or {})})

    def format_value(self, value):
        shown = super().format_value(value)
        if shown is not None and getattr(value, "instance", None) is not None:
            return ShownFile(value.url, display_name(value.instance, value.field))
        return shown


class PolicyAdmin(admin.ModelAdmin):
    """Base of every ModelAdmin. Subclasses with a domain service override the service_* hooks."""

    # True when service_create/service_update also set the many-to-many fields
    service_saves_m2m = False
    formfield_overrides = {UploadField: {"widget": UploadWidget}}

    # --- what is offered ------------------------------------------------------------------

    def allows(self, request, verb: str, obj=None) -> bool:
        """The policy's answer for `verb` on `obj` (or on the model: "could this user ever")."""
        return may(request.user, verb, self.model if obj is None else obj)

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and self.allows(request, "create")

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self.allows(request, "change", obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self.allows(request, "delete", obj)

    def has_verb_permission(self, request, verb: str) -> bool:
        """For actions (`@admin.action(permissions=[verb])` → `has_<verb>_permission`)."""
        return super().has_change_permission(request) and self.allows(request, verb)

    # --- the write path -------------------------------------------------------------------

    def service_create(self, request, obj, form):
        return instance_save(actor=request.user, instance=obj)

    def service_update(self, request, obj, form):
        return instance_save(actor=request.user, instance=obj)

    def service_delete(self, request, obj) -> None:
        instance_delete(actor=request.user, instance=obj)

    def seen_version(self, request) -> int | None:
        """The version of the row the change form was opened on (templates/admin/change_form.html)."""
        return versioning.seen_from_form(request.POST.get(SEEN_FIELD))

    def save_model(self, request, obj, form, change) -> None:
        seen = self.seen_version(request) if change else None
        if seen is not None:
            # Services that save the row they are given check it in Versioned.save; those that read
            # it again under a lock take `seen=self.seen_version(request)` (the service_update hooks).
            obj._seen_version = seen
        with refusals():
            saved = self.service_update(request, obj, form) if change else self.service_create(request, obj, form)
        _adopt(obj, saved)

    def save_related(self, request, form, formsets, change) -> None:
        with refusals():
            if not self.service_saves_m2m:
                form.save_m2m()
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            instance_delete(actor=request.user, instance=obj)
        for obj in instances:
            instance_save(actor=request.user, instance=obj)
        formset.save_m2m()

    def delete_model(self, request, obj) -> None:
        self.service_delete(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.service_delete(request, obj)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except ServiceRefused as refused:  # a list_editable save the service refused
            self.message_user(request, "；".join(error_messages(refused.error)), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The first attempt was rolled back; show the form again with the service's reason.
            request._service_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form_class

        def _post_clean(form):
            form_class._post_clean(form)
            _add_refusal(form, refusal)

        return type(form_class.__name__, (form_class,), {"_post_clean": _post_clean})


class PolicyInline:
    """Mixin for inlines: the rows of an inline are judged as rows of the parent object."""

    def _target(self, obj):
        if obj is None:
            return self.model
        fk = _get_foreign_key(self.parent_model, self.model, fk_name=getattr(self, "fk_name", None))
        return self.model(**{fk.name: obj})

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and may(request.user, "create", self._target(obj))

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and may(request.user, "change", self._target(obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and may(request.user, "delete", self._target(obj))


class PolicyTabularInline(PolicyInline, admin.TabularInline):
    pass
