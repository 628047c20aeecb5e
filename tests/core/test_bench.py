"""`manage.py bench --quick` in CI: a generated portfolio of 2 000 projects, every endpoint of the
benchmark checked for its queries per request and its ratio to the floor measured in the same run
(never an absolute time: the machines are shared)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

# Alone, after the parallel run (bin/test): it restarts or loads the shared services, or measures.
pytestmark = [pytest.mark.integration, pytest.mark.heavy, pytest.mark.serial]

N = 2000


def test_bench_quick_holds_every_query_count_and_ratio_on_2000_projects(postgres, reference, tmp_path, capsys):
    from seeds.portfolio import generate_portfolio

    # given a generated portfolio of N projects
    counts = generate_portfolio(N, seed=7)
    assert counts["projects"] == N
    out = tmp_path / "bench.json"
    # when the quick benchmark runs (it fails when a guard is exceeded)
    call_command("bench", "--quick", "--json", str(out))
    result = json.loads(out.read_text(encoding="utf-8"))
    # then every case was measured beside its floor, within its guards
    names = {f["name"] for f in result["figures"]}
    assert {"project_list", "project_detail", "overdue", "stats_summary", "sync_next", "project_patch"} <= names
    assert result["portfolio"]["projects"] >= N
    for figure in result["figures"]:
        assert figure["floor_p50_ms"] > 0
        assert figure["queries"] <= figure["max_queries"], figure
        assert figure["ratio_p50"] <= figure["max_ratio"], figure
    assert "倍数" in capsys.readouterr().out
