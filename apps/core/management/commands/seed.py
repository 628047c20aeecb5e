from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "载入参考数据（类别、审批模板、预警规则、区划、单位、领导岗位、工作日历）；--demo 另载入演示项目台账。重复执行不改变任何数据。"

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="同时载入演示项目台账和演示账号")

    def handle(self, *args, demo: bool = False, **options):
        from seeds.reference import load_reference

        with transaction.atomic():
            calendar = load_reference()
        self.stdout.write(f"参考数据已载入（工作日历新增{calendar['created']}天、更新{calendar['updated']}天）。")
        if demo:
            from seeds.demo import load_demo

            with transaction.atomic():
                summary = load_demo()
            self.stdout.write(
                f"演示台账已载入：{summary['projects']}个项目、{summary['milestones']}个要件/节点、"
                f"{summary['reports']}份月报、{summary['problems']}个问题。"
            )
