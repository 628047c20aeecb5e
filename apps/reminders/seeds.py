"""Default reminder rules (DESIGN.md §5), loaded by `manage.py seed`. Seeded once: a rule is
created with its steps the first time only; one the office edited or deleted stays that way."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from apps.core.seeding import seed_once

from .models import Channel, RecipientRole, ReminderRule, ReminderStep, StepKind, Subject, WebhookEndpoint, WebhookFlavor

DEPT = [RecipientRole.RESPONSIBLE_DEPT, RecipientRole.LIAISON]
ALL_CHANNELS = [Channel.IN_APP, Channel.EMAIL, Channel.WEBHOOK, Channel.SMS]


def _steps(before: tuple[int, ...], *, every: int, leader_at: int | None, office_at: int | None, recipients=DEPT) -> list[dict]:
    steps = [{"kind": StepKind.BEFORE, "working_days": n, "recipients": recipients} for n in before]
    steps.append({"kind": StepKind.OVERDUE, "working_days": 1, "repeat_every_working_days": every, "recipients": recipients})
    if leader_at:
        steps.append({"kind": StepKind.ESCALATE, "working_days": leader_at, "recipients": [RecipientRole.LEADER]})
    if office_at:
        steps.append(
            {"kind": StepKind.ESCALATE, "working_days": office_at, "recipients": [RecipientRole.OFFICE], "issue_supervision_notice": True}
        )
    return steps


DEFAULT_RULES = [
    {
        "code": "milestone-deadline",
        "name": "要件/节点到期提醒",
        "subject": Subject.MILESTONE,
        "channels": ALL_CHANNELS,
        "note": "到期前7、3、1个工作日和到期当日提醒责任单位和联络员；逾期后每3个工作日重复；逾期满5个工作日告知包保领导，满15个工作日报项目办并自动生成督办函。",
        "steps": _steps((7, 3, 1, 0), every=3, leader_at=5, office_at=15),
    },
    {
        "code": "problem-deadline",
        "name": "问题解决时限提醒",
        "subject": Subject.PROBLEM,
        "channels": ALL_CHANNELS,
        "note": "同要件：到期前7、3、1、0个工作日；逾期每3个工作日；满5个工作日告知协调/包保领导；满15个工作日督办。",
        "steps": _steps((7, 3, 1, 0), every=3, leader_at=5, office_at=15),
    },
    {
        "code": "planned-start",
        "name": "计划开工提醒",
        "subject": Subject.START,
        "channels": ALL_CHANNELS,
        "note": "计划开工日期前提醒牵头单位和联络员；逾期未开工每3个工作日重复，满5个工作日告知包保领导，满15个工作日督办。",
        "steps": _steps((7, 3, 1, 0), every=3, leader_at=5, office_at=15, recipients=[RecipientRole.LEAD_DEPT, RecipientRole.LIAISON]),
    },
    {
        "code": "monthly-report",
        "name": "月报填报提醒（催报）",
        "subject": Subject.REPORT,
        "channels": [Channel.IN_APP, Channel.EMAIL, Channel.SMS],
        "note": "按“红黄绿灯预警规则·月报报送”的截止日（默认次月5日）报送上月月报：截止前3、1个工作日和截止当日提醒；逾期未报每2个工作日催报一次，满5个工作日告知包保领导。",
        "steps": _steps((3, 1, 0), every=2, leader_at=5, office_at=None, recipients=[RecipientRole.LEAD_DEPT, RecipientRole.LIAISON]),
    },
    {
        "code": "leader-digest",
        "name": "包保领导周报",
        "subject": Subject.DIGEST,
        "channels": [Channel.IN_APP, Channel.EMAIL],
        "note": "每周第一个工作日上午，向每位包保领导发送其包保项目的逾期和临期事项（与“我的清单”相同，临期窗口见红黄绿灯预警规则）；没有事项不发送。",
        "steps": [],
    },
    {
        "code": "monthly-bulletin",
        "name": "月度通报",
        "subject": Subject.BULLETIN,
        "channels": [Channel.IN_APP, Channel.EMAIL],
        "note": "项目办生成月度通报（或每月定时生成）后，发送给订阅的领导：站内消息和电子邮件（附查看和下载链接）；在发送时段外生成的，进入时段后发出。",
        "steps": [],
    },
    {
        "code": "handoff",
        "name": "工作交接通知",
        "subject": Subject.HANDOFF,
        "channels": [Channel.IN_APP, Channel.EMAIL, Channel.SMS],
        "note": "月报退回或审核通过告知填报人；领导批示告知责任单位和联络员所在单位；问题交办告知责任单位；督办函告知督办单位。"
        "每件事每人只通知一次，操作人本人不通知。站内消息随时送达（不限工作日和时段），以便铃铛及时显示。",
        # A hand-off is a person's act, not a sweep: it is told at once, whatever the day or hour.
        "working_days_only": False,
        "send_from": dt.time(0, 0),
        "send_until": dt.time(23, 59, 59),
        "steps": [],
    },
]


@transaction.atomic
def load_reminder_rules() -> dict[str, int]:
    """Create the default rules that are missing (edited rules are kept as the office left them)."""
    created = 0
    for spec in DEFAULT_RULES:
        spec = dict(spec)
        steps = spec.pop("steps")
        code = spec.pop("code")
        existed = ReminderRule.objects.filter(code=code).exists()
        rule = seed_once(ReminderRule, {"code": code}, {"send_from": dt.time(9, 0), "send_until": dt.time(17, 30), **spec})
        if rule is not None and not existed:
            created += 1
            for step in steps:
                ReminderStep.objects.create(rule=rule, **{k: list(v) if isinstance(v, list) else v for k, v in step.items()})
    if settings.REMINDERS_WEBHOOK_URL:
        # Created once from the environment; afterwards the office's edits (or its disabling it) stand.
        seed_once(
            WebhookEndpoint,
            {"name": "环境变量配置的Webhook"},
            {"url": settings.REMINDERS_WEBHOOK_URL, "flavor": WebhookFlavor(settings.REMINDERS_WEBHOOK_FLAVOR), "enabled": True},
        )
    return {"rules_created": created}
