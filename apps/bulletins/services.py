"""Issuing the monthly 通报: generate a new version for a month, keep it, send it.

Only the project office (and superusers) issue a 通报; `actor=None` is the system (the beat)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from apps.accounts.policy import require
from apps.accounts.types import Actor
from apps.core.services import save_validated
from apps.core.xlsx import workbook_bytes
from apps.reminders.channels.message import absolute
from apps.reminders.models import Channel, ReminderDelivery, ReminderRule, Subject
from apps.reminders.selectors import Directory
from apps.reminders.services.common import expand_channels, persist_deliveries
from apps.stats.selectors import period_end

from .content import bulletin_content
from .models import Bulletin
from .selectors import bulletin_recipients
from .workbook import bulletin_workbook

SEND_STEP = "bulletin"


def _check_period(year: int, month: int, today: dt.date) -> None:
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "年度应在2000至2100之间。"})
    if not 1 <= month <= 12:
        raise ValidationError({"month": "月份应在1至12之间。"})
    if dt.date(year, month, 1) > today:
        raise ValidationError({"month": f"{year}年{month}月尚未开始，不能生成该月通报。"})


def render_bulletin_html(bulletin: Bulletin) -> str:
    """The printable page of a bulletin, from its snapshot (kept in `html` as issued)."""
    items = bulletin.figures["summary"]["items"]
    half = (len(items) + 1) // 2
    by = bulletin.generated_by
    return render_to_string(
        "bulletins/bulletin_print.html",
        {
            "bulletin": bulletin,
            "c": bulletin.figures,
            "summary_halves": [items[:half], items[half:]],
            "issued": timezone.localtime(bulletin.generated_at),
            "generated_by": f"{by}生成" if by else ("系统定时生成" if bulletin.scheduled else "系统生成"),
        },
    )


def bulletin_generate(
    *, year: int, month: int, actor: Actor, today: dt.date | None = None, send: bool = True, scheduled: bool = False
) -> Bulletin:
    """Issue a new version of the (year, month) 通报: figures, workbook and printable page, kept as
    issued; earlier versions stay. With `send`, deliver it to the subscribed leaders. `scheduled`
    marks the beat's own bulletin, of which a month has at most one."""
    author = require(actor, "create", Bulletin)
    now = timezone.now()
    today = today or timezone.localdate()
    _check_period(year, month, today)
    content = bulletin_content(year=year, month=month, today=today)
    data = workbook_bytes(bulletin_workbook(content))
    with transaction.atomic():
        # Versions are numbered under the (year, month, version) constraint: two offices pressing
        # the button at once get one version each or a conflict message, never a shared number.
        latest = Bulletin.objects.filter(year=year, month=month).aggregate(v=Max("version"))["v"] or 0
        bulletin = Bulletin(
            year=year,
            month=month,
            version=latest + 1,
            title=content["title"],
            as_of=dt.date.fromisoformat(content["as_of"]),
            generated_at=now,
            generated_by=author,
            scheduled=scheduled,
            figures=content,
        )
        bulletin.full_clean(exclude=["xlsx", "html"])
        bulletin.xlsx.save(f"{year}-{month:02d}-v{bulletin.version}.xlsx", ContentFile(data), save=False)
        save_validated(bulletin, actor=actor, exclude=["html"])
        # The page carries its own links (下载Excel), so it is rendered once the row has its id.
        bulletin.html = render_bulletin_html(bulletin)
        bulletin.save(update_fields=["html"])
        if send:
            bulletin_send(bulletin=bulletin, actor=actor, now=now)
    return bulletin


def bulletin_send(*, bulletin: Bulletin, actor: Actor, now: dt.datetime | None = None) -> Bulletin:
    """Deliver a bulletin to its subscribers through the reminder ledger: one ReminderDelivery per
    recipient and channel (in-app, e-mail, SMS as each user accepts), keyed by the bulletin, so
    sending again only reaches subscribers who had nothing yet."""
    require(actor, "create", Bulletin)
    now = now or timezone.now()
    rule = ReminderRule.objects.filter(subject=Subject.BULLETIN, enabled=True).order_by("id").first()
    if rule is None:
        bulletin.send_note = "提醒规则“月度通报”不存在或未启用，未发送。"
        bulletin.save(update_fields=["send_note"])
        return bulletin
    link = f"/bulletins/{bulletin.pk}/"
    summary = bulletin.figures.get("summary", {})
    context = {
        "subject": Subject.BULLETIN,
        "title": f"{bulletin.title}（第{bulletin.version}版）",
        "sentence": summary.get("sentence", ""),
        "as_of_note": bulletin.figures.get("as_of_note", ""),
        "link": link,
        "xlsx_url": absolute(f"{link}xlsx/"),
    }
    common = {
        "rule_id": rule.pk,
        "subject": Subject.BULLETIN,
        "object_id": bulletin.pk,
        "due_date": period_end(bulletin.year, bulletin.month),
        "project_id": None,
        "step_key": SEND_STEP,
        "step_label": "月度通报",
        "occurrence": 1,
        "fire_date": timezone.localtime(now).date(),
        "context": context,
    }
    users = list(bulletin_recipients().values_list("id", flat=True))
    # Personal channels only: a group robot is not a subscriber.
    channels = [c for c in rule.channels if c != Channel.WEBHOOK]
    planned = list(expand_channels(channels, users, set(), Directory.load(), common))
    with transaction.atomic():
        persist_deliveries(planned, now=now)
        rows = ReminderDelivery.objects.filter(subject=Subject.BULLETIN, object_id=bulletin.pk)
        bulletin.recipients = rows.values("user_id").distinct().count()
        bulletin.sent_at = bulletin.sent_at or (now if bulletin.recipients else None)
        bulletin.send_note = "" if users else "没有订阅的领导，未发送。"
        bulletin.save(update_fields=["recipients", "sent_at", "send_note"])
    return bulletin
