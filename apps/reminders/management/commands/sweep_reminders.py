"""Run one reminder sweep now (the same as the beat entry), plus the digest when it is due."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.reminders.models import Subject
from apps.reminders.services import leader_digests_send, reminders_sweep


class Command(BaseCommand):
    help = "立即执行一轮提醒扫描：写入到期的发送记录并入队发送（含月报催报；本周第一个工作日另发包保领导周报）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--subject",
            action="append",
            choices=[s for s in Subject.values if s not in (Subject.DIGEST, Subject.HANDOFF)],
            help="只扫描该类事项（可重复）；默认全部。",
        )
        parser.add_argument("--no-digest", action="store_true", help="不发送包保领导周报。")

    def handle(self, *args, **options) -> None:
        result = reminders_sweep(subjects=options["subject"])
        self.stdout.write(
            f"扫描事项 {result.items} 个，新建发送记录 {result.created} 条，重新入队 {result.requeued} 条，"
            f"补扫跳过过时步骤 {result.skipped_steps} 个，生成督办函 {result.notices} 份。"
        )
        for note in result.notes:
            self.stdout.write(note)
        if not options["no_digest"] and not options["subject"]:
            digest = leader_digests_send()
            if digest.ran:
                self.stdout.write(f"包保领导周报：新建发送记录 {digest.created} 条。")
