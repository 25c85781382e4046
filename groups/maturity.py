"""KUBE maturity: Tumbuh → Berkembang → Maju, from the monthly business reports.

The rule (thresholds in `MaturityThresholds`, admin-editable, defaults from DESIGN.md):

- *Berkembang*: active for at least `berkembang_months_active` months, with a profit in
  at least `berkembang_min_profitable` of the last `berkembang_window` reports;
- *Maju*: Berkembang, active for at least `maju_months_active` months, revenue of the last
  `berkembang_window` reports above that of the `berkembang_window` reports before them,
  and group savings in the latest report of at least `maju_min_savings`;
- otherwise *Tumbuh*.

Only active KUBE are classified. `classify_kube` reads one KUBE in Python; `classify_all`
applies the same rule to every active KUBE in SQL, one `UPDATE ... FROM (aggregate)`
statement per id range, each in its own transaction (`workers` ranges at a time, each on its own
connection), so a run can be killed and re-run; KUBE whose result is unchanged are not rewritten.
Both write the same level and the same reason text (tests hold them to it).
"""

import datetime
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from groups.models import BusinessReport, Kube, MaturityLevel, MaturityThresholds, Status
from groups.money import format_rupiah

DEFAULT_CHUNK_SIZE = 10_000
# Chunks classified at once, each on its own connection (the production machine has 2 cores).
DEFAULT_WORKERS = 2
# pg_try_advisory_lock key: one set-based run at a time.
ADVISORY_LOCK_KEY = 0x4B55_4245  # "KUBE"


class MaturityRunInProgress(RuntimeError):
    pass


@dataclass(frozen=True)
class Classification:
    level: str
    reason: str


def months_between(start: datetime.date | None, end: datetime.date) -> int:
    """Whole months from `start` to `end`, as PostgreSQL's age() counts them (0 if not started)."""
    if start is None:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def _reason(months, profitable, recent_count, window, revenue_recent, revenue_previous, savings) -> str:
    return (
        f"Aktif {months} bulan; laba pada {profitable} dari {recent_count} laporan terakhir; "
        f"omzet {window} laporan terakhir {format_rupiah(revenue_recent)} "
        f"(sebelumnya {format_rupiah(revenue_previous)}); tabungan kelompok {format_rupiah(savings)}."
    )


def _level(t: MaturityThresholds, months, profitable, revenue_recent, revenue_previous, previous_count, savings):
    berkembang = months >= t.berkembang_months_active and profitable >= t.berkembang_min_profitable
    maju = (
        berkembang
        and months >= t.maju_months_active
        and previous_count > 0
        and revenue_recent > revenue_previous
        and savings >= t.maju_min_savings
    )
    if maju:
        return MaturityLevel.MAJU
    return MaturityLevel.BERKEMBANG if berkembang else MaturityLevel.TUMBUH


def classify_kube(
    kube: Kube, *, as_of: datetime.date | None = None, thresholds: MaturityThresholds | None = None
) -> Classification:
    """The level and reason of one KUBE from its reports up to `as_of` (today by default)."""
    as_of = as_of or timezone.localdate()
    t = thresholds or MaturityThresholds.objects.current()
    window = t.berkembang_window
    reports = list(
        BusinessReport.objects.filter(kube=kube, month__lte=as_of)
        .order_by("-month")
        .values("revenue", "profit", "group_savings")[: 2 * window]
    )
    recent, previous = reports[:window], reports[window:]
    months = months_between(kube.activated_on, as_of)
    profitable = sum(1 for r in recent if r["profit"] > 0)
    revenue_recent = sum(r["revenue"] for r in recent)
    revenue_previous = sum(r["revenue"] for r in previous)
    savings = reports[0]["group_savings"] if reports else 0
    level = _level(t, months, profitable, revenue_recent, revenue_previous, len(previous), savings)
    reason = _reason(months, profitable, len(recent), window, revenue_recent, revenue_previous, savings)
    return Classification(level, reason)


# The same rule in SQL, with %(name)s parameters; to_char(..., ',')+replace writes Rupiah like format_rupiah.
_CHUNK_SQL = """
WITH ranked AS (
    SELECT r.kube_id, r.revenue, r.profit, r.group_savings,
           row_number() OVER (PARTITION BY r.kube_id ORDER BY r.month DESC) AS rn
    FROM groups_businessreport r
    JOIN groups_kube k ON k.id = r.kube_id
    WHERE r.kube_id >= %(lo)s AND r.kube_id < %(hi)s AND k.status = %(active)s AND r.month <= %(as_of)s
), stats AS (
    SELECT kube_id,
           count(*) FILTER (WHERE rn <= %(window)s) AS recent_count,
           count(*) FILTER (WHERE rn <= %(window)s AND profit > 0) AS profitable,
           coalesce(sum(revenue) FILTER (WHERE rn <= %(window)s), 0) AS revenue_recent,
           coalesce(sum(revenue) FILTER (WHERE rn > %(window)s), 0) AS revenue_previous,
           count(*) FILTER (WHERE rn > %(window)s) AS previous_count,
           coalesce(max(group_savings) FILTER (WHERE rn = 1), 0) AS savings
    FROM ranked
    WHERE rn <= 2 * %(window)s
    GROUP BY kube_id
), measured AS (
    SELECT k.id, k.maturity_level AS old_level,
           CASE WHEN k.activated_on IS NULL THEN 0 ELSE greatest(0,
               (extract(year FROM age(%(as_of)s, k.activated_on)) * 12
                + extract(month FROM age(%(as_of)s, k.activated_on)))::int) END AS months,
           coalesce(s.recent_count, 0) AS recent_count,
           coalesce(s.profitable, 0) AS profitable,
           coalesce(s.revenue_recent, 0) AS revenue_recent,
           coalesce(s.revenue_previous, 0) AS revenue_previous,
           coalesce(s.previous_count, 0) AS previous_count,
           coalesce(s.savings, 0) AS savings
    FROM groups_kube k
    LEFT JOIN stats s ON s.kube_id = k.id
    WHERE k.id >= %(lo)s AND k.id < %(hi)s AND k.status = %(active)s
), classified AS (
    SELECT m.*,
           CASE
               WHEN m.months >= %(b_months)s AND m.profitable >= %(b_profitable)s
                    AND m.months >= %(m_months)s AND m.previous_count > 0
                    AND m.revenue_recent > m.revenue_previous AND m.savings >= %(m_savings)s THEN %(maju)s
               WHEN m.months >= %(b_months)s AND m.profitable >= %(b_profitable)s THEN %(berkembang)s
               ELSE %(tumbuh)s
           END AS level
    FROM measured m
), reasoned AS (
    SELECT c.*,
           'Aktif ' || c.months || ' bulan; laba pada ' || c.profitable || ' dari '
            || c.recent_count || ' laporan terakhir; omzet ' || %(window)s || ' laporan terakhir '
            || 'Rp ' || replace(to_char(c.revenue_recent, 'FM999,999,999,999,999,990'), ',', '.') || ' (sebelumnya ' || 'Rp ' || replace(to_char(c.revenue_previous, 'FM999,999,999,999,999,990'), ',', '.') || '); tabungan kelompok '
            || 'Rp ' || replace(to_char(c.savings, 'FM999,999,999,999,999,990'), ',', '.') || '.' AS reason
    FROM classified c
), updated AS (
    -- Only KUBE whose level, reason or date changes are rewritten: a run on unchanged data writes nothing.
    UPDATE groups_kube k
    SET maturity_level = c.level,
        maturity_reason = c.reason,
        maturity_set_on = CASE WHEN c.old_level <> c.level OR k.maturity_set_on IS NULL
                               THEN %(as_of)s ELSE k.maturity_set_on END
    FROM reasoned c
    WHERE k.id = c.id
      AND (k.maturity_level <> c.level OR k.maturity_reason <> c.reason OR k.maturity_set_on IS NULL)
    RETURNING k.id
)
SELECT level, count(*), count(*) FILTER (WHERE old_level <> level) FROM classified GROUP BY level
"""


def classify_all(
    *,
    as_of: datetime.date | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    stdout=None,
    workers: int = DEFAULT_WORKERS,
) -> dict[str, int]:
    """Classify every active KUBE set-based; returns counts per level and of changed levels."""
    as_of = as_of or timezone.localdate()
    t = MaturityThresholds.objects.current()
    counts = dict.fromkeys(MaturityLevel.values, 0) | {"changed": 0}
    bounds = Kube.objects.filter(status=Status.AKTIF).order_by().values_list("id", flat=True)
    low, high = bounds.order_by("id").first(), bounds.order_by("-id").first()
    if low is None:
        return counts
    params = {
        "as_of": as_of,
        "active": Status.AKTIF,
        "window": t.berkembang_window,
        "b_months": t.berkembang_months_active,
        "b_profitable": t.berkembang_min_profitable,
        "m_months": t.maju_months_active,
        "m_savings": t.maju_min_savings,
        "maju": MaturityLevel.MAJU,
        "berkembang": MaturityLevel.BERKEMBANG,
        "tumbuh": MaturityLevel.TUMBUH,
    }

    def chunk(lo: int) -> list[tuple]:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_CHUNK_SQL, {**params, "lo": lo, "hi": lo + chunk_size})
            return cursor.fetchall()

    def in_thread(lo: int) -> list[tuple]:
        try:
            return chunk(lo)
        finally:
            connection.close()  # each worker thread has its own connection

    def done(lo: int, rows: list[tuple]) -> None:
        for level, total, changed in rows:
            counts[level] += total
            counts["changed"] += changed
        if stdout is not None:
            stdout.write(f"  KUBE {lo}–{min(lo + chunk_size, high + 1) - 1}: {counts}\n")

    starts = list(range(low, high + 1, chunk_size))
    with _run_lock():
        # Inside an outer transaction (tests), other connections could not see its data: one by one.
        if workers <= 1 or len(starts) == 1 or connection.in_atomic_block:
            for lo in starts:
                done(lo, chunk(lo))
        else:
            # Chunks are independent (each commits on its own): `workers` at a time on their own connections.
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="maturity") as pool:
                for lo, rows in zip(starts, pool.map(in_thread, starts), strict=True):
                    done(lo, rows)
    return counts


class _run_lock:  # noqa: N801 - used as a context manager
    """A session advisory lock: a second concurrent run fails fast instead of doing the work twice."""

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            (acquired,) = cursor.fetchone()
        if not acquired:
            raise MaturityRunInProgress("Another maturity classification is running.")
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        return False
