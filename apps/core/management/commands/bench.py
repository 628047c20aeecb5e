"""`manage.py bench`: the portfolio benchmark (bench/portfolio.py) — a table on stdout, JSON to a file."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "性能基准：常用接口和页面的 p50/p95、每次请求的查询数，以及同一数据由手写 SQL 取得的下限和倍数（需 PostgreSQL）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeat", type=int, default=20, help="每项测量次数（默认 20）。")
        parser.add_argument("--quick", action="store_true", help="快速模式：每项 5 次，并按上限检查查询数和倍数（CI 用）。")
        parser.add_argument("--only", action="append", help="只测这一项（可重复），如 project_list。")
        parser.add_argument("--sweep", action="store_true", help="另测提醒扫描（首次与稳态）；会写入发送记录，只在基准库上用。")
        parser.add_argument("--json", default="var/bench.json", help="JSON 结果文件（默认 var/bench.json）。")

    def handle(self, *args, **options) -> None:
        from bench.portfolio import format_table, run

        repeat = 5 if options["quick"] else options["repeat"]
        try:
            result = run(repeat=repeat, only=options["only"], sweep=options["sweep"])
        except (RuntimeError, AssertionError) as exc:
            raise CommandError(str(exc)) from exc
        path = Path(options["json"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        self.stdout.write(format_table(result))
        self.stdout.write(f"JSON：{path}")
        problems = [f"{f['name']}：{p}" for f in result["figures"] for p in f["problems"]]
        if options["quick"] and problems:
            raise CommandError("超过上限：\n" + "\n".join(problems))
