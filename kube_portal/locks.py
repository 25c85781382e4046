"""PostgreSQL advisory locks: the one module that takes them, and the one registry of their keys.

Three uses, each with the kind of lock that fits it:

- **One run at a time** (`exclusive`): a session-level lock tried without waiting. A second
  nightly run (or a second set-based maturity classification) fails at once instead of doing
  the work twice. Session-level, so it outlives the run's own commits, and PostgreSQL drops it
  when the session ends: a killed run frees it at once, with no stale flag to clean up. The
  tasks of a run spread over workers hold it `shared`, side by side, while they work.
- **One writer at a time** (`wait_in_transaction`): a transaction-level lock that waits, so two
  dashboard refreshes (the nightly run and an import finishing) queue instead of interleaving.
- **Liveness of background jobs** (`job_hold`, `job_release`, `jobs_held`): a worker takes a
  session lock `(namespace, job id)` when it starts a job and releases it when the job ends.
  A worker that dies in any way (SIGKILL, the OOM killer, a lost machine) loses its connection
  and with it the lock, so a job marked running whose lock is free is known dead, with no
  heartbeat interval to tune and no clock to trust.
"""

import contextlib
import enum
from collections.abc import Callable, Iterable, Iterator

from django.db import OperationalError, connection


class Key(enum.IntEnum):
    """Every advisory-lock key of the app (one int4 each; ASCII mnemonics where they fit)."""

    NIGHTLY = 0x4B55_4752  # "KUGR": the nightly run (graduation.recompute)
    MATURITY = 0x4B55_4245  # "KUBE": the set-based KUBE maturity classification (groups.maturity)
    DASHBOARDS = 7_200_701  # the dashboard refresh (dashboards.refresh)
    IMPORT_JOBS = 0x4B55_494D  # "KUIM": namespace of the household import jobs' liveness locks
    NIGHTLY_PARTS = 0x4B55_5052  # "KUPR": namespace of the liveness locks of the nightly run's parts (provinces)


class Busy(RuntimeError):
    """Another session holds the lock."""


#: Advisory-lock keys are two int4; job ids beyond that wrap (a clash needs two billion jobs).
_KEY_SPACE = 2**31


@contextlib.contextmanager
def exclusive(key: Key, *, busy: Callable[[], Exception] = Busy) -> Iterator[None]:
    """Hold `key` for the block, or raise `busy()` at once when another session holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [int(key)])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise busy()
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [int(key)])


@contextlib.contextmanager
def shared(key: Key, *, wait_seconds: float) -> Iterator[None]:
    """Hold `key` shared for the block (with other shared holders), waiting up to `wait_seconds` for an
    exclusive holder to let go; raise `Busy` when it does not."""
    with connection.cursor() as cursor:
        # lock_timeout bounds the wait for an advisory lock too (outside a transaction: the error ends
        # only this statement); the session's setting is put back after.
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", [f"{int(wait_seconds * 1000)}ms"])
        try:
            cursor.execute("SELECT pg_advisory_lock_shared(%s)", [int(key)])
        except OperationalError as error:  # lock_not_available
            raise Busy() from error
        finally:
            cursor.execute("RESET lock_timeout")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_shared(%s)", [int(key)])


def is_held(key: Key) -> bool:
    """Whether some session of this database holds `key` now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND ((classid::bigint << 32) | objid::bigint) = %s)",
            [int(key)],
        )
        return cursor.fetchone()[0]


def wait_in_transaction(key: Key) -> None:
    """Wait for `key` and hold it until the current transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(key)])


def _job_key(job_id: int) -> int:
    return job_id % _KEY_SPACE


def job_hold(namespace: Key, job_id: int) -> bool:
    """Take the job's liveness lock on this connection; False when another session holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [int(namespace), _job_key(job_id)])
        return cursor.fetchone()[0]


def job_release(namespace: Key, job_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [int(namespace), _job_key(job_id)])


def jobs_held(namespace: Key, job_ids: Iterable[int]) -> set[int]:
    """Which of these jobs some session (a live worker) holds the liveness lock of."""
    job_ids = list(job_ids)
    if not job_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
            "AND classid::bigint = %s AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [int(namespace)],
        )
        keys = {row[0] for row in cursor.fetchall()}
    return {job_id for job_id in job_ids if _job_key(job_id) in keys}
