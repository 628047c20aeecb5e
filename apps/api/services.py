"""API tokens: issued and revoked by a user the policy lets do it, and marked used by the
authentication (the one write a request makes on a read: bookkeeping, like a session's last login)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from apps.accounts.policy import require
from apps.accounts.types import Actor

from .models import ApiToken, TokenScope, default_expiry, hash_key

# The authentication records a use at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


def token_issue(
    *,
    actor: Actor,
    user,
    name: str,
    scope: str = TokenScope.READ,
    expires_at: dt.datetime | None = None,
    never_expires: bool = False,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its clear-text key (shown to the issuer once).

    Without `expires_at` the token expires after API_TOKEN_DEFAULT_DAYS: a key forgotten in a
    retired system stops working by itself. A token that never expires must be asked for by
    name (`never_expires=True`), never obtained by leaving a field out. `actor` None is the
    system (the issue_token command run by the operator).
    """
    if never_expires and expires_at is not None:
        raise ValueError("expires_at and never_expires exclude each other")
    if not never_expires and expires_at is None:
        expires_at = default_expiry()
    key = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, scope=scope, expires_at=expires_at, prefix=key[:8], key_hash=hash_key(key))
    require(actor, "create", token)
    token.save()
    return token, key


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token for good (no un-revoke: that would be a back door); revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    require(actor, "revoke", token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_mark_used(token: ApiToken) -> None:
    """Record that `token` authenticated a request (throttled; no history entry, no policy: the
    token's own use is not an act of its user)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
