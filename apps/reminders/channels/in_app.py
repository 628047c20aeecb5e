"""In-app notifications: a Notification row written in the send task's own transaction, so the
row and the delivery's status commit together (exactly once, not merely at least once)."""

from __future__ import annotations

from ..models import Channel, Notification, ReminderDelivery
from . import ChannelError
from .message import Message


class InAppChannel:
    code = Channel.IN_APP

    def send(self, delivery: ReminderDelivery, message: Message) -> None:
        if delivery.user_id is None:
            raise ChannelError("站内消息需要接收用户。", permanent=True)
        Notification.objects.create(
            user_id=delivery.user_id,
            delivery=delivery,
            project_id=delivery.project_id,
            title=message.title[:200],
            body=message.text,
            link=delivery.context.get("link", "")[:300],
        )
