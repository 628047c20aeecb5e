"""Uploaded files (批复文件, 销号佐证, 督办文书) for signed-in users only, in every deployment.

They are government documents: not public, and not only served when DEBUG is on. A file is served
only while a row references it (apps/core/uploads.py `upload_owner`) and only to whoever the policy
lets download that row's files; anything else — a folder, an odd or replaced name, a missing file —
is a 404, never a 500.

Each response names its type from what was verified on upload (never from the name), is an
attachment except for verified images and PDFs, forbids sniffing, and carries its own sandbox CSP
(the site-wide CSP middleware leaves an existing header alone): even a file that slipped past the
check cannot run script in this origin. Read through the default storage, so the same view serves
the local disk and any other storage backend."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path
from django.views.decorators.http import require_safe

from apps.accounts.policy import decide
from apps.core.uploads import display_name, served_kind, upload_owner

# No script, no plugin, no request of its own, an opaque origin; images and PDFs still display.
MEDIA_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
NOT_FOUND = "文件不存在。"


@require_safe
@login_required
def media(request: HttpRequest, name: str) -> FileResponse:
    owner = upload_owner(name)
    if owner is None:
        raise Http404(NOT_FOUND)
    row, field = owner
    decision = decide(request.user, "download", row)
    if not decision:
        raise PermissionDenied(decision.reason)
    try:
        handle = getattr(row, field.name).open("rb")
    except (OSError, SuspiciousFileOperation, ValueError) as exc:  # missing, a folder, a name the storage refuses
        raise Http404(NOT_FOUND) from exc
    kind = served_kind(row, field)
    response = FileResponse(
        handle,
        content_type=kind.content_type if kind else "application/octet-stream",
        as_attachment=not (kind and kind.inline),
        filename=display_name(row, field),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [path("media/<path:name>", media, name="media")]
