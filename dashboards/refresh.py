"""Rebuild the dashboard aggregates set-based: a few INSERT ... SELECT ... GROUP BY GROUPING SETS.

One statement per source fills every level at once: the grouping sets
(kecamatan), (kab/kota), (province) and () each with and without the programme give
the rows a page reads, so no page ever sums more than its children's rows. Sources
without a programme (households, graduation, mentors) add their columns to the
all-programme rows with INSERT ... ON CONFLICT DO UPDATE.

The tables are emptied and refilled in one transaction: readers see the old figures
until it commits, then the new ones, never a half-built state. A transaction-level
advisory lock keeps two refreshes (the nightly run and an import finishing) from
interleaving; the second waits and then rebuilds from the newer data.
"""

import datetime
import time

from django.db import connection, transaction
from django.utils import timezone

from dashboards.models import AreaFigures, AreaMonth, DashboardRefresh

LOCK_KEY = 7_200_701  # pg_advisory_xact_lock key of the dashboard refresh

# A grouping row's area is its finest non-null region column.
_AREA = """
    COALESCE(kec, kab, prov, '') AS region_code,
    CASE WHEN kec IS NOT NULL THEN 3 WHEN kab IS NOT NULL THEN 2 WHEN prov IS NOT NULL THEN 1 ELSE 0 END AS level
"""
_WITH_PROGRAM = """GROUPING SETS (
    (kec, kab, prov, program_id), (kec, kab, prov),
    (kab, prov, program_id), (kab, prov),
    (prov, program_id), (prov),
    (program_id), ()
)"""
_WITHOUT_PROGRAM = "GROUPING SETS ((kec, kab, prov), (kab, prov), (prov), ())"
_REGION_COLUMNS = "left(h.region_code, 8) AS kec, left(h.region_code, 5) AS kab, left(h.region_code, 2) AS prov"

_KEYS = {"id", "region_code", "level", "program_id", "month"}
FIGURE_COLUMNS = [f.column for f in AreaFigures._meta.concrete_fields if f.column not in _KEYS]
MONTH_COLUMNS = [f.column for f in AreaMonth._meta.concrete_fields if f.column not in _KEYS]


def _figures_insert(values: dict[str, str], *, source: str, group_by: str, program: str) -> str:
    """INSERT of AreaFigures rows: `values` gives the expressions of some columns, the others are 0."""
    # COALESCE: the empty grouping set () yields a national row even from no rows, with NULL sums.
    expressions = ", ".join(f"COALESCE({values[c]}, 0)" if c in values else "0" for c in FIGURE_COLUMNS)
    statement = (
        f"INSERT INTO {AreaFigures._meta.db_table} (region_code, level, program_id, {', '.join(FIGURE_COLUMNS)}) "  # noqa: S608
        f"SELECT {_AREA}, {program}, {expressions} FROM {source} GROUP BY {group_by}"
    )
    if program == "0":
        updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in values)
        statement += f" ON CONFLICT (region_code, program_id) DO UPDATE SET {updates}"
    return statement


def _month_insert(values: dict[str, str], *, source: str, group_by: str, program: str, upsert: bool) -> str:
    expressions = ", ".join(f"COALESCE({values[c]}, 0)" if c in values else "0" for c in MONTH_COLUMNS)
    statement = (
        f"INSERT INTO {AreaMonth._meta.db_table} (region_code, level, program_id, month, {', '.join(MONTH_COLUMNS)}) "  # noqa: S608
        f"SELECT {_AREA}, {program}, month, {expressions} FROM {source} GROUP BY month, {group_by}"
    )
    if upsert:
        updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in values)
        statement += f" ON CONFLICT (region_code, program_id, month) DO UPDATE SET {updates}"
    return statement


OCCUPYING = "('diusulkan', 'direkomendasikan', 'ditetapkan', 'aktif', 'nonaktif')"

# One row per KUBE with what the figures need; %(today)s and %(since)s bound the mentoring window.
KUBE_SOURCE = """(
    SELECT k.region_code AS kec, left(k.region_code, 5) AS kab, left(k.region_code, 2) AS prov,
           k.program_id, k.status, k.maturity_level, k.business_type, k.kur_status, k.kur_amount,
           COALESCE(m.n, 0) AS members, COALESCE(g.total, 0) AS grants,
           a.kube_id IS NOT NULL AS assigned, v.kube_id IS NOT NULL AS visited
    FROM groups_kube k
    LEFT JOIN (
        SELECT kube_id, count(*) AS n FROM groups_membership WHERE left_on IS NULL GROUP BY kube_id
    ) m ON m.kube_id = k.id
    LEFT JOIN (SELECT kube_id, sum(amount) AS total FROM groups_grant GROUP BY kube_id) g ON g.kube_id = k.id
    LEFT JOIN (
        SELECT DISTINCT kube_id FROM mentors_assignment
        WHERE started_on <= %(today)s AND (ended_on IS NULL OR ended_on > %(today)s)
    ) a ON a.kube_id = k.id
    LEFT JOIN (
        SELECT DISTINCT kube_id FROM mentors_fieldvisit
        WHERE visited_on > %(since)s AND visited_on <= %(today)s AND status <> 'dikembalikan'
    ) v ON v.kube_id = k.id
) AS kube"""

KUBE_VALUES = {
    "kube_total": "count(*)",
    **{f"kube_{s}": f"count(*) FILTER (WHERE status = '{s}')" for s in (
        "draft", "diusulkan", "direkomendasikan", "ditetapkan", "aktif", "nonaktif", "bubar", "dikembalikan"
    )},
    **{f"level_{v}": f"count(*) FILTER (WHERE status = 'aktif' AND maturity_level = '{v}')" for v in (
        "tumbuh", "berkembang", "maju"
    )},
    **{f"type_{v}": f"count(*) FILTER (WHERE status = 'aktif' AND business_type = '{v}')" for v in (
        "produksi", "jasa", "perdagangan"
    )},
    "member_households": f"COALESCE(sum(members) FILTER (WHERE status IN {OCCUPYING}), 0)",
    "grants_total": "COALESCE(sum(grants), 0)",
    "kube_granted": "count(*) FILTER (WHERE grants > 0)",
    "kur_referred": "count(*) FILTER (WHERE kur_status <> '')",
    "kur_approved": "count(*) FILTER (WHERE kur_status = 'disetujui')",
    "kur_amount": "COALESCE(sum(kur_amount) FILTER (WHERE kur_status = 'disetujui'), 0)",
    "kube_assigned": "count(*) FILTER (WHERE status = 'aktif' AND assigned)",
    "kube_visited": "count(*) FILTER (WHERE status = 'aktif' AND visited)",
}  # fmt: skip

# Every household (graduated ones may have been deactivated), with its readiness and decisions.
HOUSEHOLD_SOURCE = f"""(
    SELECT {_REGION_COLUMNS}, h.is_active, s.state,
           COALESCE(d.open, false) AS proposed, COALESCE(d.decided, 0) AS decided,
           COALESCE(d.relapsed, 0) AS relapsed
    FROM beneficiaries_household h
    LEFT JOIN graduation_graduationstatus s ON s.household_id = h.id
    LEFT JOIN (
        SELECT household_id,
               bool_or(status IN ('diusulkan', 'diverifikasi')) AS open,
               count(*) FILTER (WHERE status = 'diputuskan') AS decided,
               count(*) FILTER (WHERE status = 'diputuskan' AND relapse_on IS NOT NULL) AS relapsed
        FROM graduation_graduationdecision GROUP BY household_id
    ) d ON d.household_id = h.id
) AS household"""  # noqa: S608 - constant SQL fragments

HOUSEHOLD_VALUES = {
    "households_registered": "count(*) FILTER (WHERE is_active)",
    "grad_belum": "count(*) FILTER (WHERE is_active AND state = 'belum')",
    "grad_menuju": "count(*) FILTER (WHERE is_active AND state = 'menuju')",
    "grad_siap": "count(*) FILTER (WHERE is_active AND state = 'siap')",
    "grad_proposed": "count(*) FILTER (WHERE proposed)",
    "graduated": "sum(decided)",
    "relapsed": "sum(relapsed)",
}

# Mentors work for a kab/kota: their rows start at that level.
MENTOR_SOURCE = """(
    SELECT NULL::varchar AS kec, m.region_code AS kab, left(m.region_code, 2) AS prov,
           (SELECT count(*) FROM mentors_assignment a
            WHERE a.mentor_id = m.id AND a.started_on <= %(today)s
              AND (a.ended_on IS NULL OR a.ended_on > %(today)s)) AS cases
    FROM mentors_mentor m WHERE m.status = 'aktif'
) AS mentor"""

MENTOR_VALUES = {"mentors_active": "count(*)", "mentor_cases": "sum(cases)"}

# Every monthly fact in one stream, so that one GROUP BY writes all AreaMonth rows (no upserts).
# Graduations have no programme: their programme is -1 and the per-programme groups of it are
# dropped by HAVING; the all-programme groups count them.
MONTH_SOURCE = """(
    SELECT kec, left(kec, 5) AS kab, left(kec, 2) AS prov, program_id, month,
           reports, revenue, profit, group_savings, eggs_produced_kg, grants_disbursed, visits, graduations, relapses
    FROM (
        SELECT k.region_code AS kec, k.program_id, r.month, 1 AS reports, r.revenue, r.profit, r.group_savings,
               r.eggs_produced_kg, 0 AS grants_disbursed, 0 AS visits, 0 AS graduations, 0 AS relapses
        FROM groups_businessreport r JOIN groups_kube k ON k.id = r.kube_id
        UNION ALL
        SELECT k.region_code, k.program_id, date_trunc('month', g.disbursed_on)::date, 0, 0, 0, 0, NULL, g.amount, 0, 0, 0
        FROM groups_grant g JOIN groups_kube k ON k.id = g.kube_id
        UNION ALL
        SELECT k.region_code, k.program_id, date_trunc('month', v.visited_on)::date, 0, 0, 0, 0, NULL, 0, 1, 0, 0
        FROM mentors_fieldvisit v JOIN groups_kube k ON k.id = v.kube_id
        WHERE v.status <> 'dikembalikan'
        UNION ALL
        SELECT left(h.region_code, 8), -1, date_trunc('month', d.decided_on)::date, 0, 0, 0, 0, NULL, 0, 0, 1, 0
        FROM graduation_graduationdecision d JOIN beneficiaries_household h ON h.id = d.household_id
        WHERE d.status = 'diputuskan' AND d.decided_on IS NOT NULL
        UNION ALL
        SELECT left(h.region_code, 8), -1, date_trunc('month', d.relapse_on)::date, 0, 0, 0, 0, NULL, 0, 0, 0, 1
        FROM graduation_graduationdecision d JOIN beneficiaries_household h ON h.id = d.household_id
        WHERE d.status = 'diputuskan' AND d.relapse_on IS NOT NULL
    ) AS fact
) AS monthly"""

MONTH_VALUES = {column: f"sum({column})" for column in MONTH_COLUMNS}

STATEMENTS = [
    _figures_insert(KUBE_VALUES, source=KUBE_SOURCE, group_by=_WITH_PROGRAM, program="COALESCE(program_id, 0)"),
    _figures_insert(HOUSEHOLD_VALUES, source=HOUSEHOLD_SOURCE, group_by=_WITHOUT_PROGRAM, program="0"),
    _figures_insert(
        MENTOR_VALUES, source=MENTOR_SOURCE, group_by="GROUPING SETS ((kec, kab, prov), (prov), ())", program="0"
    ),
    _month_insert(
        MONTH_VALUES,
        source=MONTH_SOURCE,
        group_by=f"{_WITH_PROGRAM} HAVING program_id IS DISTINCT FROM -1",
        program="COALESCE(program_id, 0)",
        upsert=False,
    ),
]


def _overdue_days() -> int:
    from mentors.models import MentorSettings

    return MentorSettings.objects.current().overdue_days


def refresh_all(*, trigger: str = "manual") -> DashboardRefresh:
    """Rebuild every aggregate from the registers and record the run; returns the ledger row.

    Called at the end of the nightly graduation run and after imports (`dashboards.tasks`).
    """
    started_at = timezone.now()
    clock = time.monotonic()
    today = timezone.localdate()
    params = {"today": today, "since": today - datetime.timedelta(days=_overdue_days())}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # The grouping sets hash a few million facts: in memory rather than in batches spilled to disk.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # DELETE, not TRUNCATE: TRUNCATE's exclusive lock would block the dashboard readers.
        cursor.execute(f"DELETE FROM {AreaFigures._meta.db_table}")  # noqa: S608 - our table name
        cursor.execute(f"DELETE FROM {AreaMonth._meta.db_table}")  # noqa: S608 - our table name
        for statement in STATEMENTS:
            cursor.execute(statement, params)
        cursor.execute(f"SELECT count(*) FROM {AreaFigures._meta.db_table}")  # noqa: S608 - our table name
        (area_rows,) = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM {AreaMonth._meta.db_table}")  # noqa: S608 - our table name
        (month_rows,) = cursor.fetchone()
        return DashboardRefresh.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            duration_ms=round((time.monotonic() - clock) * 1000),
            trigger=trigger[:50],
            area_rows=area_rows,
            month_rows=month_rows,
        )
