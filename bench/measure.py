"""Measures the benchmarks share."""

import os
from pathlib import Path


def backend_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL backend (the machine is shared: wall time is noisy).

    None when the server does not run on this machine.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
