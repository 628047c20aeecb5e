"""The demo portfolio (loaded once per module) and a demo month: the last month whose report is due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.bulletins.services import bulletin_generate
from apps.lights.selectors import report_period


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def demo_month(today) -> tuple[int, int]:
    return report_period(today)


@pytest.fixture
def xmb(demo_module, db) -> User:
    return User.objects.get(username="xmb")


@pytest.fixture
def bulletin(xmb, demo_month, today):
    year, month = demo_month
    return bulletin_generate(year=year, month=month, actor=xmb, today=today, send=False)


def add_versions(bulletin, *, upto: int, actor) -> None:
    """Bare extra versions of `bulletin`'s month up to `upto` (rows for list tests, not issued bulletins)."""
    from apps.bulletins.models import Bulletin

    for version in range(bulletin.version + 1, upto + 1):
        Bulletin.objects.create(
            year=bulletin.year,
            month=bulletin.month,
            version=version,
            title=f"{bulletin.title}（第{version}版）",
            as_of=bulletin.as_of,
            generated_at=bulletin.generated_at,
            generated_by=actor,
            figures={},
            html="<p>x</p>",
            xlsx=bulletin.xlsx.name,
        )
