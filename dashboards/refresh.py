"""Rebuild the dashboard aggregates set-based: a few INSERT ... SELECT ... GROUP BY GROUPING SETS.

One statement per source fills every level at once: the grouping sets
(kecamatan), (kab/kota), (province) and () each with and without the programme give
the rows a page reads, so no page ever sums more than its children's rows. Sources
without a programme (households, graduation, mentors) add their columns to the
all-programme rows with INSERT ... ON CONFLICT DO UPDATE.

The statements fill temporary staging tables; the real tables then receive only the
rows that changed (and lose the rows that vanished), all in one transaction: readers
see the old figures until it commits, then the new ones, never a half-built state, and
are never blocked (no TRUNCATE). A transaction-level advisory lock (`kube_portal.locks`)
keeps two refreshes (the nightly run and an import finishing) from interleaving; the second
waits and then rebuilds from the newer data.

The refresh is the last step of the nightly run (`nightly_step`, registered by
DashboardsConfig): it reads the KUBE levels and the readiness the steps before it wrote.
"""

import datetime
import time

from django.db import connection, transaction
from django.utils import timezone

from dashboards.models import AreaFigures, AreaMonth, DashboardRefresh
from kube_portal import locks

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

# The statements fill temporary copies (no WAL, no readers); only the differences reach the real tables.
FIGURES_STAGE = "dashboards_stage_figures"
MONTH_STAGE = "dashboards_stage_month"


def _figures_insert(values: dict[str, str], *, source: str, group_by: str, program: str) -> str:
    """INSERT of AreaFigures rows: `values` gives the expressions of some columns, the others are 0."""
    # COALESCE: the empty grouping set () yields a national row even from no rows, with NULL sums.
    expressions = ", ".join(f"COALESCE({values[c]}, 0)" if c in values else "0" for c in FIGURE_COLUMNS)
    statement = (
        f"INSERT INTO {FIGURES_STAGE} (region_code, level, program_id, {', '.join(FIGURE_COLUMNS)}) "  # noqa: S608
        f"SELECT {_AREA}, {program}, {expressions} FROM {source} GROUP BY {group_by}"
    )
    if program == "0":
        updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in values)
        statement += f" ON CONFLICT (region_code, program_id) DO UPDATE SET {updates}"
    return statement


OCCUPYING = "('diusulkan', 'direkomendasikan', 'ditetapkan', 'aktif', 'nonaktif')"

# One row per KUBE with what the figures need; %(today)s and %(since)s bound the mentoring window:
# visited on or after %(since)s is on time, the boundary of mentors.selectors.with_visit_clock.
KUBE_SOURCE = """(
    SELECT k.region_code AS kec, left(k.region_code, 5) AS kab, left(k.region_code, 2) AS prov,
           k.program_id, k.status, k.maturity_level, k.not_reporting, k.business_type, k.kur_status, k.kur_amount,
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
        WHERE visited_on >= %(since)s AND visited_on <= %(today)s AND status <> 'dikembalikan'
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
    "kube_not_reporting": "count(*) FILTER (WHERE status = 'aktif' AND not_reporting)",
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
# Every household (graduated ones may have been deactivated), with its readiness and decisions,
# counted per kecamatan first; the grouping sets then roll the kecamatan up.
HOUSEHOLD_SOURCE = """(
    SELECT kec, left(kec, 5) AS kab, left(kec, 2) AS prov,
           count(*) FILTER (WHERE is_active) AS households_registered,
           count(*) FILTER (WHERE is_active AND state = 'belum') AS grad_belum,
           count(*) FILTER (WHERE is_active AND state = 'menuju') AS grad_menuju,
           count(*) FILTER (WHERE is_active AND state = 'siap') AS grad_siap,
           count(*) FILTER (WHERE proposed) AS grad_proposed,
           sum(decided) AS graduated,
           sum(relapsed) AS relapsed
    FROM (
        SELECT left(h.region_code, 8) AS kec, h.is_active, s.state,
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
    ) AS one_household
    GROUP BY kec
) AS household"""

HOUSEHOLD_VALUES = {
    column: f"sum({column})"
    for column in (
        "households_registered", "grad_belum", "grad_menuju", "grad_siap", "grad_proposed", "graduated", "relapsed"
    )
}  # fmt: skip

# Mentors work for a kab/kota: their rows start at that level.
MENTOR_SOURCE = """(
    SELECT NULL::varchar AS kec, m.region_code AS kab, left(m.region_code, 2) AS prov,
           (SELECT count(*) FROM mentors_assignment a
            WHERE a.mentor_id = m.id AND a.started_on <= %(today)s
              AND (a.ended_on IS NULL OR a.ended_on > %(today)s)) AS cases
    FROM mentors_mentor m WHERE m.status = 'aktif'
) AS mentor"""

MENTOR_VALUES = {"mentors_active": "count(*)", "mentor_cases": "sum(cases)"}

# Every monthly fact in one stream, summed per kecamatan, programme and month into the stage;
# graduations have no programme and come in as programme -1. The levels above are then rolled
# up from the level below (ROLLUP_MONTHS): each step reads a few hundred thousand rows at most,
# where grouping sets over the millions of facts spilled their hash tables to disk.
_MONTH_LIST = ", ".join(MONTH_COLUMNS)
_MONTH_SUMS = ", ".join(f"COALESCE(sum({column}), 0)" for column in MONTH_COLUMNS)
MONTH_BASE = f"""
INSERT INTO {MONTH_STAGE} (region_code, level, program_id, month, {_MONTH_LIST})
SELECT kec, 3, program_id, month, {_MONTH_SUMS}
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
GROUP BY kec, program_id, month
"""  # noqa: S608 - constant SQL and our names

# Kecamatan rows of all programmes, then kab/kota, province and nation from the level below.
ROLLUP_MONTHS = [
    f"INSERT INTO {MONTH_STAGE} (region_code, level, program_id, month, {_MONTH_LIST}) "  # noqa: S608
    f"SELECT region_code, 3, 0, month, {_MONTH_SUMS} FROM {MONTH_STAGE} WHERE level = 3 "
    "GROUP BY region_code, month",
    *(
        f"INSERT INTO {MONTH_STAGE} (region_code, level, program_id, month, {_MONTH_LIST}) "  # noqa: S608
        f"SELECT {code}, {level}, program_id, month, {_MONTH_SUMS} FROM {MONTH_STAGE} WHERE level = {level + 1} "
        "GROUP BY 1, program_id, month"
        for level, code in ((2, "left(region_code, 5)"), (1, "left(region_code, 2)"), (0, "''"))
    ),
    f"DELETE FROM {MONTH_STAGE} WHERE program_id = -1",  # noqa: S608
]

# The KUBE statement must stay first: it inserts, the others add their columns to its rows.
STATEMENTS = [
    _figures_insert(KUBE_VALUES, source=KUBE_SOURCE, group_by=_WITH_PROGRAM, program="COALESCE(program_id, 0)"),
    _figures_insert(
        MENTOR_VALUES, source=MENTOR_SOURCE, group_by="GROUPING SETS ((kec, kab, prov), (prov), ())", program="0"
    ),
    _figures_insert(HOUSEHOLD_VALUES, source=HOUSEHOLD_SOURCE, group_by=_WITHOUT_PROGRAM, program="0"),
    MONTH_BASE,
    *ROLLUP_MONTHS,
]


def _stage_tables(cursor) -> None:
    for stage, model, keys in (
        (FIGURES_STAGE, AreaFigures, "region_code, program_id"),
        (MONTH_STAGE, AreaMonth, ""),  # written without upserts: no index to maintain
    ):
        columns = ", ".join(f.column for f in model._meta.concrete_fields if f.column != "id")
        # ON COMMIT DROP does not fire inside an outer transaction (a test, a caller's atomic block).
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608 - our names
            f"SELECT {columns} FROM {model._meta.db_table} WITH NO DATA"
        )
        if keys:
            cursor.execute(f"CREATE UNIQUE INDEX ON {stage} ({keys})")


def _merge(cursor, *, stage: str, model, keys: list[str]) -> tuple[int, int]:
    """Make the model's table equal to the stage, writing only rows that changed; returns (written, deleted).

    Unchanged rows (most of them: past months do not move) are neither rewritten nor
    locked for long, so the nightly refresh writes little and leaves no bloat behind.
    """
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if f.column != "id"]
    values = [column for column in columns if column not in keys]
    match = " AND ".join(f"s.{key} = t.{key}" for key in keys)
    cursor.execute(
        f"DELETE FROM {table} AS t WHERE NOT EXISTS (SELECT 1 FROM {stage} AS s WHERE {match})"  # noqa: S608
    )
    deleted = cursor.rowcount
    same = " AND ".join(
        [*(f"t.{key} = s.{key}" for key in keys), *(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in values)]
    )
    # The anti-join finds new and changed rows in one hash join; only those take the upsert path.
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - our names
        f"SELECT {', '.join(f's.{c}' for c in columns)} FROM {stage} AS s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {same}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{column} = EXCLUDED.{column}" for column in values)
    )
    return cursor.rowcount, deleted


def _merge_staged(cursor, *, stage: str, model, keys: list[str]) -> tuple[int, int]:
    """`_merge` of a complete stage, with its statistics and plain hash joins."""
    cursor.execute(f"ANALYZE {stage}")
    # Each merge compares two tables of up to a million rows: one hash join each. A nested loop
    # over the stage took minutes, a merge join random reads of the temporary table.
    cursor.execute("SET LOCAL enable_nestloop = off")
    cursor.execute("SET LOCAL enable_mergejoin = off")
    return _merge(cursor, stage=stage, model=model, keys=keys)


def _on_time_since(today: datetime.date) -> datetime.date:
    from mentors.selectors import overdue_cutoff, overdue_days

    return overdue_cutoff(today, days=overdue_days())


def refresh_all(*, trigger: str = "manual") -> DashboardRefresh:
    """Rebuild every aggregate from the registers and record the run; returns the ledger row.

    The last step of the nightly run, and queued after imports (`dashboards.tasks`).
    """
    started_at = timezone.now()
    clock = time.monotonic()
    today = timezone.localdate()
    params = {"today": today, "since": _on_time_since(today)}
    with transaction.atomic(), connection.cursor() as cursor:
        locks.wait_in_transaction(locks.Key.DASHBOARDS)
        # The grouping sets hash a few million facts: in memory rather than in batches spilled to disk.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        _stage_tables(cursor)
        for statement in STATEMENTS:
            cursor.execute(statement, params)
        _merge_staged(cursor, stage=MONTH_STAGE, model=AreaMonth, keys=["region_code", "program_id", "month"])
        _merge_staged(cursor, stage=FIGURES_STAGE, model=AreaFigures, keys=["region_code", "program_id"])
        cursor.execute(f"SELECT count(*) FROM {FIGURES_STAGE}")  # noqa: S608 - our table name
        (area_rows,) = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM {MONTH_STAGE}")  # noqa: S608 - our table name
        (month_rows,) = cursor.fetchone()
        cursor.execute(f"DROP TABLE {FIGURES_STAGE}, {MONTH_STAGE}")
        return DashboardRefresh.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            duration_ms=round((time.monotonic() - clock) * 1000),
            trigger=trigger[:50],
            area_rows=area_rows,
            month_rows=month_rows,
        )


def nightly_step(night) -> dict[str, int]:
    """The last step of the nightly run (kube_portal.nightly, registered by DashboardsConfig)."""
    return {"refresh": refresh_all(trigger=night.trigger).pk}
