"""The demo ledger on its own day, for the stored due items' tests."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import load_demo

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_DAY = dt.date(2026, 11, 27)


def at(day: dt.date):
    """Time stands still at 10:00 on `day` in Asia/Shanghai."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def demo_on_its_day():
    """The demo loaded on DEMO_DAY (its stored due items are brought to that day)."""
    with at(DEMO_DAY):
        load_demo()
