"""Maturity benchmark: classify ~100,000 active KUBE with 2.4 million monthly reports, set-based.

    .venv/bin/python bench/maturity.py [--kube 100000] [--months 24] [--chunk-size 10000] [--keep]

Generates the KUBE (registration numbers `BENCH-...`, spread over every kecamatan) and their
reports with INSERT ... SELECT generate_series (growing, flat and shrinking businesses,
some loss-making), times `groups.maturity.classify_all` over all of them, runs it a second
time (which must change nothing), and removes the generated rows unless --keep. Uses the
development database (embedded PostgreSQL unless DATABASE_URL is set).

Result on the development machine (2 vCPU, embedded PostgreSQL), 2026-11-23: 100,000 KUBE
and 2,400,000 reports generated in 44 s; classify_all in 6.6 s (about 15,000 KUBE/s, 10
chunks of 10,000), 9,680 tumbuh / 63,229 berkembang / 27,091 maju; the re-run, 6.5 s,
changed nothing.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kube_portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from groups.maturity import classify_all  # noqa: E402
from groups.models import BusinessField, Program  # noqa: E402

PREFIX = "BENCH-"

INSERT_KUBE = """
WITH kecamatan AS (
    SELECT array_agg(code ORDER BY code) AS codes FROM regions_region WHERE level = 3 AND NOT retired
)
INSERT INTO groups_kube (
    registration_number, name, program_id, business_type, business_field_id, kecamatan_id, region_code,
    secretariat_address, bank_name, bank_account_number, bank_account_holder,
    plan_regional_potential, plan_raw_materials, plan_skills, plan_marketing,
    status, activated_on, maturity_level, maturity_reason, kur_bank, kur_status, created_at, updated_at
)
SELECT %(prefix)s || lpad(g::text, 7, '0'), 'KUBE Bench ' || g, %(program)s, 'produksi', %(field)s,
       kecamatan.codes[1 + g %% array_length(kecamatan.codes, 1)],
       kecamatan.codes[1 + g %% array_length(kecamatan.codes, 1)],
       '', '', '', '', '', '', '', '',
       'aktif', (%(today)s::date - make_interval(months => %(months)s + (g %% 24)))::date,
       'tumbuh', '{}', '', '', now(), now()
FROM generate_series(1, %(count)s) AS g, kecamatan
"""

# Per KUBE a trend (id %% 3: growing, flat, shrinking) and a margin (id %% 4 = 0: often at a loss);
# m = 1 is last month.
INSERT_REPORTS = """
INSERT INTO groups_businessreport (
    kube_id, month, revenue, costs, cash, group_savings, assets_value, members_present, notes,
    created_at, updated_at
)
SELECT k.id,
       (date_trunc('month', %(today)s::date) - make_interval(months => m))::date,
       r.revenue,
       (r.revenue * (CASE WHEN k.id %% 4 = 0 THEN 0.85 + random() * 0.3 ELSE 0.7 + random() * 0.2 END))::bigint,
       (r.revenue * 0.2)::bigint,
       ((%(months)s + 1 - m) * (150000 + (k.id %% 5) * 150000))::bigint,
       15000000 + (k.id %% 10) * 1000000,
       5 + (k.id %% 10)
       , '', now(), now()
FROM groups_kube k
CROSS JOIN generate_series(1, %(months)s) AS m
CROSS JOIN LATERAL (
    SELECT ((3000000 + (k.id %% 7) * 500000)
            * (CASE k.id %% 3 WHEN 0 THEN 1 + 0.03 * (%(months)s - m) WHEN 1 THEN 1.0 ELSE 1 - 0.02 * (%(months)s - m) END)
            * (0.9 + random() * 0.2))::bigint AS revenue
) AS r
WHERE k.registration_number LIKE %(pattern)s
"""


def cleanup() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM groups_businessreport WHERE kube_id IN "
            "(SELECT id FROM groups_kube WHERE registration_number LIKE %s)",
            [PREFIX + "%"],
        )
        cursor.execute("DELETE FROM groups_kube WHERE registration_number LIKE %s", [PREFIX + "%"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kube", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated KUBE and reports")
    args = parser.parse_args()

    cleanup()
    today = datetime.date.today()  # noqa: DTZ011 - a calendar date for generated data
    params = {
        "prefix": PREFIX,
        "pattern": PREFIX + "%",
        "program": Program.objects.get(code="reguler").pk,
        "field": BusinessField.objects.get(name="Ternak ayam petelur").pk,
        "today": today,
        "months": args.months,
        "count": args.kube,
    }
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2026)")
        cursor.execute(INSERT_KUBE, params)
        cursor.execute(INSERT_REPORTS, params)
        reports = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE groups_kube")
        cursor.execute("ANALYZE groups_businessreport")
    print(f"generated {args.kube:,} KUBE and {reports:,} reports in {time.perf_counter() - started:.1f} s")

    try:
        started = time.perf_counter()
        counts = classify_all(chunk_size=args.chunk_size)
        first = time.perf_counter() - started
        total = sum(counts[level] for level in ("tumbuh", "berkembang", "maju"))
        print(f"classify_all: {total:,} active KUBE in {first:.1f} s ({total / first:,.0f} KUBE/s) -> {counts}")
        started = time.perf_counter()
        again = classify_all(chunk_size=args.chunk_size)
        print(f"re-run: {time.perf_counter() - started:.1f} s, changed {again['changed']:,}")
        assert again["changed"] == 0, again
    finally:
        if not args.keep:
            cleanup()
            print("generated rows removed")


if __name__ == "__main__":
    main()
