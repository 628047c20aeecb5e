"""Reads of the 通报: the list everybody signed in may read, and who receives it."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.models import User
from apps.reminders.selectors import digest_recipients

from .models import Bulletin, BulletinSubscription


def bulletin_list() -> QuerySet[Bulletin]:
    """Every bulletin, newest period and version first, without the heavy columns.

    Every signed-in role reads them (departments included): the 通报 is circulated to all units,
    and a department needs its own ranking and its red and yellow projects."""
    return Bulletin.objects.select_related("generated_by").defer("html", "figures")


def bulletin_recipients() -> QuerySet[User]:
    """Who receives a 通报: the users holding a leader position (the digest's leaders) unless they
    opted out, and any other active user who opted in (BulletinSubscription.active)."""
    subscription = BulletinSubscription.objects.filter(user=OuterRef("pk"))
    opted_in = Exists(subscription.filter(active=True))
    opted_out = Exists(subscription.filter(active=False))
    leaders = Q(pk__in=digest_recipients().values("pk"))
    return User.objects.filter(is_active=True).filter((leaders & ~opted_out) | opted_in).order_by("id")
