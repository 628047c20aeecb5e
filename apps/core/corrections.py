"""An approved monthly report corrected in the open (更正): the progress service announces it here,
inside its transaction, and the month close (apps.stats) listens — it records the trail (one
FigureCorrection per changed field) and moves the closed months' frozen figures. So the domain app
that corrects imports no derived app (the layers of .importlinter), as with the hand-offs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

_listeners: list[Callable[..., object]] = []


def listen(listener: Callable[..., object]) -> None:
    """Register `listener(**details)` (once per process, from AppConfig.ready)."""
    if listener not in _listeners:
        _listeners.append(listener)


def announce_report_corrected(
    *, actor: object, corrected_by: object, report: object, before: dict[str, object], changed: list[str], reason: str, at: dt.datetime
) -> None:
    """Tell the listeners, in the caller's transaction. A correction nobody records would lose its
    trail and leave closed months wrong: with no listener it is refused (the transaction rolls back)."""
    if not _listeners:
        raise RuntimeError("no app records report corrections (apps.stats is not installed)")
    for listener in _listeners:
        listener(actor=actor, corrected_by=corrected_by, report=report, before=before, changed=changed, reason=reason, at=at)
