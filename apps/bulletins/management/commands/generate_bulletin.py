from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.bulletins.services import bulletin_generate


class Command(BaseCommand):
    help = "生成某年某月的重点项目推进情况通报（新增一个版次，旧版次保留），默认同时发送给订阅的领导。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="年度，如 2026")
        parser.add_argument("--month", type=int, required=True, help="月份，1至12")
        parser.add_argument("--no-send", action="store_false", dest="send", help="只生成，不发送")

    def handle(self, *args, year: int, month: int, send: bool, **options):
        try:
            # The command is run by an operator on the server: it acts as the system, like the beat.
            bulletin = bulletin_generate(year=year, month=month, actor=None, send=send)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        sent = f"已发送给{bulletin.recipients}人" if bulletin.sent_at else (bulletin.send_note or "未发送")
        self.stdout.write(f"已生成《{bulletin.title}》第{bulletin.version}版（编号{bulletin.pk}），{sent}。")
