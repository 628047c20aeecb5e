"""Who may do what through the API — the one permission module (object scoping lives in selectors).

Roles: 项目办 (everything), 责任单位 (reads all; writes only its own department's projects and items),
包保领导 (reads all; comments on its own projects), 只读用户 and read-only tokens (read only).
"""

from __future__ import annotations

from rest_framework import permissions

from apps.accounts.models import Role
from apps.projects.selectors import is_office

SAFE = permissions.SAFE_METHODS


def token_is_read_only(request) -> bool:
    token = getattr(request, "auth", None)
    return bool(token is not None and getattr(token, "read_only", False))


class RolePermission(permissions.BasePermission):
    """Authenticated users read; writes need a role the view allows and a read-write credential."""

    message = "没有权限执行此操作。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE:
            return True
        if token_is_read_only(request):
            self.message = "只读令牌不能修改数据。"
            return False
        allowed = getattr(view, "write_roles", (Role.PORTFOLIO_OFFICE,))
        action = getattr(view, "action", None)
        allowed = getattr(view, "action_roles", {}).get(action, allowed)
        if is_office(user):
            return Role.PORTFOLIO_OFFICE in allowed or "any" in allowed
        if user.role in allowed or "any" in allowed:
            return True
        self.message = "您的角色不能执行此操作。"
        return False

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE:
            return True
        if is_office(request.user):
            return True
        checker = getattr(view, "can_write_object", None)
        if checker is None:
            return False
        if not checker(request.user, obj):
            self.message = "只能修改本单位负责的项目和事项。"
            return False
        return True
