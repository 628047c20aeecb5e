"""SMS through a pluggable backend (REMINDERS_SMS_BACKEND). The default only logs: a county's SMS
gateway (运营商短信平台、政务短信) is wired in by writing a class with the same `send`.

A backend passes `delivery_id` to the gateway as its 外部流水号 (out id, `outId`/`extend`/`msgid`,
as the gateway names it). When a worker dies between the gateway's answer and the commit, the
delivery is sent once more with the same id (services/delivery.py), and a gateway that drops repeated
out ids sends the text once.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from ..models import Channel, ReminderDelivery
from . import ChannelError
from .message import Message

logger = logging.getLogger(__name__)


class LogSmsBackend:
    """Writes the text to the log instead of sending it; a real backend hands `delivery_id` to the
    gateway as its 外部流水号 so a repeat can be dropped."""

    def send(self, *, phone: str, text: str, delivery_id: int) -> None:
        logger.info("短信（仅记录日志，未实际发送）→ %s：%s [delivery %s]", phone, text, delivery_id)


class SmsChannel:
    code = Channel.SMS

    def send(self, delivery: ReminderDelivery, message: Message) -> None:
        phone = delivery.user.phone if delivery.user else ""
        if not phone:
            raise ChannelError("接收用户没有填写手机号。", permanent=True)
        backend = import_string(settings.REMINDERS_SMS_BACKEND)()
        try:
            backend.send(phone=phone, text=message.short[:300], delivery_id=delivery.pk)
        except ChannelError:
            raise
        except Exception as exc:  # a gateway error of any kind: retried with backoff
            raise ChannelError(f"短信发送失败：{exc}") from exc
