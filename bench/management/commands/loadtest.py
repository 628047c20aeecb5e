"""`manage.py loadtest`: the load test (bench/load.py, bench/locustfile.py) — a table on stdout, JSON to a file."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bench.load import LoadTestRefused, Options, format_table, parse_duration, run


class Command(BaseCommand):
    help = (
        "压测：在本机回环地址上按部署方式启动 gunicorn，用 locust 无界面地模拟多个用户同时操作一段时间——"
        "办事员修改项目和要件节点（GET 取 ETag 后带 If-Match 的 PATCH，412 时重读重写）、包保领导看逾期清单/项目列表/我的清单、"
        "其他系统按游标增量同步；输出吞吐量、各类请求的 p50/p95 和全部失败，有任何失败即以非零状态退出。"
        "每个模拟用户用各自的账号和临时令牌（接口限流按令牌计），结束后吊销。"
        "注意：写入是真实的，只能在基准测试库（manage.py generate_portfolio 生成的台账）上运行，切勿对生产库运行。"
        "数据库少于 100 个在库项目、或不是 PostgreSQL 时拒绝运行；DEBUG=False（像生产环境）时须加 --yes 确认是基准库。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--users", type=int, default=50, help="模拟用户数（默认 50：办事员五成、领导三成、同步系统两成）。")
        parser.add_argument("--run-time", default="2m", help="持续时间，如 20s、2m（默认 2m）。")
        parser.add_argument("--spawn-rate", type=float, default=None, help="每秒启动的模拟用户数（默认为用户数的十分之一）。")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn 工作进程数（默认 4）。")
        parser.add_argument(
            "--server-settings",
            default=None,
            help="gunicorn 使用的设置模块（默认与本命令相同）；无论哪个，服务端都以 DEBUG=False 运行。",
        )
        parser.add_argument("--yes", action="store_true", help="确认当前数据库是基准测试库（DEBUG=False 时必需）。")
        parser.add_argument("--json", default="var/loadtest.json", help="JSON 结果文件（默认 var/loadtest.json）。")

    def handle(self, *args, **options) -> None:
        try:
            run_time = parse_duration(options["run_time"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if run_time < 5 or options["users"] < 1 or options["workers"] < 1:
            raise CommandError("持续时间至少 5 秒，用户数和进程数至少为 1。")
        path = Path(options["json"])
        try:
            result = run(
                Options(
                    users=options["users"],
                    run_time=run_time,
                    spawn_rate=options["spawn_rate"],
                    workers=options["workers"],
                    server_settings=options["server_settings"],
                    yes=options["yes"],
                ),
                log_dir=path.parent,
            )
        except (LoadTestRefused, RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        self.stdout.write(format_table(result))
        self.stdout.write(f"JSON：{path}；日志：{path.parent / 'loadtest-gunicorn.log'}、{path.parent / 'loadtest-locust.log'}")
        if result["failures"]:
            raise CommandError(f"压测有 {result['failures']} 次失败（要求为 0）。")
        if result["missing_types"]:
            raise CommandError("有请求类型一次也没有发生，压测不完整：" + "、".join(result["missing_types"]))
