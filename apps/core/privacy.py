"""Showing less of a personal value to someone who may not see all of it."""

from __future__ import annotations

MASK = "*"


def mask_phone(value: str) -> str:
    """A phone number with its middle digits starred, as Chinese government systems show numbers to
    people who may not call them (138****5678, 0743-***0000): enough to recognise a number already
    known, not to dial it. Non-digits (dashes, spaces) are kept; fewer than 7 digits are all starred."""
    if not value:
        return value
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    if len(digits) < 7:
        return "".join(MASK if ch.isdigit() else ch for ch in value)
    keep = set(digits[:3]) | set(digits[-4:])
    return "".join(MASK if ch.isdigit() and i not in keep else ch for i, ch in enumerate(value))
