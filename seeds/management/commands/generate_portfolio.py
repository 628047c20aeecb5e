import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from seeds.portfolio import MAX_PROJECTS, generate_portfolio
from seeds.reference import load_reference

COUNT_LABELS = {
    "regions": "行政区划",
    "departments": "责任单位",
    "leaders": "包保领导岗位",
    "users": "用户账号",
    "projects": "项目",
    "responsibilities": "项目责任",
    "annual_plans": "年度计划",
    "monthly_targets": "月度目标",
    "milestones": "要件/节点",
    "reports": "月报",
    "historical_completions": "往年月度完成投资",
    "problems": "问题",
    "land_acquisitions": "征地拆迁",
}
BAR_WIDTH = 20


class Command(BaseCommand):
    help = (
        "生成省级规模的模拟项目台账（区划、单位、领导、账号、项目、责任、年度计划、要件、月报、问题、征拆），用于性能测试。"
        "只新增数据，不修改或删除已有数据；同样的 --projects 和 --seed 在同一天生成同样的数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, required=True, help="项目数，如 20000")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认1）；换一个种子可在同一数据库再生成一套")

    def handle(self, *args, projects: int, seed: int, **options):
        if not 1 <= projects <= MAX_PROJECTS:
            raise CommandError(f"--projects 应在1至{MAX_PROJECTS}之间。")
        started = time.monotonic()
        # The reference data `seed` loads (categories, templates, groups, calendar): seed-once, it adds only what is missing.
        with transaction.atomic():
            load_reference()
        timings: dict[str, float] = {"参考数据": time.monotonic() - started}
        phase_start: dict[str, float] = {}

        def progress(label: str, done: int, total: int) -> None:
            if done == 0 or label not in phase_start:
                phase_start.setdefault(label, time.monotonic())
            filled = BAR_WIDTH * done // total if total else BAR_WIDTH
            percent = 100 * done // total if total else 100
            self.stderr.write(f"\r{label} {done}/{total} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent}%", ending="")
            if done >= total:
                timings[label] = time.monotonic() - phase_start[label]
                self.stderr.write("")
            self.stderr.flush()

        counts = generate_portfolio(projects, seed=seed, progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(f"已生成 {projects} 个项目的台账（种子 {seed}），用时 {elapsed:.1f} 秒。")
        self.stdout.write("各表新增行数：")
        for key, value in counts.items():
            self.stdout.write(f"  {COUNT_LABELS.get(key, key)}：{value}")
        self.stdout.write("各阶段用时（秒）：")
        for label, seconds in timings.items():
            self.stdout.write(f"  {label}：{seconds:.1f}")
