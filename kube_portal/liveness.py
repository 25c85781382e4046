"""Whether a background job is really running: its worker holds a PostgreSQL advisory lock.

A worker takes a session-level advisory lock `(namespace, job id)` when it starts a job and
releases it when the job ends. PostgreSQL releases the locks of a session whose connection
ends, so a worker that dies in any way (SIGKILL, the kernel's OOM killer, a lost machine)
frees them at once. A job marked running whose lock is free is therefore known dead, with
no heartbeat interval to tune and no clock to trust.
"""

from django.db import connection

#: Advisory-lock keys are two int4; ids beyond that wrap (a clash needs two billion jobs).
_KEY_SPACE = 2**31


def _key(job_id: int) -> int:
    return job_id % _KEY_SPACE


def hold(namespace: int, job_id: int) -> bool:
    """Take the job's lock on this connection; False when another session holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [namespace, _key(job_id)])
        return cursor.fetchone()[0]


def release(namespace: int, job_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [namespace, _key(job_id)])


_HELD_SQL = """
    SELECT objid::bigint FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid::bigint = %s
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


def held(namespace: int, job_ids) -> set[int]:
    """Which of these jobs some session (a live worker) holds the lock of."""
    job_ids = list(job_ids)
    if not job_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(_HELD_SQL, [namespace])
        keys = {row[0] for row in cursor.fetchall()}
    return {job_id for job_id in job_ids if _key(job_id) in keys}
