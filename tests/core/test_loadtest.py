"""`manage.py loadtest` in CI: a generated portfolio of 2 000 projects, gunicorn with 4 workers and
the real throttle (local settings, Redis when there is one), 10 simulated users for 20 seconds. No
failure, every kind of request made at least once, the credentials gone afterwards. Never an
absolute time: the machines are shared."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from bench.load import REQUIRED_TYPES, parse_duration, peak_per_minute, per_minute, split_users

N = 2000


@pytest.mark.integration
@pytest.mark.heavy
@pytest.mark.serial  # alone, after the parallel run (bin/test): it loads the machine and measures
def test_loadtest_of_ten_users_has_no_failure_and_makes_every_kind_of_request(
    transactional_db, postgres, reference, settings, tmp_path, capsys
):
    from django.contrib.sessions.models import Session

    from apps.accounts.models import ApiToken
    from apps.milestones.models import Milestone
    from apps.projects.models import Project
    from seeds.portfolio import generate_portfolio

    # given a generated portfolio, committed (gunicorn's workers read it from other connections)
    assert generate_portfolio(N, seed=7)["projects"] == N
    sessions_before = Session.objects.count()
    out = tmp_path / "loadtest.json"
    # when the load test runs (the test settings have DEBUG off: --yes says this is a benchmark database)
    call_command(
        "loadtest",
        "--users",
        "10",
        "--run-time",
        "20s",
        "--server-settings",
        "projects_mgmt.settings.local",
        "--yes",
        "--json",
        str(out),
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    # then nothing failed and every kind of request was made
    assert result["failures"] == 0, result["failures_by_type"]
    counts = {f["name"]: f["requests"] for f in result["types"]}
    assert all(counts.get(name, 0) > 0 for name in REQUIRED_TYPES), counts
    assert result["mix"] == {"clerk": 5, "leader": 3, "sync": 2}
    assert result["requests"] == sum(counts.values())
    # and no user came near the throttle the server applied (the real one, not the test settings')
    rate = result["throttle_rates"]["token"]
    assert rate != settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]
    assert result["busiest_account"]["peak_requests_per_minute"] < per_minute(rate)
    # and the clerks' writes are in the database (a 200, not a 412 counted as done)
    assert Project.objects.filter(remarks__contains="〔压测").exists()
    assert Milestone.objects.filter(remarks__contains="〔压测").exists()
    # and the run's tokens are revoked, its sessions deleted
    assert not [t for t in ApiToken.objects.filter(name__startswith="压测 ") if t.is_active]
    assert Session.objects.count() == sessions_before
    assert "失败 0 次" in capsys.readouterr().out


@pytest.mark.integration
def test_loadtest_refuses_settings_with_debug_off_without_yes(postgres, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--yes"):
        call_command("loadtest", "--users", "3", "--run-time", "5s")


@pytest.mark.integration
def test_loadtest_refuses_a_database_that_is_not_a_benchmark(postgres, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="generate_portfolio"):
        call_command("loadtest", "--users", "3", "--run-time", "5s")


def test_users_split_half_clerks_three_in_ten_leaders_the_rest_sync():
    assert split_users(50) == {"clerk": 25, "leader": 15, "sync": 10}
    assert split_users(10) == {"clerk": 5, "leader": 3, "sync": 2}
    assert split_users(3) == {"clerk": 1, "leader": 1, "sync": 1}
    with pytest.raises(ValueError, match="至少"):
        split_users(2)


def test_run_time_reads_locust_notation():
    assert [parse_duration(t) for t in ("20s", "2m", "1m30s", "90")] == [20, 120, 90, 90]
    with pytest.raises(ValueError, match="时长"):
        parse_duration("two minutes")


def test_peak_per_minute_counts_one_account_within_any_sixty_seconds():
    samples = [["x", "a", t, 1.0, True, None] for t in (0, 10, 59, 61, 62)] + [["x", "b", t, 1.0, True, None] for t in (0, 1)]
    assert peak_per_minute(samples) == ("a", 4)
