"""Who acts: the one type of every `actor` parameter (services, policy, selectors, tasks, API).

A signed-in `User`; `AnonymousUser` when it is a request's user that may not have signed in (the
policy refuses it with 请先登录); `None` for the system itself (the reminder sweep, the seeds,
migrations), which the policy always allows.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser

from .models import User

Actor: TypeAlias = User | AnonymousUser | None
