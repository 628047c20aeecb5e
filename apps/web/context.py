"""The header every page shows: who is signed in (name, post, department, role) and the bell."""

from __future__ import annotations

from django.http import HttpRequest

from apps.accounts.policy import is_office
from apps.reminders.selectors import unread_count


def header(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith(("/admin/", "/api/")):
        return {}
    leader = user.leader if user.leader_id else None
    department = user.department if user.department_id else None
    return {
        "me": {
            "name": str(user),
            "post": leader.position if leader and leader.position != str(user) else "",
            "department": department.name if department else "",
            "role": user.get_role_display(),
            "is_office": is_office(user),
            "unread": unread_count(user),
        }
    }
