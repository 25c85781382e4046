"""REST API sync benchmark: pull households with their members by cursor pages at national scope.

    .venv/bin/python bench/api.py [--households 1000000] [--database kube_bench_graduation] [--pull 100000]
                                  [--page-size 1000]

Works on the bench database of bench/recompute.py (`--database`, on the PostgreSQL server of
DATABASE_URL), building it the same way when it holds fewer than `--households` households
(`seed_demo --households N`, as bench/recompute.py does). Then, as a national integration account
with a token, it follows `next` from `GET /api/v1/households/?page_size=1000` until `--pull`
households came back, through Django's whole request handling in this process (middleware, token
authentication, scope, FilterSet, cursor page, serializer, the download record of each page,
gzip), and prints the server time per page (median, p95, max), the total, the bytes sent and the
peak memory of this process and of its PostgreSQL backend.

Target (issue 13): each page ≤ 300 ms server time (median) on a 1,000,000-household database.
"""

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# bench.recompute picks the bench database from --database and starts Django on it.
from bench.measure import backend_cpu_seconds  # noqa: E402
from bench.recompute import backend_peak_mb, prepare  # noqa: E402


def national_token() -> str:
    from accounts.models import Role, User
    from accounts.services import integration_account_create

    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if admin is None:
        admin = User.objects.create_superuser("bench_api_admin", password=None, role=Role.ADMIN)
    _token, secret = integration_account_create(manager=admin, name="bench api", role=Role.ADMIN)
    return secret


def pull(client, *, total: int, page_size: int) -> tuple[list[float], list[float], int, int, int]:
    """Server seconds per page (wall and this process's CPU), households and members received, bytes sent (gzip)."""
    import gzip
    import json

    url = f"/api/v1/households/?page_size={page_size}"
    seconds: list[float] = []
    cpu: list[float] = []
    households = members = sent = 0
    while url and households < total:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        assert response.status_code == 200, response.content[:500]
        sent += len(response.content)
        body = json.loads(
            gzip.decompress(response.content) if response.get("Content-Encoding") == "gzip" else response.content
        )
        households += len(body["results"])
        members += sum(len(row["members"]) for row in body["results"])
        url = body["next"] and body["next"].split("testserver", 1)[-1]
    return seconds, cpu, households, members, sent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--database", default="kube_bench_graduation")
    parser.add_argument("--pull", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from beneficiaries.models import Household

    prepare(args.households)
    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum keeps them in production: right after seeding the planner
        # still believes the tables small and reads all members instead of a page's by index.
        cursor.execute("ANALYZE beneficiaries_household, beneficiaries_member")
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.API_THROTTLE_TOKEN_RATE = settings.API_THROTTLE_USER_RATE = "1000000/min"  # noqa: S105 - a rate
    print(f"Database {args.database}: {Household.objects.count():,} households")
    client = Client(HTTP_AUTHORIZATION=f"Token {national_token()}")
    client.get("/api/v1/households/?page_size=1")  # connections, caches and imports warm

    started = time.perf_counter()
    backend_started = backend_cpu_seconds() or 0.0
    seconds, cpu, households, members, sent = pull(client, total=args.pull, page_size=args.page_size)
    total = time.perf_counter() - started
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(
        f"Pulled {households:,} households with {members:,} members in {len(seconds)} pages of {args.page_size}: "
        f"total {total:.1f} s; server time per page median {statistics.median(seconds) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms; {sent / 1_048_576:.1f} MB sent (gzip)"
    )
    backend_cpu = (backend_cpu_seconds() or 0.0) - backend_started
    print(
        f"CPU per page (the machine is shared, wall time is noisy): Django median {statistics.median(cpu) * 1000:.0f} ms, "
        f"p95 {sorted(cpu)[min(len(cpu) - 1, int(len(cpu) * 0.95))] * 1000:.0f} ms; "
        f"PostgreSQL backend {backend_cpu / len(cpu) * 1000:.0f} ms on average"
    )
    backend = backend_peak_mb()
    print(
        f"Peak memory: this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
        f"PostgreSQL backend {'-' if backend is None else f'{backend:.0f} MB'}; load average {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
