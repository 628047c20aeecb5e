"""Print what the sweep would send on a date, without writing or sending anything."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.accounts.models import User
from apps.reminders.models import Channel, StepKind
from apps.reminders.services import leader_digests_send, reminders_sweep
from apps.reminders.services.common import load_calendar

OTHER_STEPS = {"backlog": "积压汇总", "digest": "包保领导周报"}


def _step_kind(step_key: str) -> str:
    kind = step_key.split(":", 1)[0]
    return StepKind(kind).label if kind in StepKind.values else OTHER_STEPS.get(kind, kind)


class Command(BaseCommand):
    help = (
        "预览某日的提醒扫描结果（不写库、不发送）：python manage.py reminders_preview --date 2025-10-09；"
        "上线前用 --counts 只看各项数量（积压事项按各规则的“积压事项”设置处理）。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="预览日期，格式 YYYY-MM-DD（默认今天）。")
        parser.add_argument("--time", default="10:00", help="当日时刻（北京时间，默认 10:00，须在发送时段内）。")
        parser.add_argument("--counts", action="store_true", help="只打印数量，不逐条列出（大批积压事项时用）。")

    def handle(self, *args, **options) -> None:
        try:
            day = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
            at = dt.time.fromisoformat(options["time"])
        except ValueError as exc:
            raise CommandError("日期应为 YYYY-MM-DD，时刻应为 HH:MM。") from exc
        now = timezone.make_aware(dt.datetime.combine(day, at))
        if not load_calendar(today=day).is_working_day(day):
            self.stdout.write(f"{day:%Y-%m-%d} 不是工作日：按默认规则（仅工作日发送）不发送任何提醒。")
        result = reminders_sweep(now=now, dry_run=True)
        digest = leader_digests_send(now=now, dry_run=True)
        planned = result.planned + digest.planned
        self.stdout.write(
            f"{day:%Y-%m-%d} {at:%H:%M} 预计发送 {len(planned)} 条（检查事项 {result.items} 个，生成督办函 {result.notices} 份）："
        )
        self.stdout.write(f"其中积压事项（首次检查即已错过先前提醒步骤）{result.backlog} 个，积压汇总 {result.summaries} 条。")
        for note in result.notes:
            self.stdout.write(f"  {note}")
        by_kind = Counter(_step_kind(p.step_key) for p in planned)
        self.stdout.write("按步骤：" + ("，".join(f"{k} {v} 条" for k, v in sorted(by_kind.items())) or "无"))
        if options["counts"]:
            planned = []
        # Show people as the office knows them (username and name), not as row ids.
        users = {u.pk: f"{u.username}（{u}）" for u in User.objects.filter(pk__in={p.user_id for p in planned if p.user_id})}
        for p in sorted(
            planned, key=lambda p: (p.subject, p.context.get("project", ""), p.object_id, p.step_key, p.recipient_key, p.channel)
        ):
            what = p.context.get("title") or p.context.get("leader") or p.context.get("audience", "")
            self.stdout.write(
                f"  [{Channel(p.channel).label}] {users.get(p.user_id, p.recipient_key)} {p.step_label}｜{p.context.get('project', '')}｜{what}"
                f"｜到期 {p.due_date:%Y-%m-%d}"
            )
        by_channel = Counter(Channel(p.channel).label for p in result.planned + digest.planned)
        if by_channel:
            self.stdout.write("按渠道：" + "，".join(f"{k} {v} 条" for k, v in sorted(by_channel.items())))
