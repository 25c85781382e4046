"""Web pages at national scale: the main pages of an administrator under load, and their plans.

    .venv/bin/python bench/web.py [--database kube_bench_1m] [--duration 30] [--concurrency 8] [--workers 4]

Reads a database that `bench/recompute.py --households N --database NAME` filled (demo
households, KUBE, reports, assessments, one nightly run, the demo logins) on the server of
DATABASE_URL; it writes nothing there but the login's session. Then:

1. EXPLAIN: runs each page once in this process as the demo administrator (national scope),
   captures the SQL it sends, and EXPLAINs every SELECT that reads households or members:
   no plan may hold a "Seq Scan" of either table (issue 16);
2. starts gunicorn (`gunicorn.conf.py`'s app, --workers, DEBUG off) on KUBE_PORT (else a free
   port), signs in once through the login form, and lets --concurrency threads share that
   session and request one page for --duration seconds, page after page;
3. prints per page: requests, median, p99, requests per second and errors (any answer other
   than 200), against the targets median ≤ 150 ms, p99 ≤ 500 ms, 0 errors, and the load average.

The load generator is Python threads on http.client (bench/load.py's Browser), in the same
machine as the server and PostgreSQL: its own CPU is part of the figures.
"""

import argparse
import json
import os
import random
import re
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kube_portal.settings")

from bench.load import Browser, free_port, percentile, server_environment, start_server, stop_server  # noqa: E402

PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--database", default="kube_bench_1m", help="a database filled by bench/recompute.py")
PARSER.add_argument("--duration", type=float, default=30, help="seconds of load per page")
PARSER.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
PARSER.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
PARSER.add_argument("--only", default="", help="comma-separated page labels to run (all by default)")
PARSER.add_argument("--skip-explain", action="store_true")

USERNAME = "admin"  # the demo administrator (national scope) of seed_demo --demo-logins
PASSWORD = "kube-demo-2026"  # noqa: S105 - the published demo password of the bench database
MEDIAN_MS, P99_MS = 150, 500
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CONTEXT = re.compile(r"^SELECT set_config\('pghistory\.context_id'.*?, true\); ", re.DOTALL)
READS = re.compile(r'\b(FROM|JOIN)\s+"?(beneficiaries_household|beneficiaries_member)"?', re.IGNORECASE)


def database_url(name: str) -> str:
    """DATABASE_URL with its database replaced by `name`, which must exist and hold households."""
    import psycopg2
    from django.db.backends.postgresql.base import DatabaseWrapper  # noqa: F401 - psycopg2 is the driver

    raw = os.environ.get("DATABASE_URL", "")
    if not raw:
        raise SystemExit("Set DATABASE_URL to the PostgreSQL server that holds the bench database.")
    from urllib.parse import urlparse, urlunparse

    url = urlparse(raw)
    try:
        connection = psycopg2.connect(
            host=url.hostname, port=url.port or 5432, user=url.username or "postgres", dbname=name
        )
    except psycopg2.OperationalError as error:
        raise SystemExit(f"No database {name}: fill it with bench/recompute.py --database {name}.") from error
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM beneficiaries_household")
        households = cursor.fetchone()[0]
    connection.close()
    print(f"Database {name}: {households:,} households")
    return urlunparse(url._replace(path="/" + name))


def pages(rng: random.Random) -> dict[str, list[str]]:
    """The pages (label → paths, requested in turn), with a searched name and households taken from the data."""
    from beneficiaries.models import Household, Member

    last = Household.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = list(
        Household.objects.filter(pk__in=rng.sample(range(1, last + 1), min(400, last))).values_list("pk", flat=True)
    )
    # A first name as people type it: the first word of a sampled member's name (a common one).
    names = list(Member.objects.filter(household_id__in=ids[:50]).values_list("name", flat=True))
    name = rng.choice(names).split()[0]
    print(f"Name searched: {name!r}")
    return {
        "kpm list": ["/kpm/"],
        "kpm search name": ["/kpm/?" + urlencode({"q": name})],
        "kpm sorted by name": ["/kpm/?urut=nama"],
        "kube list": ["/kube/"],
        "household page": [f"/kpm/{pk}/" for pk in ids],
        "dashboard national": ["/dasbor/"],
        "dashboard province": ["/dasbor/32/"],
    }


def scans(node: dict):
    """(node type, table, index) of each scan of households or members in a JSON plan tree."""
    if node.get("Relation Name") in ("beneficiaries_household", "beneficiaries_member"):
        yield node["Node Type"], node["Relation Name"], node.get("Index Name", "")
    for child in node.get("Plans", []):
        yield from scans(child)


def explain_pages(paths: dict[str, list[str]]) -> list[str]:
    """EXPLAIN every household/member SELECT each page sends; returns the problems found."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="id")
    client.force_login(User.objects.get(username=USERNAME))
    problems = []
    for label, urls in paths.items():
        with CaptureQueriesContext(connection) as queries:
            status = client.get(urls[0], secure=True).status_code
        if status != 200:
            problems.append(f"{label}: {urls[0]} answered {status}")
        checked, used = 0, set()
        for query in queries.captured_queries:
            # The audit trail's context rides on the statement (pghistory): EXPLAIN the statement itself.
            sql = CONTEXT.sub("", query["sql"])
            if not sql.lstrip().upper().startswith("SELECT") or not READS.search(sql):
                continue
            checked += 1
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                if isinstance(plan, str):
                    plan = json.loads(plan)
            nodes = list(scans(plan[0]["Plan"]))
            used.update(f"{node} {index}".strip() for node, _table, index in nodes)
            scanned = sorted({table for node, table, _index in nodes if node == "Seq Scan"})
            if scanned:
                problems.append(f"{label}: Seq Scan on {', '.join(scanned)} in: {sql[:300]}")
        print(f"  EXPLAIN {label:<20} {checked} queries on households/members: {', '.join(sorted(used)) or '-'}")
    return problems


def sign_in(port: int) -> dict[str, str]:
    browser = Browser(port)
    status, html = browser.request("GET", "/akun/masuk/")
    token = CSRF_INPUT.search(html)
    if status != 200 or token is None:
        raise SystemExit(f"The login page answered {status}")
    form = urlencode({"csrfmiddlewaretoken": token.group(1), "username": USERNAME, "password": PASSWORD})
    status, _html = browser.request("POST", "/akun/masuk/", form)
    if status != 302 or "sessionid" not in browser.cookies:
        raise SystemExit(f"Signing in as {USERNAME} answered {status}")
    return browser.cookies


def load(port: int, cookies: dict, urls: list[str], seconds: float, concurrency: int) -> tuple[list[float], list[str]]:
    """`concurrency` threads requesting `urls` in turn for `seconds`: latencies (ms) and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(concurrency)
    stop_at = [0.0]

    def run(offset: int) -> None:
        browser = Browser(port)
        browser.cookies = dict(cookies)
        index = offset
        start.wait()
        if offset == 0:
            stop_at[0] = time.monotonic() + seconds
        while not stop_at[0]:
            time.sleep(0.001)
        while time.monotonic() < stop_at[0]:
            path = urls[index % len(urls)]
            index += concurrency
            started = time.perf_counter()
            try:
                status, _html = browser.request("GET", path)
                error = "" if status == 200 else f"{path} answered {status}"
            except Exception as failure:  # noqa: BLE001 - every failure is counted
                error = f"{path} failed: {failure}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if error:
                    errors.append(error)

    threads = [threading.Thread(target=run, args=(offset,)) for offset in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def main() -> int:
    options = PARSER.parse_args()
    url = database_url(options.database)
    port = int(os.environ.get("KUBE_PORT") or free_port())
    environment = server_environment(url, port)
    environment["WEB_CONCURRENCY"] = str(options.workers)
    environment["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    # gunicorn.conf.py logs every request to stdout; here that would be the bench's output.
    environment["GUNICORN_CMD_ARGS"] = "--access-logfile /dev/null"
    # This process reads the same database, with the server's settings (DEBUG off).
    os.environ.update({key: environment[key] for key in ("DATABASE_URL", "DJANGO_DEBUG", "DJANGO_SECRET_KEY")})
    os.environ.update(
        {key: environment[key] for key in ("ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "REDIS_URL", "STATIC_ROOT")}
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", "--noinput", verbosity=0)  # the pages name the hashed files

    paths = pages(random.Random(2026))
    if options.only:
        wanted = {label.strip() for label in options.only.split(",")}
        paths = {label: urls for label, urls in paths.items() if label in wanted}
    problems = [] if options.skip_explain else explain_pages(paths)
    for problem in problems:
        print("PLAN", problem)

    server = start_server(environment, port, options.workers)
    failed = bool(problems)
    try:
        cookies = sign_in(port)
        print(
            f"\ngunicorn {options.workers} workers, DEBUG off, concurrency {options.concurrency}, "
            f"{options.duration:.0f} s per page; load average before {os.getloadavg()[0]:.1f}"
        )
        print(f"{'page':<22} {'requests':>9} {'median ms':>10} {'p99 ms':>8} {'req/s':>7} {'errors':>7} {'load':>5}")
        for label, urls in paths.items():
            latencies, errors = load(port, cookies, urls, options.duration, options.concurrency)
            median, p99 = statistics.median(latencies), percentile(latencies, 0.99)
            ok = median <= MEDIAN_MS and p99 <= P99_MS and not errors
            failed = failed or not ok
            print(
                f"{label:<22} {len(latencies):>9,} {median:>10.0f} {p99:>8.0f} "
                f"{len(latencies) / options.duration:>7.1f} {len(errors):>7} {os.getloadavg()[0]:>5.1f}"
                f"{'' if ok else '  NOT OK'}"
            )
            for error in errors[:3]:
                print("   ERROR", error)
    finally:
        stop_server(server)
    print(f"Targets: median ≤ {MEDIAN_MS} ms, p99 ≤ {P99_MS} ms, 0 errors, no Seq Scan of households or members")
    print("NOT OK" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
