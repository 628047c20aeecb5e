"""The one lost-update rule (docs/decisions/0004-version-rule.md).

Every editable row carries a version: 1 when created, one more at every save, with who saved it
and when. A writer names the version it saw (the API's If-Match, the hidden field of a page or of
the admin, the version an import read when it built its preview); a save over a newer version is
refused with a Chinese message naming who changed the row and when, and nothing is written.

The check and the bump live in the model's `save()`, so no way in can skip them: the service
passes the version its caller saw (`save_validated(..., seen=)`), and the UPDATE itself carries
`WHERE version = <the version read>`: of two writers who read the same version, the second's
UPDATE waits for the first's row lock, then matches no row and is refused. The check costs no
statement of its own. A writer that names no version (the system, a sweep) is not refused: its
save goes onto whatever version is stored, as before the rule.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import lazy

VERSION_FIELDS = ("version", "version_by", "version_at")
_TAG = re.compile(r'^(?:W/)?"v(\d{1,9})"$')


class StaleVersion(ValidationError):
    """A save over a version newer than the one the writer saw (the API answers 412)."""

    def __init__(self, message, *, seen: int):
        super().__init__(message, code="stale")
        self.seen = seen


class _VersionMissed(Exception):
    """The UPDATE matched no row with the version read (raised before any post_save signal)."""


class KnownKeys(models.Model):
    """full_clean does not look up a foreign key it knows is there: one unchanged since the row was
    read, or one set to a row read from the database in this request (the form's choice, the
    project of the page). The database's constraint still guards both; a write's statements stay
    few (issue 20: a write within 15)."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The row as read (by attname): what a save changed is told against it (the stored due
        # items are rewritten only when a field their kind reads changed, apps.lights.services).
        instance._db_values = dict(zip(field_names, values, strict=True))
        instance._keys_read = {
            field.name: getattr(instance, field.attname)
            for field in cls._meta.concrete_fields
            if field.is_relation and field.attname in instance.__dict__
        }
        return instance

    def clean_fields(self, exclude=None) -> None:
        read = getattr(self, "_keys_read", {})
        known = set()
        for field in self._meta.concrete_fields:
            if not field.is_relation:
                continue
            value = getattr(self, field.attname)
            if field.name in read and read[field.name] == value:
                known.add(field.name)
            elif value is not None and field.is_cached(self):
                target = field.get_cached_value(self)
                if target is not None and not target._state.adding and target.pk == value:
                    known.add(field.name)
        super().clean_fields(exclude={*(exclude or ()), *known})


class Versioned(KnownKeys):
    version = models.PositiveIntegerField(
        "版本", default=1, editable=False, help_text="每次保存加一；修改时须回传读取时的版本，防止覆盖他人的修改。"
    )
    version_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后修改人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version_at = models.DateTimeField("最后修改时间", null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        seen = self.__dict__.pop("_seen_version", None)
        actor = getattr(self, "_history_user", None)
        # The system (sweeps, seeds: actor None) leaves no name; a person does.
        self.version_by_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        self.version_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *VERSION_FIELDS}
        if self._state.adding or kwargs.get("force_insert"):
            self.version = 1
            super().save(*args, **kwargs)
            return
        with transaction.atomic(savepoint=False):
            if seen is None:
                # No version named (the system, a sweep, a step inside a service): never refused,
                # its save goes onto the stored version, read under a lock so versions only grow.
                stored = type(self)._base_manager.select_for_update().filter(pk=self.pk).values_list("version", flat=True).first()
                self.version = (self.version if stored is None else stored) + 1
                super().save(*args, **kwargs)
                return
            if seen != self.version:
                raise StaleVersion(_stale(self, seen), seen=seen)
            self.version, self._expected_version = seen + 1, seen
            try:
                super().save(*args, **kwargs)
            except _VersionMissed:
                self.version = seen
                # The transaction is marked for rollback (the save failed inside it): who changed
                # the row is read when the message is shown, after the caller's block rolled back.
                raise StaleVersion(_stale(self, seen), seen=seen) from None

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        expected = self.__dict__.pop("_expected_version", None)
        if expected is None:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        # Only the version the writer read: zero rows means someone saved the row since (their
        # UPDATE held the row lock until they committed; ours then re-read it and matched nothing).
        if base_qs.filter(pk=pk_val, version=expected)._update(values) > 0:
            return True
        raise _VersionMissed()


def _stale(instance: Versioned, seen: int):
    return lazy(stale_message, str)(instance, seen)


def stale_message(instance: Versioned, seen: int) -> str:
    """Who changed the row since the writer read it, and when: read again, only on a refusal."""
    row = type(instance)._base_manager.select_related("version_by").filter(pk=instance.pk).first()
    if row is None:
        return "数据已被他人删除，请返回列表刷新。"
    who = str(row.version_by) if row.version_by is not None else "系统"
    department = getattr(row.version_by, "department", None)
    if department is not None:
        who = f"{who}（{department}）"
    when = timezone.localtime(row.version_at).strftime("%m月%d日 %H:%M") if row.version_at else ""
    return (
        f"保存失败：“{row}”已被{who}于{when}修改（当前第{row.version}版，你打开时是第{seen}版）。"
        "你这次填写的内容没有保存，请刷新查看对方的修改后重新填写。"
    )


def etag(instance: Versioned) -> str:
    """The API's ETag of a versioned row: its version (If-Match sends it back)."""
    return f'"v{instance.version}"'


def seen_from_etags(header: str | None) -> int | None:
    """The version an If-Match header names; None when it names none we issued (or is *)."""
    for tag in (header or "").split(","):
        match = _TAG.match(tag.strip())
        if match:
            return int(match.group(1))
    return None


def seen_from_form(value: object) -> int | None:
    """The version a page or admin form's hidden field carried; None when absent or not a number."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 9 else None


def version_field() -> forms.IntegerField:
    """The hidden field of a page's form that carries the version the page was opened on."""
    return forms.IntegerField(required=False, min_value=0, max_value=999_999_999, widget=forms.HiddenInput)
