"""Helpers every service uses to write a row: validate, record the author, save."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

if TYPE_CHECKING:  # the kernel's core names the actor's type only for the checker: no import of accounts at run time
    from apps.accounts.types import Actor

M = TypeVar("M", bound=models.Model)

# What the loser of a race between two writers reads (never an exception class name).
CONFLICT_MESSAGE = "保存失败：与他人同时提交的数据冲突（例如重复的记录），请刷新后重试。"
# What a writer reads when the row was saved by someone else since they opened it (the API's 412 too).
STALE_MESSAGE = "数据已被他人修改，请刷新后重试。"


def save_validated(instance: M, *, actor: Actor, exclude: list[str] | None = None, seen: int | None = None, savepoint: bool = True) -> M:
    """full_clean (fields, clean(), constraints) then save, with `actor` as the history author.

    `seen`: the version of a versioned row (apps/core/versioning.py) the writer read; a row saved
    by someone else since is refused (StaleVersion) and nothing is written.

    `savepoint=False`: for a service whose own atomic block encloses this save and lets its error
    propagate (that block's rollback undoes the failed save): two statements fewer per write.

    A constraint the database still rejects (a race between two writers) comes back as the
    same ValidationError, never as an IntegrityError, so callers show one Chinese message.
    """
    instance.full_clean(exclude=exclude)
    if actor is not None:
        # Read by django-simple-history, which declares no such attribute on the model (no stubs).
        instance._history_user = actor  # type: ignore[attr-defined]
    if seen is not None:
        instance._seen_version = seen  # type: ignore[attr-defined]  # read once by Versioned.save
    try:
        with transaction.atomic(savepoint=savepoint):
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(CONFLICT_MESSAGE) from exc
    return instance


def apply_fields(instance: M, data: dict, *, allowed: set[str]) -> M:
    """Copy `data` onto `instance`; unknown keys are an error, not silently ignored."""
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(f"不允许修改的字段：{'、'.join(sorted(unknown))}。")
    for key, value in data.items():
        setattr(instance, key, value)
    return instance


def instance_save(*, actor: Actor, instance: M, seen: int | None = None) -> M:
    """Save a row that has no service of its own (reference data, settings), under the policy's rule."""
    from apps.accounts.policy import require  # the policy imports every app's models

    require(actor, "create" if instance._state.adding else "change", instance)
    return save_validated(instance, actor=actor, seen=seen)


@transaction.atomic
def instance_delete(*, actor: Actor, instance: models.Model) -> None:
    """Delete a row under the policy's rule; its history records who deleted it."""
    from apps.accounts.policy import require

    require(actor, "delete", instance)
    if actor is not None:
        instance._history_user = actor  # type: ignore[attr-defined]  # as in save_validated
    try:
        instance.delete()
    except models.ProtectedError as exc:
        raise ValidationError(f"“{instance}”仍被其他数据引用，不能删除。") from exc


def upload_type_record(*, actor: Actor, row: models.Model, type_field: str, kind: str) -> None:
    """Record the verified type of a stored attachment (check_uploads --record). It is metadata of
    the stored file, not a change to the row: no history entry, no new updated_at (sync clients see
    nothing changed)."""
    from apps.accounts.policy import require

    require(actor, "change", row)
    type(row)._default_manager.filter(pk=row.pk).update(**{type_field: kind})
