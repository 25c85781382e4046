"""Sync of big registers: cursor pages in a stable order, `updated_since`, `deleted_since`, `fields=`.

A client copies a register page by page (`next` until it is null), remembers the
`server_time` of the first page, and later asks `?updated_since=<that time>` for what changed
since, and `?deleted_since=<that time>` for what was deactivated since (a deactivated row is
never deleted: households leave the register with a reason, KUBE are dissolved, mentors
become inactive). Pages are ordered by id, which never changes, so a row changed while the
client pages is neither skipped nor repeated; it comes back with the next sync.
"""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class SyncCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        # The moment the page was read, for the client's next `updated_since`.
        self.server_time = timezone.now()
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "server_time": self.server_time.isoformat(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        wrapped = super().get_paginated_response_schema(schema)
        wrapped["properties"]["server_time"] = {"type": "string", "format": "date-time"}
        wrapped["required"] = ["results", "server_time"]
        return wrapped


def parse_moment(name: str, value: str) -> datetime.datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is not None:
            moment = datetime.datetime.combine(day, datetime.time.min)
    if moment is None:
        raise exceptions.ValidationError(
            {name: [_("Waktu tidak valid; gunakan ISO 8601, mis. 2026-01-31T08:00:00+07:00.")]}
        )
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts.
        return moment.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise exceptions.ValidationError({name: [_("Waktu di luar jangkauan.")]}) from None


class SyncFilterBackend(BaseFilterBackend):
    """`updated_since` on the view's `sync_field`; `deleted_since` on its `deleted_q(since)`.

    With `deleted_since` the list holds only the rows deactivated since, whatever the list's
    default filters (which hide inactive rows) say: SyncViewMixin.filter_queryset starts
    from the scoped queryset for it.
    """

    def filter_queryset(self, request, queryset, view):
        updated = request.query_params.get("updated_since")
        if updated:
            queryset = queryset.filter(**{f"{view.sync_field}__gte": parse_moment("updated_since", updated)})
        deleted = request.query_params.get("deleted_since")
        if deleted:
            queryset = queryset.filter(view.deleted_q(parse_moment("deleted_since", deleted)))
        return queryset

    def get_schema_operation_parameters(self, view):
        return []


SYNC_PARAMETERS = [
    OpenApiParameter(
        "updated_since", OpenApiTypes.DATETIME, description="Rows created or changed at or after this time."
    ),
    OpenApiParameter(
        "deleted_since", OpenApiTypes.DATETIME, description="Only the rows deactivated at or after this time."
    ),
    OpenApiParameter(
        "fields", OpenApiTypes.STR, description="Comma-separated fields to return (the others are left out)."
    ),
]


def requested_fields(request) -> set[str] | None:
    value = request.query_params.get("fields") if request is not None else None
    if not value:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


class TrimmedFieldsMixin:
    """A serializer that returns only the fields named in `?fields=` (list and detail reads)."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        wanted = requested_fields(request) if request is not None and request.method == "GET" else None
        parent = self.parent
        top_level = parent is None or (isinstance(parent, serializers.ListSerializer) and parent.parent is None)
        if wanted and top_level:
            # Unknown names are ignored; nothing known asked for: the whole object.
            kept = {name: field for name, field in fields.items() if name in wanted}
            return kept or fields
        return fields


NO_DELETION = Q(pk__in=[])
