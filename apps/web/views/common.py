"""What every page view shares: calling a core service and turning its refusal into page errors.

Pages never decide a rule themselves: the service raises ValidationError (field → Chinese
messages) or PolicyDenied (the policy's Chinese reason), exactly as it does for the API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from apps.core.services import CONFLICT_MESSAGE


@dataclass
class Outcome:
    value: Any = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    # The policy refused (PermissionDenied): the page answers 403, not a form error's 400.
    denied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def status(self) -> int:
        """The status of a page that shows these errors: 403 for a refusal, 400 for bad input."""
        return 403 if self.denied else 400

    @property
    def all_messages(self) -> list[str]:
        return [m for ms in self.errors.values() for m in ms]


def service_errors(exc: Exception) -> dict[str, list[str]]:
    """Field → messages; messages that belong to no field are under "__all__"."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return {("__all__" if k in ("__all__", "non_field_errors") else k): list(v) for k, v in exc.message_dict.items()}
        return {"__all__": list(exc.messages)}
    if isinstance(exc, PermissionDenied):
        return {"__all__": [str(exc) or "没有权限执行此操作。"]}
    if isinstance(exc, IntegrityError):
        return {"__all__": [CONFLICT_MESSAGE]}
    raise exc


def call_service(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Outcome:
    """Run a core service; a refusal comes back as errors, never as a 500."""
    try:
        return Outcome(value=fn(*args, **kwargs))
    except (ValidationError, PermissionDenied, IntegrityError) as exc:
        return Outcome(errors=service_errors(exc), denied=isinstance(exc, PermissionDenied))
