"""Rebuild the dashboard aggregates set-based: a few INSERT ... SELECT ... GROUP BY GROUPING SETS.

One statement per source fills every level at once: the grouping sets
(kecamatan), (kab/kota), (province) and () each with and without the programme give
the rows a page reads, so no page ever sums more than its children's rows. The
tables are emptied and refilled in one transaction: readers see the old figures
until it commits, then the new ones, never a half-built state. A transaction-level
advisory lock keeps two refreshes (nightly run and an import finishing) from
interleaving; the second one waits and then rebuilds from the newer data.
"""

import time

from django.db import connection, transaction
from django.utils import timezone

from dashboards.models import AreaFigures, AreaMonth, DashboardRefresh

LOCK_KEY = 7_200_701  # pg_advisory_xact_lock key of the dashboard refresh

# Region columns of a grouping row: the finest non-null one is the row's area.
_AREA = """
    COALESCE(kec, kab, prov, '') AS region_code,
    CASE WHEN kec IS NOT NULL THEN 3 WHEN kab IS NOT NULL THEN 2 WHEN prov IS NOT NULL THEN 1 ELSE 0 END AS level
"""
_SETS = """GROUPING SETS (
    (kec, kab, prov, program_id), (kec, kab, prov),
    (kab, prov, program_id), (kab, prov),
    (prov, program_id), (prov),
    (program_id), ()
)"""

KUBE_FIGURES = f"""
WITH members AS (
    SELECT kube_id, count(*) AS n FROM groups_membership WHERE left_on IS NULL GROUP BY kube_id
), grants AS (
    SELECT kube_id, sum(amount) AS total FROM groups_grant GROUP BY kube_id
), kube AS (
    SELECT k.region_code AS kec, left(k.region_code, 5) AS kab, left(k.region_code, 2) AS prov,
           k.program_id, k.status, k.maturity_level, k.business_type, k.kur_status, k.kur_amount,
           COALESCE(m.n, 0) AS members, COALESCE(g.total, 0) AS grants
    FROM groups_kube k
    LEFT JOIN members m ON m.kube_id = k.id
    LEFT JOIN grants g ON g.kube_id = k.id
)
INSERT INTO dashboards_areafigures (
    region_code, level, program_id, kube_total,
    kube_draft, kube_diusulkan, kube_direkomendasikan, kube_ditetapkan, kube_aktif, kube_nonaktif, kube_bubar,
    kube_dikembalikan, level_tumbuh, level_berkembang, level_maju, type_produksi, type_jasa, type_perdagangan,
    member_households, households_registered, grants_total, kube_granted, kur_referred, kur_approved, kur_amount
)
SELECT {_AREA}, COALESCE(program_id, 0), count(*),
    count(*) FILTER (WHERE status = 'draft'),
    count(*) FILTER (WHERE status = 'diusulkan'),
    count(*) FILTER (WHERE status = 'direkomendasikan'),
    count(*) FILTER (WHERE status = 'ditetapkan'),
    count(*) FILTER (WHERE status = 'aktif'),
    count(*) FILTER (WHERE status = 'nonaktif'),
    count(*) FILTER (WHERE status = 'bubar'),
    count(*) FILTER (WHERE status = 'dikembalikan'),
    count(*) FILTER (WHERE status = 'aktif' AND maturity_level = 'tumbuh'),
    count(*) FILTER (WHERE status = 'aktif' AND maturity_level = 'berkembang'),
    count(*) FILTER (WHERE status = 'aktif' AND maturity_level = 'maju'),
    count(*) FILTER (WHERE status = 'aktif' AND business_type = 'produksi'),
    count(*) FILTER (WHERE status = 'aktif' AND business_type = 'jasa'),
    count(*) FILTER (WHERE status = 'aktif' AND business_type = 'perdagangan'),
    COALESCE(sum(members) FILTER (
        WHERE status IN ('diusulkan', 'direkomendasikan', 'ditetapkan', 'aktif', 'nonaktif')
    ), 0),
    0,
    COALESCE(sum(grants), 0),
    count(*) FILTER (WHERE grants > 0),
    count(*) FILTER (WHERE kur_status <> ''),
    count(*) FILTER (WHERE kur_status = 'disetujui'),
    COALESCE(sum(kur_amount) FILTER (WHERE kur_status = 'disetujui'), 0)
FROM kube
GROUP BY {_SETS}
"""  # noqa: S608 - constant SQL fragments, no input

_FIGURE_COLUMNS = [
    "kube_total", "kube_draft", "kube_diusulkan", "kube_direkomendasikan", "kube_ditetapkan", "kube_aktif",
    "kube_nonaktif", "kube_bubar", "kube_dikembalikan", "level_tumbuh", "level_berkembang", "level_maju",
    "type_produksi", "type_jasa", "type_perdagangan", "member_households", "households_registered",
    "grants_total", "kube_granted", "kur_referred", "kur_approved", "kur_amount",
]  # fmt: skip

# Households have no programme: they go into the program_id = 0 rows only, creating the
# rows of areas that have households but no KUBE yet.
HOUSEHOLD_FIGURES = f"""
WITH household AS (
    SELECT left(region_code, 8) AS kec, left(region_code, 5) AS kab, left(region_code, 2) AS prov
    FROM beneficiaries_household WHERE is_active
)
INSERT INTO dashboards_areafigures (
    region_code, level, program_id, kube_total,
    kube_draft, kube_diusulkan, kube_direkomendasikan, kube_ditetapkan, kube_aktif, kube_nonaktif, kube_bubar,
    kube_dikembalikan, level_tumbuh, level_berkembang, level_maju, type_produksi, type_jasa, type_perdagangan,
    member_households, households_registered, grants_total, kube_granted, kur_referred, kur_approved, kur_amount
)
SELECT {_AREA}, 0, {", ".join("count(*)" if c == "households_registered" else "0" for c in _FIGURE_COLUMNS)}
FROM household
GROUP BY GROUPING SETS ((kec, kab, prov), (kab, prov), (prov), ())
ON CONFLICT (region_code, program_id) DO UPDATE SET households_registered = EXCLUDED.households_registered
"""  # noqa: S608 - constant SQL fragments, no input

REPORT_MONTHS = f"""
WITH report AS (
    SELECT k.region_code AS kec, left(k.region_code, 5) AS kab, left(k.region_code, 2) AS prov,
           k.program_id, r.month, r.revenue, r.profit, r.group_savings, r.eggs_produced_kg
    FROM groups_businessreport r JOIN groups_kube k ON k.id = r.kube_id
)
INSERT INTO dashboards_areamonth (
    region_code, level, program_id, month, reports, revenue, profit, group_savings, eggs_produced_kg,
    grants_disbursed
)
SELECT {_AREA}, COALESCE(program_id, 0), month, count(*), sum(revenue), sum(profit), sum(group_savings),
       COALESCE(sum(eggs_produced_kg), 0), 0
FROM report
GROUP BY month, {_SETS}
"""  # noqa: S608 - constant SQL fragments, no input

GRANT_MONTHS = f"""
WITH grant_paid AS (
    SELECT k.region_code AS kec, left(k.region_code, 5) AS kab, left(k.region_code, 2) AS prov,
           k.program_id, date_trunc('month', g.disbursed_on)::date AS month, g.amount
    FROM groups_grant g JOIN groups_kube k ON k.id = g.kube_id
)
INSERT INTO dashboards_areamonth (
    region_code, level, program_id, month, reports, revenue, profit, group_savings, eggs_produced_kg,
    grants_disbursed
)
SELECT {_AREA}, COALESCE(program_id, 0), month, 0, 0, 0, 0, 0, sum(amount)
FROM grant_paid
GROUP BY month, {_SETS}
ON CONFLICT (region_code, program_id, month) DO UPDATE SET grants_disbursed = EXCLUDED.grants_disbursed
"""  # noqa: S608 - constant SQL fragments, no input

STATEMENTS = [KUBE_FIGURES, HOUSEHOLD_FIGURES, REPORT_MONTHS, GRANT_MONTHS]


def refresh_all(*, trigger: str = "manual") -> DashboardRefresh:
    """Rebuild every aggregate from the registers and record the run; returns the ledger row."""
    started_at = timezone.now()
    clock = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # DELETE, not TRUNCATE: TRUNCATE's exclusive lock would block dashboard readers.
        cursor.execute(f"DELETE FROM {AreaFigures._meta.db_table}")  # noqa: S608 - our table name
        cursor.execute(f"DELETE FROM {AreaMonth._meta.db_table}")  # noqa: S608 - our table name
        for statement in STATEMENTS:
            cursor.execute(statement)
        cursor.execute(f"SELECT count(*) FROM {AreaFigures._meta.db_table}")  # noqa: S608
        (area_rows,) = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM {AreaMonth._meta.db_table}")  # noqa: S608
        (month_rows,) = cursor.fetchone()
        return DashboardRefresh.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            duration_ms=round((time.monotonic() - clock) * 1000),
            trigger=trigger[:50],
            area_rows=area_rows,
            month_rows=month_rows,
        )
