"""Dashboard benchmark: full refresh of the aggregates, and server time of the dashboard pages.

    .venv/bin/python bench/dashboards.py [--households 1000000] [--requests 200] [--database NAME]

Works in its own database on the embedded PostgreSQL (`kube_portal_dashbench` unless
--database; with DATABASE_URL set, that database is used as it is), so the shared
development data stays as it was. The first run fills it like `seed_demo --households N`:
all regions, N demo households (beneficiaries.demo), their KUBE with grants and 24
months of reports (groups.demo), mentors with assignments and visits (mentors.demo, when
present), and a readiness per household with some graduation decisions; later runs reuse
it. Then it times `dashboards.refresh.refresh_all()` twice and requests the national page
(national administrator and directorate user), a provincial page and a kab/kota page
with Django's test Client, printing the median and 95th percentile of the server time.
Targets: refresh ≤ 30 s, pages median ≤ 100 ms and p95 ≤ 200 ms. The first build writes every
aggregate row; a refresh afterwards recomputes everything and writes only what changed.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kube_portal.settings")

from bench.scratch import scratch_database_url  # noqa: E402

PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--households", type=int, default=1_000_000)
PARSER.add_argument("--requests", type=int, default=200, help="timed requests per page")
PARSER.add_argument("--database", default="kube_portal_dashbench")


# Readiness spread 60% belum, 30% menuju, 10% siap; other columns get their defaults.
GRADUATION_VALUES = {
    "household_id": "id",
    "region_code": "region_code",
    "state": "CASE WHEN id %% 10 < 6 THEN 'belum' WHEN id %% 10 < 9 THEN 'menuju' ELSE 'siap' END",
    "score": "(id %% 10) * 10",
    "criteria_id": "%(criteria)s",
    "computed_at": "now()",
}


def graduation_status_insert() -> str:
    """INSERT of a readiness per household, from the model's columns as they are today."""
    from graduation.models import GraduationStatus

    columns, values = [], []
    for field in GraduationStatus._meta.concrete_fields:
        if field.column in GRADUATION_VALUES:
            value = GRADUATION_VALUES[field.column]
        elif field.null:
            value = "NULL"
        elif callable(field.default):  # dict or list: an empty JSON object or array
            value = "'{}'"
        elif isinstance(field.default, bool):
            value = "true" if field.default else "false"
        else:
            value = "0"
        columns.append(field.column)
        values.append(value)
    return (
        f"INSERT INTO {GraduationStatus._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 - model's own names
        f"SELECT {', '.join(values)} FROM beneficiaries_household ON CONFLICT (household_id) DO NOTHING"
    )


# About 1% of households graduated over the last two years (a tenth of them relapsed), 0.5% proposed.
GRADUATION_DECISIONS = """
INSERT INTO graduation_graduationdecision (
    household_id, status, basis, reason, readiness_at_proposal, proposed_by_id, proposed_at,
    verification_note, kind, decided_by_id, decided_at, decided_on, rejection_reason, monitoring_until, relapse_on
)
SELECT id,
       CASE WHEN id %% 200 = 0 THEN 'diusulkan' ELSE 'diputuskan' END,
       'siap', '', 'siap', %(user)s, now(), '',
       CASE WHEN id %% 200 = 0 THEN '' ELSE 'mandiri' END,
       CASE WHEN id %% 200 = 0 THEN NULL ELSE %(user)s END,
       CASE WHEN id %% 200 = 0 THEN NULL ELSE now() END,
       CASE WHEN id %% 200 = 0 THEN NULL ELSE current_date - (id %% 720)::int END,
       '',
       CASE WHEN id %% 200 = 0 THEN NULL ELSE current_date - (id %% 720)::int + 365 END,
       CASE WHEN id %% 1000 = 100 THEN current_date - (id %% 300)::int END
FROM beneficiaries_household
WHERE (id %% 100 = 0 OR id %% 200 = 0 OR id %% 1000 = 100)
  AND NOT EXISTS (SELECT 1 FROM graduation_graduationdecision d WHERE d.household_id = beneficiaries_household.id)
"""


def fill(households: int) -> None:
    from django.db import connection

    from accounts.demo import seed_users
    from accounts.models import Role, User
    from beneficiaries.demo import seed_households
    from beneficiaries.models import Household
    from graduation.models import CriteriaSet, GraduationStatus
    from groups.demo import seed_kube
    from groups.models import Kube
    from mentors.models import Mentor
    from regions.loading import ensure_directorate_areas, load_regions
    from regions.models import Region

    clock = time.perf_counter()
    if Region.objects.filter(level=4).count() < 80_000:
        load_regions()
    ensure_directorate_areas()
    seed_users()  # the demo logins: groups.demo records its steps as them
    if Household.objects.count() < households:
        seed_households(households, stdout=sys.stdout)
    if not Kube.objects.exists():
        seed_kube(stdout=sys.stdout)
    try:
        from mentors.demo import seed_mentors
    except ImportError:
        print("mentors.demo is not there: no mentors, assignments or visits")
    else:
        if not Mentor.objects.exists():
            seed_mentors(stdout=sys.stdout)
    if GraduationStatus.objects.count() < Household.objects.count():
        admin, _ = User.objects.get_or_create(username="bench_admin", defaults={"role": Role.ADMIN})
        with connection.cursor() as cursor:
            cursor.execute(graduation_status_insert(), {"criteria": CriteriaSet.objects.active().pk})
            cursor.execute(GRADUATION_DECISIONS, {"user": admin.pk})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"data ready in {time.perf_counter() - clock:.0f} s")


def sizes() -> str:
    from beneficiaries.models import Household
    from graduation.models import GraduationDecision
    from groups.models import BusinessReport, Kube
    from mentors.models import FieldVisit, Mentor

    counts = {
        "households": Household.objects.count(),
        "KUBE": Kube.objects.count(),
        "monthly reports": BusinessReport.objects.count(),
        "mentors": Mentor.objects.count(),
        "visits": FieldVisit.objects.count(),
        "graduation decisions": GraduationDecision.objects.count(),
    }
    return ", ".join(f"{count:,} {name}" for name, count in counts.items())


def personas():
    from accounts.models import Role, User
    from regions.models import DirectorateArea, Region

    def user(username, **fields):
        found, _ = User.objects.update_or_create(username=username, defaults=fields)
        return found

    wilayah = DirectorateArea.objects.order_by("code").first()
    return {
        "admin": user("bench_admin", role=Role.ADMIN, is_superuser=True),
        "direktorat": user("bench_direktorat", role=Role.DIREKTORAT, directorate_area=wilayah),
        "provinsi": user("bench_jabar", role=Role.DINSOS_PROVINSI, region=Region.objects.get(code="32")),
        "kabkota": user("bench_garut", role=Role.DINSOS_KABKOTA, region=Region.objects.get(code="32.05")),
    }


def time_page(client, url: str, count: int) -> list[float]:
    for _ in range(5):  # warm the connection, templates and PostgreSQL's cache
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return timings


def main() -> int:
    options = PARSER.parse_args()
    if not os.environ.get("DATABASE_URL"):  # its own database on the embedded server
        os.environ["DATABASE_URL"] = scratch_database_url(options.database)

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from dashboards.refresh import refresh_all

    call_command("migrate", verbosity=0)
    fill(options.households)
    print(f"size: {sizes()}")

    from django.db import connection

    from dashboards.models import AreaFigures, AreaMonth

    # First build (empty aggregate tables, every row written), then full refreshes over unchanged
    # registers (the nightly case: everything recomputed, only differences written).
    AreaMonth.objects.all().delete()
    AreaFigures.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE dashboards_areamonth")
        cursor.execute("VACUUM ANALYZE dashboards_areafigures")
    refreshes = []
    for label in ("first build", "refresh", "refresh"):
        started = time.perf_counter()
        run = refresh_all(trigger="bench")
        refreshes.append(time.perf_counter() - started)
        print(f"{label:<12} {refreshes[-1]:5.1f} s ({run.area_rows:,} area rows, {run.month_rows:,} month rows)")

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    users = personas()
    pages = [
        ("national, national administrator", "admin", "/dasbor/"),
        ("national, directorate user (Wilayah I)", "direktorat", "/dasbor/"),
        ("province Jawa Barat", "provinsi", "/dasbor/32/"),
        ("kab/kota Garut (with KUBE list)", "kabkota", "/dasbor/32.05/"),
    ]
    ok = max(refreshes) <= 30
    for label, persona, url in pages:
        client = Client()
        client.force_login(users[persona])
        timings = time_page(client, url, options.requests)
        median = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[18]
        ok &= median <= 100 and p95 <= 200
        print(f"{label:<42} {url:<16} median {median:6.1f} ms  p95 {p95:6.1f} ms  ({len(timings)} requests)")
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
