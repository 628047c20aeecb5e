"""Hand-offs tell the next person: a returned or approved report its filers, a 批示 the responsible
departments, a problem its department, a 督办函 its recipients (issue 19).

Each is written to the reminder ledger like any reminder (one ReminderDelivery per event, recipient
and channel, under the ledger's UNIQUE constraint) and sent by the same tasks after the caller's
transaction commits, so the bell, e-mail and SMS follow the user's channel preferences. The event's
key is (kind, object, occurrence): calling again for the same event — a retried request, a retried
task, an import run twice — writes nothing new. The actor is never told of their own act."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.types import Actor

from ..models import Channel, HandoffKind, ReminderDelivery, ReminderRule, Subject
from ..selectors import Directory, department_user_ids, instruction_recipient_ids, report_filer_ids
from .common import expand_channels, persist_deliveries


def handoff_step_key(kind: str) -> str:
    return f"handoff:{kind}"


def _short(text: str, size: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[:size] + "…"


def _actor_name(actor: Actor) -> str:
    """How the message names who acted: a leader by post and name (常务副区长张三), others by name."""
    if actor is None:
        return "系统"
    name = str(actor)
    leader = actor.leader if isinstance(actor, User) else None
    post = leader.position if leader is not None else ""
    return name if not post or post == name else f"{post}{name}"


def notify_handoff(
    *,
    kind: str,
    object_id: int,
    on: dt.date,
    recipients: Iterable[int],
    actor: Actor,
    title: str,
    body: str,
    link: str,
    project=None,
    occurrence: int = 1,
    label: str = "",
    now: dt.datetime | None = None,
) -> list[int]:
    """Write the deliveries of one hand-off event and enqueue them after commit; returns the ids of
    the rows new in this call (none when the event was told already).

    `on` is the event's own date (stable across retries), `occurrence` tells repeated events of the
    same object apart (the second return of a report); `label` replaces the kind's name in the
    message's 【tag】 (a notice says 提醒函 or 督办函 as issued). No rule or no recipient: nothing is written."""
    kind = HandoffKind(kind)
    actor_id = getattr(actor, "pk", None)
    users = sorted({uid for uid in recipients if uid is not None} - {actor_id})
    if not users:  # nobody but the actor: no rule to read, no savepoint (a write stays within its budget)
        return []
    rule = ReminderRule.objects.filter(subject=Subject.HANDOFF, enabled=True).order_by("id").first()
    if rule is None:
        return []
    with transaction.atomic():
        now = now or timezone.now()
        project_name = getattr(project, "name", "") if project is not None else ""
        context = {
            "subject": Subject.HANDOFF,
            "kind": kind.value,
            "kind_label": label or kind.label,
            "title": title,
            "body": body,
            "project": project_name,
            "actor": _actor_name(actor),
            "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
            "link": link,
        }
        common = {
            "rule_id": rule.pk,
            "subject": Subject.HANDOFF,
            "object_id": object_id,
            "due_date": on,
            "project_id": getattr(project, "pk", None),
            "step_key": handoff_step_key(kind),
            "step_label": kind.label,
            "occurrence": occurrence,
            "fire_date": timezone.localtime(now).date(),
            "context": context,
        }
        # Personal channels only: a 批示 or a return is addressed to people, not to a group robot.
        channels = [c for c in rule.channels if c != Channel.WEBHOOK]
        directory = Directory.of_users(users)
        # Inactive users (left the department) are not addressed at all.
        planned = list(expand_channels(channels, [u for u in users if u in directory.contacts], set(), directory, common))
        return persist_deliveries(planned, now=now)


# --- the hand-offs, as the services that make them call them ----------------------------------


def _dossier(project_id: int | None, anchor: str) -> str:
    if project_id is None:
        return reverse("web:mylist")
    return f"{reverse('web:project-detail', args=[project_id])}#{anchor}"


def _period_start(report) -> dt.date:
    return dt.date(report.year, report.month, 1)


def notify_report_returned(*, report, actor: Actor) -> list[int]:
    project = report.project
    return notify_handoff(
        kind=HandoffKind.REPORT_RETURNED,
        object_id=report.pk,
        on=_period_start(report),
        occurrence=report.return_count,  # each return is an event of its own
        recipients=report_filer_ids(report),
        actor=actor,
        title=f"{project.name}｜{report.year}年{report.month}月月报被退回，请修改后重新提交",
        body=f"退回意见：{report.return_reason}",
        link=reverse("web:report-edit", args=[report.pk]),
        project=project,
    )


def notify_report_approved(*, report, actor: Actor) -> list[int]:
    project = report.project
    return notify_handoff(
        kind=HandoffKind.REPORT_APPROVED,
        object_id=report.pk,
        on=_period_start(report),
        recipients=report_filer_ids(report),
        actor=actor,
        title=f"{project.name}｜{report.year}年{report.month}月月报已审核通过",
        body="月报数据已计入统计。",
        link=_dossier(project.pk, "reports"),
        project=project,
    )


def notify_instruction(*, comment, actor: Actor) -> list[int]:
    project = comment.project
    return notify_handoff(
        kind=HandoffKind.INSTRUCTION,
        object_id=comment.pk,
        on=timezone.localtime(comment.created_at).date(),
        recipients=instruction_recipient_ids(project.pk),
        actor=actor,
        title=f"{project.name}｜{_actor_name(comment.author)}作出批示：{_short(comment.text, 30)}",
        body=f"批示内容：{comment.text}",
        link=_dossier(project.pk, "comments"),
        project=project,
    )


def notify_problem_assigned(*, problem, actor: Actor, reassigned: bool = False) -> list[int]:
    """A problem put on a department: when raised, and again each time it is handed to another
    department (each hand-over an occurrence of its own, so going back to the first department
    tells it again; repeating the same request changes no department and tells nobody)."""
    occurrence = 1
    if reassigned:
        rows = ReminderDelivery.objects.filter(
            subject=Subject.HANDOFF, step_key=handoff_step_key(HandoffKind.PROBLEM_ASSIGNED), object_id=problem.pk
        )
        occurrence = (rows.aggregate(last=Max("occurrence"))["last"] or 1) + 1
    project = problem.project
    where = f"{project.name}｜" if project is not None else ""
    deadline = f"，办理时限：{problem.deadline:%Y年%m月%d日}" if getattr(problem, "deadline", None) else ""
    return notify_handoff(
        kind=HandoffKind.PROBLEM_ASSIGNED,
        object_id=problem.pk,
        on=problem.raised_on,
        occurrence=occurrence,
        recipients=department_user_ids([problem.responsible_dept_id]),
        actor=actor,
        title=f"{where}交办问题：{_short(problem.description, 30)}",
        body=f"问题：{problem.description}{deadline}",
        link=_dossier(problem.project_id, "problems"),
        project=project,
    )


def notify_notice_issued(*, notice, actor: Actor) -> list[int]:
    projects = list(notice.projects.all()[:1])
    project = projects[0] if projects else None
    reply = f"，请于{notice.reply_deadline:%Y年%m月%d日}前书面回复" if notice.reply_deadline else ""
    return notify_handoff(
        kind=HandoffKind.NOTICE_ISSUED,
        object_id=notice.pk,
        on=notice.issued_on,
        recipients=department_user_ids([notice.target_dept_id]),
        actor=actor,
        title=f"{notice.number}：{_short(notice.content, 30)}{reply}",
        body=f"{notice.get_notice_type_display()}内容：{notice.content}",
        link=_dossier(getattr(project, "pk", None), "notices"),
        project=project,
        label=notice.get_notice_type_display(),
    )
