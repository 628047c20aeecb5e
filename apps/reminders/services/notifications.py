"""Writes on a user's own notifications and channel preferences."""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.policy import acting_user, require
from apps.accounts.types import Actor

from ..models import ChannelPreference, Notification


def notification_mark_read(*, actor: Actor, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read (reading twice keeps the first time)."""
    require(actor, "read", notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: Actor) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    return Notification.objects.filter(user=acting_user(actor), read_at__isnull=True).update(read_at=timezone.now())


def preference_update(*, actor: Actor, in_app: bool | None = None, email: bool | None = None, sms: bool | None = None) -> ChannelPreference:
    """Set the actor's own channel preferences; fields left None keep their value."""
    pref, _ = ChannelPreference.objects.get_or_create(user=acting_user(actor))
    for name, value in (("in_app", in_app), ("email", email), ("sms", sms)):
        if value is not None:
            setattr(pref, name, value)
    pref.save()
    return pref
