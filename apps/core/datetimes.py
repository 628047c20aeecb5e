"""The one reading of a date-time with its offset that every way in accepts (the API's schema check,
its filters and the pages' filter forms): kept in the kernel so the filters below the ways in can use
it without importing the API."""

from __future__ import annotations

import datetime as dt
import re

# The offsets in use on Earth run from UTC−12:00 to UTC+14:00; PostgreSQL refuses some others
# (a 500 before this check), and none of them is a time a client meant.
OFFSETS = (dt.timedelta(hours=-12), dt.timedelta(hours=14))
DATETIME_MESSAGE = "时间格式应为带时区的 ISO 8601，例如 2026-11-01T00:00:00+08:00（“+”在网址中写作 %2B）。"
OFFSET_MESSAGE = "时区偏移超出范围：应在 -12:00 至 +14:00 之间，例如 +08:00。"
# RFC 3339 (OpenAPI's date-time): four-digit year, two-digit fields, a "T", seconds, and a zone; ASCII digits only.
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?([Zz]|[+-][0-9]{2}:[0-9]{2})\Z")


def parse_aware_datetime(text: str) -> dt.datetime:
    """An RFC 3339 date-time with a real-world offset, as an aware datetime; else ValueError with
    the Chinese reason. The one reading of a date-time the API and the filters accept."""
    if not isinstance(text, str) or not _DATETIME.match(text):
        raise ValueError(DATETIME_MESSAGE)
    try:
        moment = dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(DATETIME_MESSAGE) from None
    offset = moment.utcoffset()
    if offset is None or not OFFSETS[0] <= offset <= OFFSETS[1]:
        raise ValueError(OFFSET_MESSAGE)
    try:
        moment.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("时间超出范围。") from None
    return moment
