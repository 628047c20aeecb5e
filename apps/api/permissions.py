"""The API applies the domain policy (apps/accounts/policy.py); it decides nothing of its own except
what only a credential can say: a read-only token reads only.

A viewset action maps to a policy verb (create, change, and the domain verbs); the model is the
viewset's. Before the body is read the class-level question is asked ("could this role ever"), then
the object-level one on the object being written. Services ask again, so a write that reaches a
service with an actor the policy refuses is refused there too.
"""

from __future__ import annotations

from rest_framework import permissions

from apps.accounts.policy import decide

SAFE = permissions.SAFE_METHODS

# viewset action -> policy verb, where they differ (other actions are their own verb)
ACTION_VERBS = {
    "create": "create",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
    "return_report": "return",
    "comments": "comment",
    # A project's responsibilities are part of the project: a change to them is a change to it; the
    # service then asks the policy about the row itself (who may set which role).
    "responsibilities": "change",
    "responsibility": "change",
    "read_all": "read",
    "me": "change",
}


def token_is_read_only(request) -> bool:
    token = getattr(request, "auth", None)
    return bool(token is not None and getattr(token, "read_only", False))


def view_verb(view) -> str:
    action = getattr(view, "action", None) or ""
    return ACTION_VERBS.get(action, action)


def view_model(view):
    model = getattr(view, "model", None)
    if model is None:
        queryset = getattr(view, "queryset", None)
        model = getattr(queryset, "model", None)
    return model


class RolePermission(permissions.BasePermission):
    """Authenticated users read; a write needs a read-write credential and the policy's yes."""

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
        model = view_model(view)
        if model is None:
            return False
        decision = decide(user, view_verb(view), model)
        if not decision:
            self.message = decision.reason
        return decision.allowed

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE:
            return True
        decision = decide(request.user, view_verb(view), obj)
        if not decision:
            self.message = decision.reason
        return decision.allowed
