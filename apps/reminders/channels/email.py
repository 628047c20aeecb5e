"""E-mail in Chinese, HTML with a plain-text alternative, through Django's EMAIL_* settings."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from ..models import Channel, ReminderDelivery
from . import ChannelError
from .message import Message


def message_id(delivery_id: int) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<reminder-delivery-{delivery_id}@{domain}>"


class EmailChannel:
    code = Channel.EMAIL

    def send(self, delivery: ReminderDelivery, message: Message) -> None:
        address = delivery.user.email if delivery.user else ""
        if not address:
            raise ChannelError("接收用户没有填写电子邮箱。", permanent=True)
        mail = EmailMultiAlternatives(
            subject=message.title,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            # One Message-ID per delivery: the once-more send after a worker died mid-send is the
            # same message to mail servers and clients that drop repeated ids.
            headers={"X-Reminder-Delivery-Id": str(delivery.pk), "Message-ID": message_id(delivery.pk)},
        )
        mail.attach_alternative(message.html, "text/html")
        try:
            mail.send(fail_silently=False)
        except Exception as exc:  # SMTP and socket errors alike: retried with backoff
            raise ChannelError(f"邮件发送失败：{exc}") from exc
