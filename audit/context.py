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

from typing import Any

import pghistory
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    PAGE = "page", _("halaman")
    API = "api", "API"
    ADMIN = "admin", _("admin")
    IMPORT = "import", _("impor")
    NIGHTLY = "nightly", _("proses malam")
    COMMAND = "command", _("perintah")
    DEMO = "demo", _("data demo")


def write_context(source: Source, **metadata: Any) -> pghistory.context:
    """Enter (`with`) to record the writes inside as coming from `source`; nested, it adds to the outer one."""
    return pghistory.context(source=source.value, **metadata)


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
