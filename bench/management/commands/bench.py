"""`manage.py bench`: the portfolio benchmark (bench/portfolio.py) and, on request, reminder
deliveries per second through real workers (bench/deliveries.py) — a table on stdout, JSON to a file."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from bench.deliveries import format_deliveries, run_deliveries
from bench.portfolio import format_table, ledger_counts, run, sweep_figures

DELIVERIES_DEFAULT = 2000


class Command(BaseCommand):
    help = "性能基准：常用接口和页面的 p50/p95、每次请求的查询数，以及同一数据由手写 SQL 取得的下限和倍数（需 PostgreSQL）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeat", type=int, default=20, help="每项测量次数（默认 20）。")
        parser.add_argument("--quick", action="store_true", help="快速模式：每项 5 次，并按上限检查查询数和倍数（CI 用）。")
        parser.add_argument(
            "--only", action="append", help="只测这一项（可重复），如 project_list；--only deliveries 只测提醒发送速度，不测接口。"
        )
        parser.add_argument("--sweep", action="store_true", help="另测提醒扫描（首次与稳态）；会写入发送记录，只在基准库上用。")
        parser.add_argument(
            "--deliveries",
            type=int,
            nargs="?",
            const=DELIVERIES_DEFAULT,
            metavar="N",
            help=f"另测 1 个和 2 个 Celery worker 每秒发送的站内消息（每轮 N 条，默认 {DELIVERIES_DEFAULT}），"
            "与空任务和手写 SQL 的下限对比；需要 redis-server，写入的记录结束后删除。",
        )
        parser.add_argument("--json", default="var/bench.json", help="JSON 结果文件（默认 var/bench.json）。")

    def handle(self, *args, **options) -> None:
        repeat = 5 if options["quick"] else options["repeat"]
        only = [name for name in options["only"] or [] if name != "deliveries"]
        deliveries = options["deliveries"]
        if deliveries is None and options["only"] and "deliveries" in options["only"]:
            deliveries = DELIVERIES_DEFAULT
        if deliveries is not None and deliveries < 1:
            raise CommandError("--deliveries 的条数至少为 1。")
        try:
            # `--only deliveries` alone skips the endpoints (and their set-up over the whole portfolio).
            result = (
                self._portfolio(repeat, only, options["sweep"]) if only or not options["only"] else self._header(repeat, options["sweep"])
            )
            if deliveries is not None:
                result["deliveries"] = run_deliveries(deliveries)
        except (RuntimeError, AssertionError) as exc:
            raise CommandError(str(exc)) from exc
        path = Path(options["json"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        table = format_table(result)
        # Deliveries alone: the run's first line, without an empty table of endpoints.
        self.stdout.write(table if result["figures"] or "sweep" in result else table.splitlines()[0])
        if "deliveries" in result:
            self.stdout.write(format_deliveries(result["deliveries"]))
        self.stdout.write(f"JSON：{path}")
        problems = [f"{f['name']}：{p}" for f in result["figures"] for p in f["problems"]]
        if options["quick"] and problems:
            raise CommandError("超过上限：\n" + "\n".join(problems))

    def _portfolio(self, repeat: int, only: list[str], sweep: bool) -> dict:
        return run(repeat=repeat, only=only or None, sweep=sweep)

    def _header(self, repeat: int, sweep: bool) -> dict:
        """The run's description without the endpoint figures."""
        if connection.vendor != "postgresql":
            raise RuntimeError("基准测试需要 PostgreSQL（设置 DATABASE_URL）。")
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            jit = cursor.fetchone()[0]
        result = {
            "started": timezone.now().isoformat(),
            "database": connection.settings_dict.get("NAME"),
            "postgresql": connection.cursor().connection.info.server_version,
            "jit": jit,
            "repeat": repeat,
            "portfolio": ledger_counts(),
            "figures": [],
        }
        if sweep:
            result["sweep"] = sweep_figures()
        return result
