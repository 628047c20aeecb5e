"""Reads of accounts beyond a one-line filter."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import User
from .policy import is_office


def users_for_password_reset(*, actor: User, query: str = "") -> QuerySet[User]:
    """The accounts the office manages (all of them; the policy then says which it may reset), by
    username; nothing for any other role. `query` matches username, name or department."""
    if not is_office(actor):
        return User.objects.none()
    users = User.objects.select_related("department", "leader").order_by("username")
    query = query.strip()
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(last_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(department__name__icontains=query)
        )
    return users
