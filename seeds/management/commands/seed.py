from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.lights.services import due_items_refresh, light_table_rebuild
from seeds.demo import load_demo
from seeds.reference import load_reference


class Command(BaseCommand):
    help = (
        "载入参考数据（类别、审批模板、预警规则、提醒规则、角色组、区划、单位、领导岗位、工作日历）；"
        "--demo 另在空台账中载入演示项目和演示账号。只补充缺少的数据，已有数据（含用户的任何修改）一律不动。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="台账为空时载入演示项目台账和演示账号")
        parser.add_argument(
            "--reset", action="store_true", help="与 --demo 同用：清空数据库中的全部数据后重新载入演示数据（会丢失所有修改）"
        )
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive", help="--reset 时不再询问确认")

    def handle(self, *args, demo: bool = False, reset: bool = False, interactive: bool = True, **options):
        if reset:
            if not demo:
                raise CommandError("--reset 只能与 --demo 同用。")
            if settings.IS_PRODUCTION:
                # No override on purpose: a flag to allow it would sit in the environment of every
                # production process. Emptying a production database is a DBA's act (dropdb, or a
                # restore from backup), and a demo or training server runs the local settings.
                raise CommandError(
                    "生产环境（projects_mgmt.settings.production）不允许 --reset：它会清空数据库中的全部数据（项目、月报、用户及其修改）。"
                    "演示或培训请在单独的数据库上以 DJANGO_SETTINGS_MODULE=projects_mgmt.settings.local 运行；"
                    "确需清空正式数据库，请先备份，再由数据库管理员删除并重建数据库。数据未改动。"
                )
            if interactive:
                answer = input("将清空数据库中的全部数据（项目、月报、用户及其修改）并重新载入演示数据。输入 yes 确认：")
                if answer.strip().lower() != "yes":
                    raise CommandError("已取消，数据未改动。")
            call_command("flush", interactive=False, verbosity=0)
            self.stdout.write("数据库已清空。")

        with transaction.atomic():
            calendar = load_reference()
        self.stdout.write(f"参考数据已载入（只补充缺少的；工作日历新增{calendar['created']}天、更新{calendar['updated']}天）。")
        if demo:
            with transaction.atomic():
                summary = load_demo()
            counts = (
                f"{summary['projects']}个项目、{summary['milestones']}个要件/节点、{summary['reports']}份月报、{summary['problems']}个问题"
            )
            if summary["loaded"]:
                self.stdout.write(f"演示台账已载入：{counts}。")
            else:
                self.stdout.write(
                    f"台账中已有数据（{counts}），演示数据不再载入，现有数据和修改全部保留。"
                    "如需重新开始演示：manage.py seed --demo --reset。"
                )
        if demo and summary["loaded"]:
            return  # the demo's load stored its due items and their light days
        # The stored due items and their light-day table, brought to today: a ledger kept from
        # before, or a system started again after days down (the nightly pass does the same).
        light_table_rebuild()
        drift = due_items_refresh()
        self.stdout.write(f"到期事项已核对（新增{drift.added}条、删除{drift.removed}条、更正{drift.changed}条）。")
