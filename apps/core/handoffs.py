"""Hand-offs (a report returned or approved, a 批示, a problem assigned, a 督办函 issued): the domain
services announce them here, and the app that tells people (apps.reminders) listens, registering its
listeners at start-up (AppConfig.ready). So a domain app that announces a hand-off imports no app that
reacts to it — the reminders read the domain, never the other way round."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

REPORT_RETURNED = "report_returned"
REPORT_APPROVED = "report_approved"
INSTRUCTION = "instruction"
PROBLEM_ASSIGNED = "problem_assigned"
NOTICE_ISSUED = "notice_issued"

_listeners: dict[str, list[Callable[..., object]]] = defaultdict(list)


def listen(kind: str, listener: Callable[..., object]) -> None:
    """Register `listener(**details)` for a kind of hand-off (once per process, from AppConfig.ready)."""
    if listener not in _listeners[kind]:
        _listeners[kind].append(listener)


def announce(kind: str, **details: object) -> None:
    """Tell every listener of `kind`, inside the caller's transaction (they write ledger rows and
    enqueue their sending after commit)."""
    for listener in _listeners[kind]:
        listener(**details)
