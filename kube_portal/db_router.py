"""Reads of the heavy read-only pages on the read replica; everything else on the primary.

A view opts in with one decorator, `@reads_from_replica` (for a class-based view,
`method_decorator(reads_from_replica, name="dispatch")`). While it runs (and while its
streamed response is sent), `ReplicaRouter` sends its reads to the `replica` alias, which
exists only when `DATABASE_REPLICA_URL` is set. Everything else reads the primary:

- writes, and `select_for_update` / `get_or_create` reads, always go to the primary;
- a read inside a transaction on the primary stays there (a transaction reads its own rows);
- logins, sessions, users and permissions are read where they are written (`PRIMARY_APPS`);
- a request that is not GET/HEAD/OPTIONS;
- read-your-writes: a browser that made a successful write request (`ReadYourWritesMiddleware`
  marks it with a signed cookie) reads the primary for `DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS`;
- a replica that does not answer (fast connect timeout; then left alone for
  `RETRY_AFTER_SECONDS`), or that lags more than `DATABASE_REPLICA_MAX_LAG_SECONDS`.

The replica is probed once per opted-in request, at its first read: one round trip that
also checks the connection (so a replica that went away is noticed before a query fails).
"""

import contextvars
import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass

from django.conf import settings
from django.db import Error, connections
from django.http import FileResponse, HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
# Read where they are written: a replica a second behind would log a user out right after
# logging in, refuse an API token just issued, or keep honouring a permission just withdrawn.
PRIMARY_APPS = frozenset({"auth", "accounts", "sessions", "authtoken", "contenttypes", "admin"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WROTE_COOKIE = "kube_wrote"
WROTE_SALT = "kube_portal.db_router.wrote"
# After a failed probe the replica is left alone this long, so that a replica that is down
# costs one connect timeout per process every few seconds, not one per request.
RETRY_AFTER_SECONDS = 10.0

# Seconds the replica is behind. The time since the last replayed commit alone would grow
# without any lag on an idle primary (nothing new to replay), so a replica that has replayed
# everything it received while its WAL receiver runs counts as caught up. A receiver that is
# not running (primary unreachable) leaves the replica as far behind as its last commit.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
         AND EXISTS (SELECT FROM pg_stat_wal_receiver) THEN 0
    ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""


@dataclass(frozen=True)
class ReplicaHealth:
    reachable: bool
    lag_seconds: float | None = None  # None: unreachable, or nothing replayed yet
    error: str = ""

    @property
    def usable(self) -> bool:
        return (
            self.reachable
            and self.lag_seconds is not None
            and self.lag_seconds <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        )

    def describe(self) -> str:
        """For /healthz: "ok", or why reads go to the primary."""
        if not self.reachable:
            return f"degraded: unreachable ({self.error}), reads go to the primary"
        if self.lag_seconds is None:
            return "degraded: lag unknown (nothing replayed yet), reads go to the primary"
        if not self.usable:
            return (
                f"degraded: lag {self.lag_seconds:.1f} s above {settings.DATABASE_REPLICA_MAX_LAG_SECONDS} s, "
                "reads go to the primary"
            )
        return "ok"


class _ViewReads:
    """One opted-in request: whether its reads go to the replica, decided at its first read."""

    __slots__ = ("use_replica",)

    def __init__(self) -> None:
        self.use_replica: bool | None = None


_view_reads: contextvars.ContextVar[_ViewReads | None] = contextvars.ContextVar("kube_replica_reads", default=None)
# (host, port, database) of a replica whose probe failed -> time.monotonic() of the next try.
_down_until: dict[tuple, float] = {}
# The same key -> time.monotonic() of the last warning about its lag (one a while, not one a request).
_lag_warned_at: dict[tuple, float] = {}


def replica_configured() -> bool:
    return REPLICA in connections.settings


def replica_health() -> ReplicaHealth:
    """Probe the replica now: does it answer, and how far behind is it."""
    connection = connections[REPLICA]
    reused = connection.connection is not None
    try:
        return _probe(connection)
    except Error as error:
        with suppress(Error):
            connection.close()
        if not reused:
            return ReplicaHealth(reachable=False, error=error.__class__.__name__)
    # A kept-alive connection can have died with a replica that is back by now: one fresh try.
    try:
        return _probe(connection)
    except Error as error:
        with suppress(Error):
            connection.close()
        return ReplicaHealth(reachable=False, error=error.__class__.__name__)


def _probe(connection) -> ReplicaHealth:
    with connection.cursor() as cursor:
        cursor.execute(LAG_SQL)
        (lag,) = cursor.fetchone()
    return ReplicaHealth(reachable=True, lag_seconds=None if lag is None else float(lag))


def _replica_usable() -> bool:
    params = connections[REPLICA].settings_dict
    key = (params["HOST"], params["PORT"], params["NAME"])
    if time.monotonic() < _down_until.get(key, 0.0):
        return False
    health = replica_health()
    if not health.reachable:
        _down_until[key] = time.monotonic() + RETRY_AFTER_SECONDS
        logger.warning("Read replica unreachable (%s): reads go to the primary", health.error)
    elif not health.usable and time.monotonic() > _lag_warned_at.get(key, 0.0) + RETRY_AFTER_SECONDS:
        _lag_warned_at[key] = time.monotonic()
        logger.warning("Read replica %s", health.describe())
    return health.usable


def wrote_recently(request: HttpRequest) -> bool:
    seconds = settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS
    if seconds <= 0:
        return False
    return request.get_signed_cookie(WROTE_COOKIE, default=None, salt=WROTE_SALT, max_age=seconds) is not None


class ReplicaRouter:
    """Django database router: see the module docstring for the rules."""

    def db_for_read(self, model, **hints):
        reads = _view_reads.get()
        if reads is None or model._meta.app_label in PRIMARY_APPS or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        if reads.use_replica is None:
            reads.use_replica = _replica_usable()
        return REPLICA if reads.use_replica else PRIMARY

    def db_for_write(self, model, **hints):
        # Said explicitly: without it Django would write an object read from the replica back there.
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows: an object read from either may point to one from the other.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None


def reads_from_replica(view: Callable) -> Callable:
    """Let this read-only view (dashboards, exports, reports) read from the replica."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in SAFE_METHODS or not replica_configured() or wrote_recently(request):
            return view(request, *args, **kwargs)
        reads = _ViewReads()
        token = _view_reads.set(reads)
        try:
            response = view(request, *args, **kwargs)
        finally:
            _view_reads.reset(token)
        if isinstance(response, HttpResponseBase) and response.streaming and not isinstance(response, FileResponse):
            # A streamed export reads its rows while the server sends them, after the view returned.
            response.streaming_content = _streamed(reads, response.streaming_content)
        return response

    wrapped.reads_from_replica = True  # type: ignore[attr-defined]
    return wrapped


def _streamed(reads: _ViewReads, chunks: Iterable[bytes]) -> Iterator[bytes]:
    iterator = iter(chunks)
    while True:
        token = _view_reads.set(reads)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _view_reads.reset(token)
        yield chunk


class ReadYourWritesMiddleware:
    """Mark the browser of a successful write request, so that its next pages read the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        seconds = settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS
        if request.method not in SAFE_METHODS and response.status_code < 400 and seconds > 0 and replica_configured():
            response.set_signed_cookie(
                WROTE_COOKIE,
                "1",
                salt=WROTE_SALT,
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
