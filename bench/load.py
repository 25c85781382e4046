"""Load test: N logged-in users of mixed roles on gunicorn, DEBUG off, for a while.

    .venv/bin/python bench/load.py [--users 50] [--duration 120] [--households 20000]
                                   [--workers 4] [--database kube_loadbench] [--think-ms 0]

Works in a scratch database of its own (`kube_loadbench` unless --database) on the server of
DATABASE_URL, or on the embedded PostgreSQL without it; the first run fills it with
`manage.py seed_demo --households N` (demo households over the whole country, their KUBE,
24 months of reports, mentors, visits, assessments) and one nightly run (readiness and the
dashboard figures); later runs reuse it. Then it collects the static files, starts gunicorn
(`kube_portal.wsgi`, --workers, DEBUG off) on a free local port, creates bench logins of
every role (administrator, direktorat, Dinas Sosial provinsi and kab/kota of the regions
with the most data, pendamping with assigned KUBE), signs each simulated user in through
the login form and lets them all click through their role's main pages (lists, detail
pages, edit forms, dashboards, searches) with no pause (--think-ms to add one) until the
time is up. Each user keeps its own connection and session, as a browser would.

Prints the total requests, requests per second, errors (any answer other than 200) and the
p50/p95/p99 latency per page, and exits non-zero on any error.

The app runs as in production behind a TLS proxy: requests carry `X-Forwarded-Proto: https`
(so the secure session cookie and the CSRF referer check apply as they would), and the
client keeps the cookies itself because a stock cookie jar will not send secure cookies
over plain HTTP.
"""

import argparse
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kube_portal.settings")

from bench.scratch import scratch_database_url  # noqa: E402

PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--users", type=int, default=50, help="simulated users at the same time")
PARSER.add_argument("--duration", type=float, default=120, help="seconds of load")
PARSER.add_argument("--households", type=int, default=20_000, help="households in the scratch database (at least)")
PARSER.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
PARSER.add_argument("--database", default="kube_loadbench", help="the scratch database")
PARSER.add_argument("--think-ms", type=int, default=0, help="pause of a user between two pages")
PARSER.add_argument("--seed", type=int, default=2026, help="random seed of the users' clicks")

BENCH_PASSWORD = "Bench-Load-2026!"  # noqa: S105 - logins of the scratch database only
#: How the simulated users split over the roles (shares of --users).
ROLE_SHARES = {"admin": 0.1, "direktorat": 0.1, "dinsos_provinsi": 0.2, "dinsos_kabkota": 0.3, "pendamping": 0.3}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SAMPLES_PER_USER = 40  # objects per user to open detail pages of


# --- the scratch database -------------------------------------------------------------------------


def redis_url() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    from kube_portal import embedded

    return f"unix://{embedded.redis_socket()}"


def fill(households: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from beneficiaries.models import Household
    from graduation.models import RecomputeRun
    from regions.models import Region

    call_command("migrate", verbosity=0)
    if Region.objects.filter(level=4).count() < 80_000:
        call_command("load_regions", verbosity=0)
    seeded = Household.objects.count() < households
    if seeded:
        started = time.monotonic()
        # In a child process, as the other benches do: the same command a person would run.
        subprocess.run(
            # --demo-logins: the users below log in with the published demo password, and this
            # scratch database is the bench's own.
            [sys.executable, str(ROOT / "manage.py"), "seed_demo", "--demo-logins", "--households", str(households)],
            check=True,
        )
        print(f"seeded in {time.monotonic() - started:.0f} s")
    if seeded or not RecomputeRun.objects.exists():
        started = time.monotonic()
        call_command("recompute_graduation", verbosity=0)
        print(f"nightly run (readiness, dashboards) in {time.monotonic() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- who clicks where -------------------------------------------------------------------------------


@dataclass
class Persona:
    username: str
    role: str
    pages: list[tuple[str, str]]  # (page label, path)


def _login(username: str, **fields):
    from accounts.models import User

    user, _created = User.objects.update_or_create(username=username, defaults={"is_active": True, **fields})
    user.set_password(BENCH_PASSWORD)
    user.save()
    return user


def _sample(queryset, count=SAMPLES_PER_USER) -> list[int]:
    return list(queryset.order_by("?").values_list("pk", flat=True)[:count])


def _search_terms(households) -> list[str]:
    from beneficiaries.models import Member

    names = Member.objects.filter(household__in=households.values("pk")[:500]).values_list("name", flat=True)[:50]
    return sorted({name.split()[0] for name in names if name}) or ["Siti"]


def _pages_for(user, role: str) -> list[tuple[str, str]]:
    """The main pages of the role, with objects of the user's own scope for the detail pages."""
    from beneficiaries.models import Household
    from groups.models import Kube
    from mentors.models import Assignment, Mentor

    households = Household.objects.visible_to(user).active()
    kubes = Kube.objects.visible_to(user)
    pages = [("beranda", "/"), ("kpm: daftar", "/kpm/"), ("kube: daftar", "/kube/")]
    pages += [("kpm: cari", "/kpm/?" + urlencode({"q": term})) for term in _search_terms(households)[:5]]
    pages += [("kpm: detail", f"/kpm/{pk}/") for pk in _sample(households)]
    pages += [("kube: detail", f"/kube/{pk}/") for pk in _sample(kubes)]
    pages += [("kube: cari", "/kube/?" + urlencode({"q": "KUBE", "status": "aktif"}))]
    if role == "pendamping":
        mentor = Mentor.objects.get(user=user)
        assigned = Assignment.objects.filter(mentor=mentor, ended_on__isnull=True).values_list("kube_id", flat=True)
        pages += [("kunjungan: beranda", "/pendamping/kunjungan/")]
        pages += [("kunjungan: formulir", f"/pendamping/kunjungan/catat/{pk}/") for pk in assigned]
        pages += [("graduasi: kpm", f"/graduasi/kpm/{pk}/") for pk in _sample(households, 10)]
        return pages
    pages += [
        ("pendamping: daftar", "/pendamping/"),
        ("graduasi: siap", "/graduasi/siap/"),
        ("graduasi: usulan", "/graduasi/keputusan/"),
        ("kube: antrean", "/kube/antrean/"),
    ]
    prefixes = user.scope.prefixes
    if prefixes is None or role == "direktorat":
        pages += [("dasbor: nasional", "/dasbor/")]
        provinces = ["32", "11", "12", "13"] if role == "direktorat" else ["32", "31", "35", "73"]
        pages += [("dasbor: provinsi", f"/dasbor/{code}/") for code in provinces]
    else:
        pages += [("dasbor: wilayah", f"/dasbor/{prefixes[0]}/")]
    if role in ("admin", "dinsos_kabkota"):
        pages += [("kpm: ubah (formulir)", f"/kpm/{pk}/ubah/") for pk in _sample(households, 10)]
        pages += [
            ("pendamping: penugasan", "/pendamping/penugasan/"),
            ("pendamping: kepatuhan", "/pendamping/kepatuhan/"),
        ]
        pages += [("kunjungan: tinjau", "/pendamping/kunjungan/tinjau/")]
    return pages


def personas(count: int) -> list[Persona]:
    """Bench logins of every role, each with its pages; the regions with the most households first."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from accounts.models import Role
    from beneficiaries.models import Household
    from mentors.models import Mentor
    from regions.models import DirectorateArea, Region

    by_district = (
        Household.objects.annotate(kabkota=Substr("region_code", 1, 5))
        .values("kabkota")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    districts = [row["kabkota"] for row in by_district[:20]]
    provinces = list(dict.fromkeys(code[:2] for code in districts))
    area = DirectorateArea.objects.order_by("code").first()
    mentors = list(
        Mentor.objects.filter(user__isnull=False, assignments__ended_on__isnull=True)
        .distinct()
        .select_related("user")
        .order_by("pk")[:count]
    )
    if not mentors:
        raise SystemExit("no mentor with an assigned KUBE in the scratch database: seed_demo did not finish?")
    sizes = {role: max(1, round(count * share)) for role, share in ROLE_SHARES.items()}
    sizes["dinsos_kabkota"] += count - sum(sizes.values())
    found = []
    for index in range(sizes["admin"]):
        user = _login(f"bench_admin_{index}", role=Role.ADMIN, is_superuser=True, is_staff=True)
        found.append(Persona(user.username, "admin", _pages_for(user, "admin")))
    for index in range(sizes["direktorat"]):
        user = _login(f"bench_direktorat_{index}", role=Role.DIREKTORAT, directorate_area=area)
        found.append(Persona(user.username, "direktorat", _pages_for(user, "direktorat")))
    for index in range(sizes["dinsos_provinsi"]):
        region = Region.objects.get(code=provinces[index % len(provinces)])
        user = _login(f"bench_provinsi_{index}", role=Role.DINSOS_PROVINSI, region=region)
        found.append(Persona(user.username, "dinsos_provinsi", _pages_for(user, "dinsos_provinsi")))
    for index in range(sizes["dinsos_kabkota"]):
        region = Region.objects.get(code=districts[index % len(districts)])
        user = _login(f"bench_kabkota_{index}", role=Role.DINSOS_KABKOTA, region=region)
        found.append(Persona(user.username, "dinsos_kabkota", _pages_for(user, "dinsos_kabkota")))
    for index in range(sizes["pendamping"]):
        mentor = mentors[index % len(mentors)]
        mentor.user.set_password(BENCH_PASSWORD)
        mentor.user.save(update_fields=["password"])
        found.append(Persona(mentor.user.username, "pendamping", _pages_for(mentor.user, "pendamping")))
    return found


# --- the server --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str, port: int) -> dict:
    static_root = ROOT / ".local" / "loadbench-static"
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url(),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "load-bench-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(static_root),
    }


def start_server(environment: dict, port: int, workers: int) -> subprocess.Popen:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"], env=environment, check=True
    )
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, our own arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "kube_portal.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/akun/masuk/", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


# --- the users -------------------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, label: str, milliseconds: float, error: str = "") -> None:
        with self.lock:
            self.latencies[label].append(milliseconds)
            if error:
                self.errors.append(error)


class Browser:
    """One user's connection: keeps its cookies and says it came through the TLS proxy."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "id",
            "Cookie": "; ".join(f"{key}={value}" for key, value in self.cookies.items()),
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            # The server closed a kept-alive connection: one fresh try, as a browser does.
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.read().decode("utf-8", "replace")

    def sign_in(self, username: str) -> None:
        status, html = self.request("GET", "/akun/masuk/")
        token = CSRF_INPUT.search(html)
        if status != 200 or token is None:
            raise RuntimeError(f"{username}: the login page answered {status}")
        form = urlencode({"csrfmiddlewaretoken": token.group(1), "username": username, "password": BENCH_PASSWORD})
        status, _html = self.request("POST", "/akun/masuk/", form)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username}: signing in answered {status}")


def run_user(persona: Persona, port: int, start: threading.Barrier, stop_at: list[float], results: Results, options):
    rng = random.Random(f"{options.seed}-{persona.username}")
    browser = Browser(port)
    try:
        browser.sign_in(persona.username)
    except Exception as error:  # noqa: BLE001 - every failure is reported as an error
        results.errors.append(str(error))
    start.wait()
    # A page first, then one of its objects: a page is as likely as another whatever its number of objects.
    by_label: dict[str, list[str]] = defaultdict(list)
    for label, path in persona.pages:
        by_label[label].append(path)
    labels = sorted(by_label)
    while time.monotonic() < stop_at[0]:
        label = rng.choice(labels)
        path = rng.choice(by_label[label])
        started = time.perf_counter()
        try:
            status, _html = browser.request("GET", path)
            error = "" if status == 200 else f"{persona.role} {persona.username}: {path} answered {status}"
        except Exception as failure:  # noqa: BLE001
            error = f"{persona.role} {persona.username}: {path} failed: {failure}"
        results.add(label, (time.perf_counter() - started) * 1000, error)
        if options.think_ms:
            time.sleep(options.think_ms / 1000)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(results: Results, seconds: float) -> None:
    total = sum(len(values) for values in results.latencies.values())
    everything = [value for values in results.latencies.values() for value in values]
    print(f"\n{total:,} requests in {seconds:.0f} s: {total / seconds:.1f} req/s, {len(results.errors)} errors")
    print(f"{'page':<26} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for label in sorted(results.latencies):
        values = results.latencies[label]
        print(
            f"{label:<26} {len(values):>9,} {statistics.median(values):>8.0f} "
            f"{percentile(values, 0.95):>8.0f} {percentile(values, 0.99):>8.0f}"
        )
    if everything:
        print(
            f"{'all pages':<26} {total:>9,} {statistics.median(everything):>8.0f} "
            f"{percentile(everything, 0.95):>8.0f} {percentile(everything, 0.99):>8.0f}"
        )
    for error in results.errors[:20]:
        print("ERROR", error)


def main() -> int:
    options = PARSER.parse_args()
    database_url = scratch_database_url(options.database)
    os.environ["DATABASE_URL"] = database_url

    import django

    django.setup()
    fill(options.households)
    from beneficiaries.models import Household

    users = personas(options.users)
    print(
        f"{Household.objects.count():,} households; {len(users)} users: "
        + ", ".join(f"{role} {sum(1 for u in users if u.role == role)}" for role in ROLE_SHARES)
    )
    from django.db import connections

    connections.close_all()

    port = free_port()
    server = start_server(server_environment(database_url, port), port, options.workers)
    print(f"gunicorn: {options.workers} workers on 127.0.0.1:{port}, DEBUG off; {options.duration:.0f} s of load")
    results = Results()
    start = threading.Barrier(len(users) + 1)
    stop_at = [float("inf")]
    threads = [
        threading.Thread(target=run_user, args=(persona, port, start, stop_at, results, options), daemon=True)
        for persona in users
    ]
    try:
        for thread in threads:
            thread.start()
        start.wait()  # everyone signed in
        began = time.monotonic()
        stop_at[0] = began + options.duration
        for thread in threads:
            thread.join(options.duration + 120)
        elapsed = time.monotonic() - began
    finally:
        stop_server(server)
    report(results, elapsed)
    return 1 if results.errors or not results.latencies else 0


if __name__ == "__main__":
    sys.exit(main())
