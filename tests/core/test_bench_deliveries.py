"""`manage.py bench --only deliveries` in CI: a small batch through one and then two real workers
on a private redis-server, each row sent once with its one notification, the figures in the JSON,
and nothing left behind (never an assertion on a time or a rate: the machines are shared)."""

from __future__ import annotations

import json
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

import bench.deliveries
from apps.accounts.models import Role
from apps.milestones.models import Milestone, Stage
from apps.projects.models import ResponsibilityRole
from apps.reminders.models import DeliveryStatus, Notification, ReminderDelivery, ReminderRule
from tests.conftest import need_service
from tests.factories import DepartmentFactory, ProjectFactory, ProjectResponsibilityFactory, UserFactory

# Alone, after the parallel run (bin/test): it restarts or loads the shared services, or measures.
pytestmark = [pytest.mark.integration, pytest.mark.heavy, pytest.mark.serial]

N = 200
ITEMS = 60  # fewer open items than rows: an item serves several rows, as on a small database


def _open_milestones(n: int) -> None:
    dept = DepartmentFactory(name="住房和城乡建设局")
    UserFactory(username="zjj", role=Role.DEPARTMENT, department=dept)
    project = ProjectFactory(name="基准测试项目")
    ProjectResponsibilityFactory(project=project, role=ResponsibilityRole.LEAD_DEPT, leader=None, department=dept)
    today = timezone.localdate()
    Milestone.objects.bulk_create(
        Milestone(project=project, name=f"节点{i}", stage=Stage.CONSTRUCTION, planned_date=today, responsible_dept=dept) for i in range(n)
    )


def test_bench_deliveries_sends_each_row_once_through_one_and_two_workers_and_cleans_up(
    postgres, transactional_db, tmp_path, monkeypatch, capsys
):
    if not shutil.which("redis-server"):
        need_service("redis-server 可执行文件")
    # given open milestones, and a look at the bench's rows just before its clean-up deletes them
    _open_milestones(ITEMS)
    seen: list[dict] = []
    cleanup = bench.deliveries._cleanup

    def look_then_clean(rules):
        rows = ReminderDelivery.objects.filter(rule__in=rules)
        if rows.exists():
            seen.append(
                {
                    "statuses": dict(rows.values_list("status").annotate(n=Count("id")).order_by()),
                    "notifications": Notification.objects.filter(delivery__rule__in=rules).count(),
                    "notified_rows": Notification.objects.filter(delivery__rule__in=rules).values("delivery").distinct().count(),
                }
            )
        return cleanup(rules)

    monkeypatch.setattr(bench.deliveries, "_cleanup", look_then_clean)
    out = tmp_path / "bench.json"
    # when the deliveries bench runs alone with a small batch
    call_command("bench", "--only", "deliveries", "--deliveries", str(N), "--json", str(out))
    # then every row it wrote ended sent, each with exactly one notification
    warm = max(bench.deliveries.WARMUP_PER_WORKER, settings.REMINDERS_SEND_BATCH_SIZE) * 2
    rows = warm + 2 * (N + N)  # warm-up, and per phase the workers' and the floor's
    assert seen == [{"statuses": {DeliveryStatus.SENT: rows}, "notifications": rows, "notified_rows": rows}]
    # and the JSON has the figures for one and two workers beside both floors
    result = json.loads(out.read_text(encoding="utf-8"))["deliveries"]
    assert result["cleaned"] == {"deliveries": rows, "notifications": rows}
    assert [f["workers"] for f in result["figures"]] == [1, 2]
    for figure in result["figures"]:
        assert (figure["deliveries"], figure["notifications"], figure["sql_deliveries"], figure["noop_tasks"]) == (N, N, N, N)
        for name in ("per_second", "per_worker", "span_per_second", "noop_per_second", "sql_per_second", "ratio_noop", "ratio_sql"):
            assert figure[name] > 0, (name, figure)
    printed = capsys.readouterr().out
    assert "手写 SQL 下限" in printed
    assert "| 接口 |" not in printed  # deliveries alone: no empty table of endpoints
    # and nothing of the bench is left
    assert not ReminderRule.objects.filter(code__startswith=bench.deliveries.RULE_PREFIX).exists()
    assert not ReminderDelivery.objects.exists()
    assert not Notification.objects.exists()
