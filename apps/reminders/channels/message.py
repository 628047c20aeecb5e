"""One message per delivery, rendered from the context the sweep stored: every channel says the
same thing (item, project, due date, days overdue, responsible department, a link)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from ..models import ReminderDelivery, StepKind, Subject


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    html: str
    short: str  # SMS and chat previews
    link: str  # absolute


def absolute(link: str) -> str:
    return settings.REMINDERS_SITE_URL.rstrip("/") + link if link.startswith("/") else link


def _title(ctx: dict) -> str:
    if ctx.get("subject") == Subject.BULLETIN:
        return f"【月度通报】{ctx['title']}"
    if ctx.get("subject") == Subject.BACKLOG:
        return f"【上线积压汇总】{ctx['audience']}：{ctx['item_subject_label']}已逾期{ctx['overdue_count']}项"
    if ctx.get("subject") == Subject.HANDOFF:
        return f"【{ctx['kind_label']}】{ctx['title']}"
    if ctx.get("subject") == Subject.DIGEST:
        told = f"，工作交接{ctx['handoff_count']}件" if ctx.get("handoff_count") else ""
        return f"【包保项目周报】{ctx['leader']}：逾期{ctx['overdue_count']}项，临期{ctx['due_soon_count']}项{told}"
    what = f"{ctx['project']}｜{ctx['title']}"
    due = dt.date.fromisoformat(ctx["due_date"])
    if ctx["kind"] == StepKind.BEFORE:
        when = "今日到期" if ctx["remaining_days"] == 0 else f"将于{due:%Y年%m月%d日}到期（还剩{ctx['remaining_days']}个工作日）"
        return f"【到期提醒】{what} {when}"
    tag = "【督办】" if ctx.get("notice_number") else ("【逾期升级】" if ctx["kind"] == StepKind.ESCALATE else "【逾期提醒】")
    return f"{tag}{what} 已逾期{ctx['overdue_days']}个工作日"


def render_message(delivery: ReminderDelivery) -> Message:
    ctx = dict(delivery.context)
    ctx["link_url"] = absolute(ctx.get("link", ""))
    ctx["title_line"] = _title(ctx)
    ctx["site_name"] = "重点项目清单化管理系统"
    if ctx.get("due_date"):
        ctx["due"] = dt.date.fromisoformat(ctx["due_date"])
    if ctx.get("today"):
        ctx["today"] = dt.date.fromisoformat(ctx["today"])
    for group in (*ctx.get("overdue_groups", ()), *ctx.get("due_soon_groups", ()), *ctx.get("handoff_groups", ())):
        for item in group["items"]:
            item["link_url"] = absolute(item.get("link", ""))
    for item in ctx.get("items", ()):
        item["link_url"] = absolute(item.get("link", ""))
    # The bulletin's templates live with apps.bulletins (reminders/email/bulletin.*).
    name = {Subject.DIGEST: "digest", Subject.BULLETIN: "bulletin", Subject.BACKLOG: "backlog", Subject.HANDOFF: "handoff"}.get(
        delivery.subject, "reminder"
    )
    text = render_to_string(f"reminders/email/{name}.txt", ctx).strip()
    html = render_to_string(f"reminders/email/{name}.html", ctx)
    short = f"{ctx['title_line']}。详情：{ctx['link_url']}" if ctx["link_url"] else ctx["title_line"]
    return Message(title=ctx["title_line"], text=text, html=html, short=short, link=ctx["link_url"])
