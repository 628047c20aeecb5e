"""Uploaded files (批复文件, 销号佐证, 督办文书) for signed-in users only, in every deployment.

They are government documents: not public, and not only served when DEBUG is on. Read through the
default storage, so the same view serves the local disk and any other storage backend."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path


@login_required
def media(request: HttpRequest, name: str) -> FileResponse:
    parts = PurePosixPath(name).parts
    if not parts or ".." in parts or name.startswith("/") or not default_storage.exists(name):
        raise Http404("文件不存在。")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(default_storage.open(name, "rb"), content_type=content_type, filename=PurePosixPath(name).name)


urlpatterns = [path("media/<path:name>", media, name="media")]
