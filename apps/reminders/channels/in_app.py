"""In-app notifications: a Notification row written in the send task's own transaction, so the
row and the delivery's status commit together (exactly once, not merely at least once)."""

from __future__ import annotations

from ..models import Channel, Notification, ReminderDelivery
from . import ChannelError
from .message import Message


def _notification(delivery: ReminderDelivery, message: Message) -> Notification:
    return Notification(
        user_id=delivery.user_id,
        delivery=delivery,
        project_id=delivery.project_id,
        title=message.title[:200],
        body=message.text,
        link=delivery.context.get("link", "")[:300],
    )


class InAppChannel:
    code = Channel.IN_APP

    def send(self, delivery: ReminderDelivery, message: Message) -> None:
        if delivery.user_id is None:
            raise ChannelError("站内消息需要接收用户。", permanent=True)
        _notification(delivery, message).save()

    def send_many(self, pairs: list[tuple[ReminderDelivery, Message]]) -> None:
        """A batch's notifications in one INSERT (the caller holds the rows' locks and its transaction)."""
        Notification.objects.bulk_create([_notification(delivery, message) for delivery, message in pairs])
