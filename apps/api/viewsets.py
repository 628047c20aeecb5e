"""The base of every /api/v1/ viewset: one selector for reads, one service per write, ETags,
the size limit, and a cursor-paginated `sync` action with tombstones."""

from __future__ import annotations

import contextlib
import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core import versioning
from apps.core.datetimes import parse_aware_datetime
from apps.core.errors import MESSAGES

from .errors import PayloadTooLarge
from .pagination import SyncCursorPagination


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = MESSAGES[412]
    default_code = "precondition_failed"

    def __init__(self, current: dict, etag: str, detail: str | None = None):
        super().__init__(detail)
        self.extra = {"current": current, "etag": etag}


class PreconditionRequired(exceptions.APIException):
    """A write that must name the version it saw (`ApiViewSet.if_match_required`) came without one."""

    status_code = 428
    default_detail = MESSAGES[428]
    default_code = "precondition_required"


def etag_of(data) -> str:
    """The ETag of a representation that has no version column (the hash of what was sent)."""
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    return '"' + hashlib.sha256(payload).hexdigest()[:32] + '"'


class TombstoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="对象ID")
    deleted_at = serializers.DateTimeField(help_text="归档或删除时间；同步方据此删除本地副本")


UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    required=False,
    description="只返回此时间（ISO 8601，含时区）之后更新的对象，例如 2026-11-01T00:00:00+08:00",
)


def updated_since(text: str):
    """The `updated_since` moment, or a 400 naming the parameter (offsets beyond ±14 h included)."""
    try:
        return parse_aware_datetime(text)
    except ValueError as exc:
        raise exceptions.ValidationError({"updated_since": [str(exc)]}) from None


def cursor_page(item, name: str):
    """The OpenAPI shape of one sync page: {next, previous, results[]} (no count: cursor pagination)."""
    many = item(many=True) if isinstance(item, type) else item
    return type(
        name,
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True, help_text="下一页地址（无则为 null）"),
            "previous": serializers.URLField(allow_null=True, help_text="上一页地址"),
            "results": many,
            "__module__": __name__,
        },
    )


def crud_docs(*, list_: str, retrieve: str, create: str, update: str, output, sync: str | None = None):
    """The OpenAPI summaries of a resource's list/detail/create/update (and sync) operations."""
    views = {
        "list": extend_schema(summary=list_),
        "retrieve": extend_schema(summary=retrieve),
        "create": extend_schema(summary=create, responses={201: output}),
        "update": extend_schema(summary=update, responses=output),
        "partial_update": extend_schema(summary=f"{update}（部分字段）", responses=output),
    }
    if sync:
        views["sync"] = extend_schema(responses=cursor_page(output, sync))
    return extend_schema_view(**views)


class ApiViewSet(viewsets.GenericViewSet):
    """Reads come from `selector(user)`; serializers: `output_serializer_class` (detail and list),
    `list_serializer_class` (optional), `input_serializer_class` (create/update)."""

    output_serializer_class: type[serializers.Serializer]
    list_serializer_class: type[serializers.Serializer] | None = None
    input_serializer_class: type[serializers.Serializer] | None = None
    update_serializer_class: type[serializers.Serializer] | None = None
    # Writes that overwrite figures others rely on (annual plans) must send the ETag they read:
    # no If-Match, or "*", is a 428 rather than a blind overwrite.
    if_match_required: bool = False

    def selector(self, user):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no database access
            return self.queryset
        # One selector per request: building it reads the light rules and the calendar, which a
        # write would otherwise read three times (the lock, the object, the representation).
        if getattr(self, "_selected", None) is None:
            self._selected = self.selector(self.request.user)
        queryset = self._selected.all()
        return queryset.prefetch_related(None) if getattr(self, "_for_write", False) else queryset

    def get_serializer_class(self):
        if self.action == "list" and self.list_serializer_class is not None:
            return self.list_serializer_class
        if self.action in ("create",) and self.input_serializer_class is not None:
            return self.input_serializer_class
        if self.action in ("update", "partial_update"):
            return self.update_serializer_class or self.input_serializer_class or self.output_serializer_class
        return self.output_serializer_class

    # Actions that take an attachment (multipart): their body may also hold one file of up to
    # UPLOAD_MAX_SIZE, which the upload check then refuses in Chinese if it is too big.
    upload_actions: frozenset[str] = frozenset()

    def body_limit(self) -> int:
        if self.action in self.upload_actions:
            return settings.DATA_UPLOAD_MAX_MEMORY_SIZE + settings.UPLOAD_MAX_SIZE
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def initial(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isascii() and length.isdigit() and int(length) > self.body_limit():
            raise PayloadTooLarge()
        super().initial(request, *args, **kwargs)

    # --- representation and ETag ---------------------------------------------------------

    def represent(self, instance) -> dict:
        instance = self.get_queryset().get(pk=instance.pk)
        return self.output_serializer_class(instance, context=self.get_serializer_context()).data

    def etag(self, instance, data: dict) -> str:
        # A versioned row's ETag is its version (apps/core/versioning.py): comparing If-Match is
        # then one integer, not a rebuilt representation, and the pages and the admin, which post
        # the same version in a hidden field, are held to the same rule.
        if isinstance(instance, versioning.Versioned):
            return versioning.etag(instance)
        return etag_of(data)

    def respond(self, instance, *, status_code: int = status.HTTP_200_OK) -> Response:
        data = self.represent(instance)
        return Response(data, status=status_code, headers={"ETag": self.etag(instance, data)})

    def current_state(self) -> dict:
        """The object as it is now, for a write refused as stale by its service (412's body)."""
        instance = self.get_object()
        data = self.represent(instance)
        return {"current": data, "etag": self.etag(instance, data)}

    # The version the writer's If-Match named (None without one): UpdateMixin hands it to the service.
    seen_version: int | None = None

    def check_if_match(self, instance) -> None:
        header = self.request.headers.get("If-Match")
        candidates = {tag.strip().removeprefix("W/") for tag in (header or "").split(",") if tag.strip()}
        if self.if_match_required and (not candidates or "*" in candidates):
            raise PreconditionRequired()
        if not header:
            return
        if isinstance(instance, versioning.Versioned):
            if "*" in candidates:
                return
            seen = versioning.seen_from_etags(header)
            if seen != instance.version:
                data = self.output_serializer_class(instance, context=self.get_serializer_context()).data
                # An ETag we never issued (or one from before the version rule) names no version.
                detail = versioning.stale_message(instance, seen) if seen is not None else None
                raise PreconditionFailed(data, versioning.etag(instance), detail)
            self.seen_version = seen
            return
        current = self.output_serializer_class(instance, context=self.get_serializer_context()).data
        etag = etag_of(current)
        if "*" not in candidates and etag not in candidates:
            raise PreconditionFailed(current, etag)

    def dispatch(self, request, *args, **kwargs):
        # Every write runs in one transaction: the row is locked before its ETag is compared
        # (see write_object), and an error rolls the whole request back (errors.exception_handler).
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return super().dispatch(request, *args, **kwargs)
        request._api_atomic = True
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)

    def write_object(self, *, lock: bool = True):
        """The object for a write: visible, writable by this user, locked, and matching If-Match.

        Locking first means two offices holding the same ETag cannot both pass the check: the
        second waits for the first to commit, then sees the new version and gets 412. An update
        of a versioned row needs no lock here (`lock=False`): its service is handed the version
        the If-Match named, and its UPDATE matches only that version (apps/core/versioning.py).
        """
        if lock and transaction.get_connection().in_atomic_block:
            # Lock by the URL's id, then read the object once (a second read after the lock would
            # rebuild the whole queryset, lights included). An id that is not a number reads
            # nothing here and is get_object's 404 below.
            lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            with contextlib.suppress(ValueError, TypeError, DjangoValidationError):
                self.get_queryset().model._default_manager.select_for_update().filter(**{self.lookup_field: lookup}).exists()
        # The row, visible to this user, without the representation's prefetches: the write needs
        # its fields and its version, and the response reads it again (respond).
        self._for_write = True
        try:
            instance = self.get_object()
        finally:
            self._for_write = False
        self.check_if_match(instance)
        return instance

    def validated(self, serializer_class, *, partial: bool = False, instance=None) -> dict:
        # Unknown fields and mistyped values were refused against the schema already (strict.ConformsToSchema).
        serializer = serializer_class(instance=instance, data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ReadMixin(mixins.ListModelMixin):
    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return self.respond(instance)


class CreateMixin:
    def create_object(self, data: dict):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        data = self.validated(self.input_serializer_class)
        instance = self.create_object(data)
        response = self.respond(instance, status_code=status.HTTP_201_CREATED)
        # Where the new object lives (RFC 9110 §15.3.2, documented in the schema): clients, and
        # schemathesis's stateful phase, go from the create to the read and the update by it.
        response["Location"] = self.reverse_action("detail", args=[instance.pk])
        return response


class UpdateMixin:
    def update_object(self, instance, data: dict):
        raise NotImplementedError

    def update(self, request, *args, partial: bool = False, **kwargs):
        instance = self.write_object(lock=not issubclass(self.get_queryset().model, versioning.Versioned))
        serializer_class = self.update_serializer_class or self.input_serializer_class
        data = self.validated(serializer_class, partial=partial, instance=instance)
        if self.seen_version is not None:
            # Services that save the row they are given check it in Versioned.save; those that
            # read the row again under a lock take `seen` as an argument (update_object passes it).
            instance._seen_version = self.seen_version
        instance = self.update_object(instance, data)
        return self.respond(instance)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class SyncMixin:
    """`GET <resource>/sync/?updated_since=…`: cursor pages ordered by (updated_at, id), archived
    objects as tombstones. Deleted objects: `GET /api/v1/deletions/`."""

    tombstone_field: str | None = None  # e.g. "archived_at"

    def sync_queryset(self):
        return self.selector(self.request.user, include_archived=True) if self.tombstone_field else self.get_queryset()

    @extend_schema(parameters=[UPDATED_SINCE], summary="增量同步（游标分页，按更新时间和ID排序）")
    @action(detail=False, methods=["get"], pagination_class=SyncCursorPagination, filter_backends=[])
    def sync(self, request):
        qs = self.sync_queryset()
        since = request.query_params.get("updated_since")
        if since is not None:
            qs = qs.filter(updated_at__gt=updated_since(since))
        page = self.paginate_queryset(qs)
        deleted_at = {obj.pk: getattr(obj, self.tombstone_field) for obj in page} if self.tombstone_field else {}
        live = [obj for obj in page if deleted_at.get(obj.pk) is None]
        # One list serializer for the page: its fields are built once, not once per row.
        data = iter(self.output_serializer_class(live, many=True, context=self.get_serializer_context()).data)
        stamp = serializers.DateTimeField()
        out = [
            next(data) if deleted_at.get(obj.pk) is None else {"id": obj.pk, "deleted_at": stamp.to_representation(deleted_at[obj.pk])}
            for obj in page
        ]
        return self.get_paginated_response(out)
