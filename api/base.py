"""What every API resource shares: the user's scope, the pages' FilterSets, sync, idempotent creates."""

import uuid

from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import status, viewsets
from rest_framework.response import Response

from api.sync import NO_DELETION, SyncFilterBackend
from kube_portal.db_router import reads_from_replica


class ScopedViewSet(viewsets.GenericViewSet):
    """A register read through `Model.objects.visible_to(user)`: outside the scope is 404.

    `sync_field` is the time a row last changed (for `updated_since`); `deleted_q(since)` the rows
    deactivated since then. Reads go to the replica where there is one (kube_portal.db_router).
    """

    filter_backends = [DjangoFilterBackend, SyncFilterBackend]
    # Ids are bigints: anything longer is no object (a 404), never a query PostgreSQL refuses.
    lookup_value_regex = r"[0-9]{1,18}"
    sync_field = "updated_at"
    #: Input serializer of create/update actions; the read serializer answers them.
    write_serializer_class = None
    #: A service's field name -> the API's (the service says "members", the API "members_present").
    error_fields: dict[str, str] = {}

    def get_queryset(self):
        return self.queryset.model.objects.visible_to(self.request.user)

    def deleted_q(self, since) -> Q:
        return NO_DELETION

    def filter_queryset(self, queryset):
        if self.request.query_params.get("deleted_since"):
            # Deactivated rows, which the lists' default filters hide: only the sync filter applies.
            return SyncFilterBackend().filter_queryset(self.request, queryset, self)
        return super().filter_queryset(queryset)

    def dispatch(self, request, *args, **kwargs):
        return reads_from_replica(super().dispatch)(request, *args, **kwargs)

    def answer(self, obj, *, created: bool) -> Response:
        data = self.get_serializer(obj).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class IdempotentCreateMixin:
    """POST with a `client_uuid`: the first time 201 and the new object; again, 200 and the stored one.

    The replay is found here before the input is validated again (the KUBE may have been
    reassigned since the phone queued the request: the stored object is still the answer);
    the services check the UUID once more under a lock, for two requests racing.
    """

    def stored_by_client_uuid(self, request):
        value = request.data.get("client_uuid") if hasattr(request.data, "get") else None
        try:
            client_uuid = uuid.UUID(str(value))
        except (TypeError, ValueError, AttributeError):
            return None
        return self.get_queryset().filter(client_uuid=client_uuid).first()

    def create(self, request, *args, **kwargs):
        stored = self.stored_by_client_uuid(request)
        if stored is not None:
            return self.answer(stored, created=False)
        serializer = self.write_serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        obj, created = self.perform_write(serializer.validated_data)
        return self.answer(obj, created=created)

    def perform_write(self, data) -> tuple[object, bool]:
        raise NotImplementedError
