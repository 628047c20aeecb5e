"""The kernel's report-correction hook (apps/core/corrections.py): the month close listens, and a
correction with nobody to record it is refused rather than lost."""

import datetime as dt

import pytest

from apps.core import corrections
from apps.stats.closing import record_report_correction


def test_the_month_close_listens_from_start_up():
    assert record_report_correction in corrections._listeners


def test_a_correction_nobody_records_is_refused(monkeypatch):
    monkeypatch.setattr(corrections, "_listeners", [])
    with pytest.raises(RuntimeError, match="apps.stats"):
        corrections.announce_report_corrected(
            actor=None, corrected_by=None, report=None, before={}, changed=["remarks"], reason="更正", at=dt.datetime.now(dt.UTC)
        )


def test_every_listener_hears_each_correction_once(monkeypatch):
    heard = []
    monkeypatch.setattr(corrections, "_listeners", [])
    corrections.listen(lambda **details: heard.append(details["changed"]))
    listener = corrections._listeners[0]
    corrections.listen(listener)  # registering twice (a second ready()) keeps one
    corrections.announce_report_corrected(
        actor=None, corrected_by=None, report=None, before={}, changed=["remarks"], reason="更正", at=dt.datetime.now(dt.UTC)
    )
    assert heard == [["remarks"]]
