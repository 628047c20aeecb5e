"""Channels behind one interface: `send(delivery, message)` raises ChannelError when it fails.

A permanent error (no e-mail address, endpoint disabled) fails the row at once; any other error
is retried with backoff by the send task, up to REMINDERS_MAX_ATTEMPTS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..models import ReminderDelivery
    from .message import Message


class ChannelError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class ReminderChannel(Protocol):
    code: str

    def send(self, delivery: ReminderDelivery, message: Message) -> None: ...


def get_channel(code: str) -> ReminderChannel:
    from .email import EmailChannel
    from .in_app import InAppChannel
    from .sms import SmsChannel
    from .webhook import WebhookChannel

    channels = {c.code: c for c in (InAppChannel(), EmailChannel(), WebhookChannel(), SmsChannel())}
    try:
        return channels[code]
    except KeyError:
        raise ChannelError(f"未知的发送渠道：{code}", permanent=True) from None
