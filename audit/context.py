"""Where a write came from: the pghistory context that the database triggers attach to every event.

The context is a row of `pghistory_context` whose metadata says who and from where; every event
written while it is active points at it. Its keys:

- `user`: the acting user's id;
- `source`: one of `Source` (a page, the API, the admin, an import job, the nightly run...);
- `url`, `method`, `view`: the request's path, method and URL name (pages, API, admin);
- `import_job`: the ImportJob's id; `run`: the RecomputeRun's id.

Pages and the API get theirs from `audit.middleware.AuditContextMiddleware`; background work
enters one with `write_context` (the import task, the nightly run, commands).
"""

import threading
from typing import Any

import pghistory
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    PAGE = "page", _("halaman")
    API = "api", "API"
    ADMIN = "admin", _("admin")
    IMPORT = "import", _("impor")
    NIGHTLY = "nightly", _("proses malam")
    COMMAND = "command", _("perintah")
    DEMO = "demo", _("data demo")


_depth = threading.local()


class write_context:
    """`with write_context(Source.IMPORT, import_job=7):` records the writes inside as coming from there.

    pghistory's context, plus one thing it leaves open: it hands the context to PostgreSQL with
    transaction-local settings, which outlive the `with` block when an outer transaction goes on
    (a test, a command that wraps more work in one transaction). Leaving the outermost block
    inside a transaction clears them, so later writes are not credited to this context. Nested,
    it adds its keys to the outer context.
    """

    def __init__(self, source: Source, **metadata: Any):
        self._context = pghistory.context(source=source.value, **metadata)

    def __enter__(self):
        _depth.value = getattr(_depth, "value", 0) + 1
        return self._context.__enter__()

    def __exit__(self, exc_type, exc, traceback):
        self._context.__exit__(exc_type, exc, traceback)
        _depth.value -= 1
        if _depth.value == 0 and exc_type is None and connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('pghistory.context_id', '', true), "
                    "set_config('pghistory.context_metadata', '', true)"
                )
        return False


def add_to_context(**metadata: Any) -> None:
    """Add keys (a run's id once it exists) to the context entered further up, if there is one."""
    pghistory.context(**metadata)


class RequestUser:
    """The request's user, looked up when a write is recorded rather than when the request starts.

    Django's session middleware sets `request.user` lazily; token authentication (Django REST
    framework) sets it only inside the view. pghistory serialises the context metadata before
    each writing statement, and `ContextEncoder` asks this object then: whoever the request is
    authenticated as by that time is the actor, and a request that writes nothing never loads
    its user for the trail.
    """

    def __init__(self, request):
        self.request = request

    @property
    def pk(self) -> int | None:
        user = getattr(self.request, "user", None)
        return user.pk if user is not None and user.is_authenticated else None


class ContextEncoder(DjangoJSONEncoder):
    """pghistory's encoder for the context metadata (settings.PGHISTORY_JSON_ENCODER)."""

    def default(self, o):
        if isinstance(o, RequestUser):
            return o.pk
        return super().default(o)
