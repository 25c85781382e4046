"""Read replica benchmark: how far a streaming replica trails the primary, and what the router costs a request.

    .venv/bin/python bench/replica.py [--households 20000] [--requests 100] [--writes 200]
                                      [--database kube_replicabench]

Needs DATABASE_URL (the primary's server) and a streaming replica of that server:
DATABASE_REPLICA_URL, or the one of scripts/start_replica.sh (postgres://postgres@127.0.0.1:5433)
by default; only their host, port and user are used. Works in a scratch database of its own on
the primary (`kube_replicabench` unless --database), filled like bench/load.py's on the first run
(`seed_demo --households N` and one nightly run); the replica receives it by replication.

1. Replication lag: single-row commits and 5,000-row commits on the primary, each followed by a
   wait until the replica has replayed it (the delay a reader of the replica sees), the lag the
   router measures meanwhile, and the same figures once the primary has been idle for 3 s
   (where `now() - pg_last_xact_replay_timestamp()` alone would report seconds of lag).
2. Router cost: the national dashboard (national administrator) and the KPM CSV export of
   Kabupaten Garut, through Django's test Client with DEBUG off, median and p95 server time
   with no replica configured, with the replica, and with the replica configured but the
   browser just wrote (read-your-writes: the primary); then the replica probe and one routing
   decision alone.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kube_portal.settings")

from bench.load import fill, server_environment  # noqa: E402
from bench.scratch import scratch_database_url  # noqa: E402

PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--households", type=int, default=20_000, help="households in the scratch database (at least)")
PARSER.add_argument("--requests", type=int, default=100, help="timed requests per page and mode")
PARSER.add_argument("--writes", type=int, default=200, help="single-row commits timed to replay")
PARSER.add_argument("--database", default="kube_replicabench", help="the scratch database")


def milliseconds(values: list[float]) -> str:
    p95 = statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)
    return f"median {statistics.median(values):7.2f} ms  p95 {p95:7.2f} ms  max {max(values):7.2f} ms"


class Replica:
    """An administrative connection to the replica's server (the scratch database on it)."""

    def __init__(self, url: str):
        import psycopg2

        self.connection = psycopg2.connect(url)
        self.connection.autocommit = True

    def value(self, sql: str, params=()):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def replay_delay(self) -> float:
        """Milliseconds until the replica has replayed everything the primary committed so far."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            (target,) = cursor.fetchone()
        started = time.perf_counter()
        while not self.value("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
            if time.perf_counter() - started > 120:
                raise SystemExit(f"the replica did not replay {target} in 120 s")
        return (time.perf_counter() - started) * 1000


def replication_lag(replica: Replica, writes: int) -> None:
    from django.db import connection, transaction

    from kube_portal.db_router import replica_health

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM beneficiaries_household")
        low, high = cursor.fetchone()

    def commit(rows: int, offset: int) -> None:
        # A real write that changes nothing: new row versions, WAL to replay.
        with transaction.atomic(), connection.cursor() as cursor:
            start = low + (offset * rows) % max(high - low - rows, 1)
            cursor.execute(
                "UPDATE beneficiaries_household SET rt = rt WHERE id >= %s AND id < %s", [start, start + rows]
            )

    for label, rows, count in (("1-row commits", 1, writes), ("5,000-row commits", 5_000, max(writes // 20, 5))):
        delays, measured = [], []
        for index in range(count):
            commit(rows, index)
            measured.append(replica_health().lag_seconds or 0.0)
            delays.append(replica.replay_delay())
        print(f"  {label:<18} replay after commit: {milliseconds(delays)}   ({count} commits)")
        print(f"  {'':<18} lag the router measured meanwhile: max {max(measured) * 1000:.1f} ms")
    time.sleep(3)  # an idle primary: nothing new to replay
    naive = replica.value("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
    print(
        f"  idle primary (3 s): router lag {replica_health().lag_seconds:.3f} s; "
        f"now() - pg_last_xact_replay_timestamp() alone: {float(naive):.1f} s"
    )


def page_times(client, url: str, count: int) -> list[float]:
    for _ in range(3):  # warm connections, templates and the servers' caches
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return timings


def router_cost(requests: int) -> None:
    from django.db import connections, router
    from django.test import Client

    from accounts.models import Role, User
    from beneficiaries.models import Household
    from kube_portal import db_router
    from regions.models import Region

    def login(username: str, **fields) -> Client:
        user, _ = User.objects.update_or_create(username=username, defaults=fields)
        client = Client()
        client.force_login(user)
        return client

    admin = login("bench_replica_admin", role=Role.ADMIN, is_superuser=True)
    garut = login("bench_replica_garut", role=Role.DINSOS_KABKOTA, region=Region.objects.get(code="32.05"))
    wrote = login("bench_replica_writer", role=Role.ADMIN, is_superuser=True)
    # A real successful write request: the language switch (POST, 302) marks the browser.
    assert wrote.post("/i18n/setlang/", {"language": "id", "next": "/"}).status_code == 302
    assert db_router.WROTE_COOKIE in wrote.cookies
    pages = [("national dashboard", admin, wrote, "/dasbor/"), ("KPM export, Garut", garut, None, "/kpm/ekspor.csv")]
    replica_settings = connections.settings["replica"]
    for label, client, writer, url in pages:
        connections.settings.pop("replica")  # as without DATABASE_REPLICA_URL
        print(f"  {label:<20} no replica    {milliseconds(page_times(client, url, requests))}")
        connections.settings["replica"] = replica_settings
        print(f"  {label:<20} replica       {milliseconds(page_times(client, url, requests))}")
        if writer is not None:
            print(f"  {label:<20} just wrote    {milliseconds(page_times(writer, url, requests))}  (primary)")

    probes = []
    for _ in range(1000):
        started = time.perf_counter()
        assert db_router.replica_health().usable
        probes.append((time.perf_counter() - started) * 1000)
    print(f"  replica probe (once per request)   {milliseconds(probes)}")
    reads = db_router._ViewReads()
    reads.use_replica = True
    token = db_router._view_reads.set(reads)
    try:
        started = time.perf_counter()
        for _ in range(100_000):
            router.db_for_read(Household)
        per_read = (time.perf_counter() - started) * 1e6 / 100_000
    finally:
        db_router._view_reads.reset(token)
    print(f"  one routing decision (per query)   {per_read:.2f} µs")


def main() -> int:
    options = PARSER.parse_args()
    database_url = scratch_database_url(options.database)
    replica_server = urlparse(os.environ.get("DATABASE_REPLICA_URL") or "postgres://postgres@127.0.0.1:5433/postgres")
    replica_url = urlunparse(replica_server._replace(path="/" + options.database))
    # As bench/load.py's gunicorn runs (DEBUG off, collected static files), for the test Client.
    os.environ.update(server_environment(database_url, 0))
    os.environ.update(
        {
            "DATABASE_REPLICA_URL": replica_url,
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS": "3600",  # the writer stays a writer for the whole run
        }
    )

    import django
    from django.core.management import call_command

    django.setup()
    fill(options.households)
    call_command("collectstatic", "--noinput", verbosity=0)
    replica = Replica(replica_url.replace("/" + options.database, "/postgres"))
    print(f"replica caught up with the filled database in {replica.replay_delay() / 1000:.1f} s")
    print("replication lag")
    replication_lag(replica, options.writes)
    print("router cost")
    router_cost(options.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
