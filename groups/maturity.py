"""KUBE maturity: Tumbuh → Berkembang → Maju, from the monthly business reports (DESIGN.md section 4).

The rule, on a run date (thresholds in `MaturityThresholds`, admin-editable, defaults from DESIGN.md):

- the **window** is the `berkembang_window` (12) complete calendar months before the month of
  the run date (a run on 1 December 2026 reads December 2025 – November 2026); the
  **previous window** is the same number of months just before it. A month without a report
  is a month without profit;
- **months active**: whole months from `activated_on` (the day the first grant was disbursed and
  the KUBE became active) to the run date, counted as PostgreSQL's `age()` counts them (1 March
  → 1 March next year is 12; 2 March → 1 March is 11); 0 without an activation date;
- *Berkembang*: months active ≥ `berkembang_months_active` and a profit (revenue − costs > 0) in
  ≥ `berkembang_min_profitable` months of the window;
- **growing revenue**: the window and the previous window each hold ≥ `maju_min_reports`
  reports and the mean monthly revenue of the window's reports is higher than the previous
  window's (compared exactly, as sum × count products, never as rounded means: a window with
  more reports cannot win by count);
- *Maju*: Berkembang, months active ≥ `maju_months_active`, group savings of the window's
  latest report ≥ `maju_min_savings`, and growing revenue;
- otherwise *Tumbuh*;
- *tidak melapor* (not reporting): no report for any of the `not_reporting_months` (3) complete
  months before the month of the run.

Only active KUBE are classified. The level, the facts behind it (`reason`: codes and numbers,
worded by `groups.templatetags.kube_tags` in the reader's language) and the *tidak melapor*
flag are stored on the KUBE; every level change closes the KUBE's open `MaturityPeriod` and
opens a new one with the date and the reason.

Two engines apply the rule: `classify_kube` reads one KUBE in Python (used live when a report is
saved, `groups.services.kube_maturity_refresh`), and `classify_all` applies it to every active
KUBE in SQL for the nightly run (its first step, `nightly_step`), one `UPDATE ... FROM (aggregate)`
statement per id range, each in its own transaction, so a run can be killed and re-run; KUBE whose
result is unchanged are not rewritten. `store_classification`
writes one KUBE's result as the SQL writes it. A property test (groups/tests/test_maturity_engines.py)
holds the two engines to identical results.
"""

import datetime
import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from groups.models import BusinessReport, Kube, MaturityLevel, MaturityPeriod, MaturityThresholds, Status
from kube_portal import locks
from kube_portal.dates import month_index, month_start, months_between

DEFAULT_CHUNK_SIZE = 10_000


class MaturityRunInProgress(locks.Busy):
    """Another set-based classification holds the lock."""


@dataclass(frozen=True)
class Window:
    """The months a run on `as_of` reads (first days of months, both ends included)."""

    first: datetime.date
    last: datetime.date
    previous_first: datetime.date
    silent_first: datetime.date  # first of the complete months checked for *tidak melapor*

    @classmethod
    def of(cls, as_of: datetime.date, t: MaturityThresholds) -> "Window":
        return cls(
            first=month_start(as_of, -t.berkembang_window),
            last=month_start(as_of, -1),
            previous_first=month_start(as_of, -2 * t.berkembang_window),
            silent_first=month_start(as_of, -t.not_reporting_months),
        )

    @property
    def read_from(self) -> datetime.date:
        return min(self.previous_first, self.silent_first)


@dataclass(frozen=True)
class Classification:
    level: str
    #: The facts behind the level (JSON: codes and numbers), as stored in `Kube.maturity_reason`.
    reason: dict
    not_reporting: bool


def thresholds_facts(t: MaturityThresholds) -> dict:
    """The thresholds a reason was judged against (kept with it: thresholds are versioned)."""
    return {
        "months": t.berkembang_months_active,
        "profitable": t.berkembang_min_profitable,
        "maju_months": t.maju_months_active,
        "savings": t.maju_min_savings,
        "reports": t.maju_min_reports,
        "silent_months": t.not_reporting_months,
    }


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def classify(
    *,
    thresholds: MaturityThresholds,
    activated_on: datetime.date | None,
    as_of: datetime.date,
    reports: list[tuple[datetime.date, int, int, int]],
    last_report: datetime.date | None,
) -> Classification:
    """The rule on one KUBE's facts: `reports` are (month, revenue, profit, group savings) of any months."""
    t = thresholds
    window = Window.of(as_of, t)
    recent = [r for r in reports if window.first <= r[0] <= window.last]
    previous = [r for r in reports if window.previous_first <= r[0] < window.first]
    months = months_between(activated_on, as_of)
    profitable = sum(1 for r in recent if r[2] > 0)
    revenue, previous_revenue = sum(r[1] for r in recent), sum(r[1] for r in previous)
    growing = (
        len(recent) >= t.maju_min_reports
        and len(previous) >= t.maju_min_reports
        and revenue * len(previous) > previous_revenue * len(recent)
    )
    latest = max(recent, default=None)
    savings = latest[3] if latest else 0
    not_reporting = not any(window.silent_first <= r[0] <= window.last for r in reports)
    berkembang = months >= t.berkembang_months_active and profitable >= t.berkembang_min_profitable
    maju = berkembang and months >= t.maju_months_active and savings >= t.maju_min_savings and growing
    level = MaturityLevel.MAJU if maju else MaturityLevel.BERKEMBANG if berkembang else MaturityLevel.TUMBUH
    reason = {
        "months_active": months,
        "window_from": _iso(window.first),
        "window_to": _iso(window.last),
        "reports": len(recent),
        "profitable": profitable,
        "mean_revenue": revenue // len(recent) if recent else None,
        "previous_reports": len(previous),
        "previous_mean_revenue": previous_revenue // len(previous) if previous else None,
        "growing": growing,
        "savings": savings,
        "savings_month": _iso(latest[0]) if latest else None,
        "last_report": _iso(last_report),
        "not_reporting": not_reporting,
        "thresholds": thresholds_facts(t),
    }
    return Classification(str(level), reason, not_reporting)


def classify_kube(
    kube: Kube, *, as_of: datetime.date | None = None, thresholds: MaturityThresholds | None = None
) -> Classification:
    """The level, reason and *tidak melapor* flag of one KUBE on `as_of` (today by default), in Python."""
    as_of = as_of or timezone.localdate()
    t = thresholds or MaturityThresholds.objects.current()
    window = Window.of(as_of, t)
    reports = BusinessReport.objects.filter(kube=kube, month__gte=window.read_from, month__lte=window.last)
    last_report = BusinessReport.objects.filter(kube=kube, month__lte=as_of).aggregate(last=Max("month"))["last"]
    return classify(
        thresholds=t,
        activated_on=kube.activated_on,
        as_of=as_of,
        reports=list(reports.values_list("month", "revenue", "profit", "group_savings")),
        last_report=last_report,
    )


def store_classification(kube: Kube, result: Classification, *, as_of: datetime.date) -> bool:
    """Write one KUBE's classification as the set-based run does; returns whether its level changed.

    The caller holds the KUBE's row lock (`select_for_update`).
    """
    changed = result.level != kube.maturity_level
    set_on = as_of if changed or kube.maturity_set_on is None else kube.maturity_set_on
    if (
        changed
        or set_on != kube.maturity_set_on
        or result.reason != kube.maturity_reason
        or result.not_reporting != kube.not_reporting
    ):
        # updated_at is left alone, as in the set-based run: a classification is not an edit of the KUBE.
        Kube.objects.filter(pk=kube.pk).update(
            maturity_level=result.level,
            maturity_reason=result.reason,
            not_reporting=result.not_reporting,
            maturity_set_on=set_on,
        )
        kube.maturity_level, kube.maturity_reason = result.level, result.reason
        kube.not_reporting, kube.maturity_set_on = result.not_reporting, set_on
    open_periods = MaturityPeriod.objects.filter(kube=kube, ended_on__isnull=True)
    if not open_periods.filter(level=result.level).exists():
        MaturityPeriod.objects.create(kube=kube, level=result.level, started_on=as_of, reason=result.reason)
    open_periods.exclude(level=result.level).update(ended_on=as_of)
    return changed


# The same rule in SQL, with %(name)s parameters. Months active use the arithmetic of months_between.
_CHUNK_SQL = """
WITH kube AS MATERIALIZED (
    SELECT k.id, k.maturity_level AS old_level,
           CASE WHEN k.activated_on IS NULL THEN 0 ELSE greatest(0,
               %(as_of_month_index)s
               - (date_part('year', k.activated_on)::int * 12 + date_part('month', k.activated_on)::int)
               - (date_part('day', k.activated_on)::int > %(as_of_day)s)::int) END AS months_active
    FROM groups_kube k
    WHERE k.id >= %(lo)s AND k.id < %(hi)s AND k.status = %(active)s
), stats AS (
    SELECT r.kube_id,
           count(*) FILTER (WHERE r.month >= %(window_from)s) AS reports,
           count(*) FILTER (WHERE r.month >= %(window_from)s AND r.profit > 0) AS profitable,
           coalesce(sum(r.revenue) FILTER (WHERE r.month >= %(window_from)s), 0) AS revenue,
           count(*) FILTER (WHERE r.month >= %(previous_from)s AND r.month < %(window_from)s) AS previous_reports,
           coalesce(sum(r.revenue) FILTER (WHERE r.month >= %(previous_from)s AND r.month < %(window_from)s), 0)
               AS previous_revenue,
           max(r.month) FILTER (WHERE r.month >= %(window_from)s) AS savings_month,
           count(*) FILTER (WHERE r.month >= %(silent_from)s) AS silent_window_reports
    FROM groups_businessreport r
    JOIN kube ON kube.id = r.kube_id
    WHERE r.month >= %(read_from)s AND r.month <= %(window_to)s
    GROUP BY r.kube_id
), measured AS (
    SELECT kube.id, kube.old_level, kube.months_active,
           coalesce(s.reports, 0) AS reports,
           coalesce(s.profitable, 0) AS profitable,
           coalesce(s.revenue, 0) AS revenue,
           coalesce(s.previous_reports, 0) AS previous_reports,
           coalesce(s.previous_revenue, 0) AS previous_revenue,
           s.savings_month,
           coalesce((SELECT r.group_savings FROM groups_businessreport r
                     WHERE r.kube_id = kube.id AND r.month = s.savings_month), 0) AS savings,
           (SELECT max(r.month) FROM groups_businessreport r
            WHERE r.kube_id = kube.id AND r.month <= %(as_of)s) AS last_report,
           coalesce(s.silent_window_reports, 0) = 0 AS not_reporting
    FROM kube
    LEFT JOIN stats s ON s.kube_id = kube.id
), judged AS (
    SELECT m.*,
           m.reports >= %(min_reports)s AND m.previous_reports >= %(min_reports)s
               AND m.revenue * m.previous_reports > m.previous_revenue * m.reports AS growing,
           m.months_active >= %(b_months)s AND m.profitable >= %(b_profitable)s AS berkembang
    FROM measured m
), classified AS (
    SELECT j.id, j.old_level, j.not_reporting,
           CASE WHEN j.berkembang AND j.months_active >= %(m_months)s AND j.savings >= %(m_savings)s AND j.growing
                THEN %(maju)s WHEN j.berkembang THEN %(berkembang)s ELSE %(tumbuh)s END AS level,
           jsonb_build_object(
               'months_active', j.months_active,
               'window_from', %(window_from_iso)s::text,
               'window_to', %(window_to_iso)s::text,
               'reports', j.reports,
               'profitable', j.profitable,
               'mean_revenue', CASE WHEN j.reports > 0 THEN div(j.revenue, j.reports)::bigint END,
               'previous_reports', j.previous_reports,
               'previous_mean_revenue',
                   CASE WHEN j.previous_reports > 0 THEN div(j.previous_revenue, j.previous_reports)::bigint END,
               'growing', j.growing,
               'savings', j.savings,
               'savings_month', to_char(j.savings_month, 'YYYY-MM-DD'),
               'last_report', to_char(j.last_report, 'YYYY-MM-DD'),
               'not_reporting', j.not_reporting,
               'thresholds', %(thresholds)s::jsonb
           ) AS reason
    FROM judged j
), updated AS (
    -- Only KUBE whose level, reason, flag or date changes are rewritten: a run on unchanged data writes nothing.
    UPDATE groups_kube k
    SET maturity_level = c.level,
        maturity_reason = c.reason,
        not_reporting = c.not_reporting,
        maturity_set_on = CASE WHEN c.old_level <> c.level OR k.maturity_set_on IS NULL
                               THEN %(as_of)s ELSE k.maturity_set_on END
    FROM classified c
    WHERE k.id = c.id
      AND (k.maturity_level <> c.level OR k.maturity_reason <> c.reason OR k.not_reporting <> c.not_reporting
           OR k.maturity_set_on IS NULL)
    RETURNING k.id
), closed AS (
    -- The history: a level change closes the open period and opens one with the new level and its reason.
    UPDATE groups_maturityperiod p
    SET ended_on = %(as_of)s
    FROM classified c
    WHERE p.kube_id = c.id AND p.ended_on IS NULL AND p.level <> c.level
    RETURNING p.id
), opened AS (
    INSERT INTO groups_maturityperiod (kube_id, level, started_on, ended_on, reason)
    SELECT c.id, c.level, %(as_of)s, NULL, c.reason
    FROM classified c
    WHERE NOT EXISTS (
        SELECT 1 FROM groups_maturityperiod p WHERE p.kube_id = c.id AND p.ended_on IS NULL AND p.level = c.level
    )
    RETURNING id
)
SELECT level, count(*), count(*) FILTER (WHERE old_level <> level), count(*) FILTER (WHERE not_reporting)
FROM classified GROUP BY level
"""


def _params(as_of: datetime.date, t: MaturityThresholds) -> dict:
    window = Window.of(as_of, t)
    return {
        "as_of": as_of,
        "as_of_month_index": month_index(as_of),
        "as_of_day": as_of.day,
        "active": Status.AKTIF,
        "window_from": window.first,
        "window_to": window.last,
        "window_from_iso": window.first.isoformat(),
        "window_to_iso": window.last.isoformat(),
        "previous_from": window.previous_first,
        "silent_from": window.silent_first,
        "read_from": window.read_from,
        "b_months": t.berkembang_months_active,
        "b_profitable": t.berkembang_min_profitable,
        "m_months": t.maju_months_active,
        "m_savings": t.maju_min_savings,
        "min_reports": t.maju_min_reports,
        "thresholds": json.dumps(thresholds_facts(t)),
        "maju": MaturityLevel.MAJU,
        "berkembang": MaturityLevel.BERKEMBANG,
        "tumbuh": MaturityLevel.TUMBUH,
    }


def classify_all(
    *,
    as_of: datetime.date | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    stdout=None,
) -> dict[str, int]:
    """Classify every active KUBE set-based; returns counts per level, of changed levels and of *tidak melapor*."""
    as_of = as_of or timezone.localdate()
    t = MaturityThresholds.objects.current()
    counts = dict.fromkeys(MaturityLevel.values, 0) | {"changed": 0, "not_reporting": 0}
    bounds = Kube.objects.filter(status=Status.AKTIF).order_by().values_list("id", flat=True)
    low, high = bounds.order_by("id").first(), bounds.order_by("-id").first()
    if low is None:
        return counts
    params = _params(as_of, t)
    with locks.exclusive(locks.Key.MATURITY, busy=lambda: MaturityRunInProgress("Another maturity run is going.")):
        # One id range at a time, each committed on its own: a run killed midway keeps what it did.
        for lo in range(low, high + 1, chunk_size):
            with transaction.atomic(), connection.cursor() as cursor:
                # The planner overestimates the rows of the CTEs a hundredfold and JIT-compiles the statement:
                # at 10,000 KUBE a chunk took 1.4 s compiling for 0.2 s of work.
                cursor.execute("SET LOCAL jit = off")
                cursor.execute(_CHUNK_SQL, {**params, "lo": lo, "hi": lo + chunk_size})
                rows = cursor.fetchall()
            for level, total, changed, not_reporting in rows:
                counts[level] += total
                counts["changed"] += changed
                counts["not_reporting"] += not_reporting
            if stdout is not None:
                stdout.write(f"  KUBE {lo}–{min(lo + chunk_size, high + 1) - 1}: {counts}\n")
    return counts


def nightly_step(night) -> dict[str, int]:
    """The first step of the nightly run (kube_portal.nightly, registered by GroupsConfig)."""
    return classify_all(as_of=night.run_date)
