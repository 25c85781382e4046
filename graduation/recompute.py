"""The nightly run: its ledger, its lock, its resumption, and the readiness step (set-based SQL).

The run executes the nightly steps (`kube_portal.nightly`, each registered by its own app):
KUBE maturity for all groups (`groups.maturity`) → household readiness, province by province
(here) → dashboard figures (`dashboards.refresh`, after a run over all provinces), one after
another. Each finished step's figures go into the ledger (`RecomputeRun.steps`); a run that
was killed is resumed by the next run of the same day, which skips the finished steps and
the finished provinces. One run at a time: the nightly advisory lock (`kube_portal.locks`);
a second run raises `RecomputeBusy`.

Each province is one `INSERT ... ON CONFLICT DO UPDATE ... WHERE <changed>` statement that
computes every active household of the province (CTEs: latest assessment per household by
DISTINCT ON, member counts and PKH flags by aggregates, the memberships current on the run
date (a leaving date still in the future counts) with any qualifying one first, the
applicable poverty line by DISTINCT ON provincial-then-national) and, in the same
statement, writes a history row for every changed state. The statement and the ledger's
progress for the province commit together, so a run killed at any moment leaves finished
provinces finished: the next run of the same day resumes the unfinished run and does the
rest. A row is only rewritten when its result differs, so a run on unchanged data writes
nothing.

The per-household lookups (members, latest assessment, current membership and its KUBE's
level) are index-only scans on covering indexes (migrations 0009 and 0010).

The rules are those of `graduation/readiness.py`, the plain-Python engine used live for one
household; the explanation is the same JSON of codes and numbers, never a sentence. A property
test (graduation/tests/test_readiness_engines.py) holds the two engines to identical rows.
"""

import datetime
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import Source, add_to_context, write_context
from graduation.models import (
    LEVEL_RANK,
    CriteriaSet,
    Readiness,
    RecomputeRun,
    RunStatus,
    Verdict,
)
from graduation.readiness import age_bounds
from groups.models import MaturityLevel, Status
from kube_portal import locks, nightly
from kube_portal.dates import month_index
from kube_portal.queue import QueueUnavailable, enqueue
from regions.models import Level, Region

DRY_RUN_SAMPLE = 20
#: The Celery task of the run (graduation.tasks, which imports this module).
RECOMPUTE_TASK = "graduation.tasks.recompute_graduation_task"
STATE_KEYS = [Readiness.SIAP.value, Readiness.MENUJU.value, Readiness.BELUM.value]


#: Starts of one run (the first and its resumptions) before a run that keeps losing its worker is given up.
MAX_RESUMES = 3


class RecomputeBusy(RuntimeError):
    """Another readiness run holds the lock."""


class RecomputeGaveUp(RuntimeError):
    """The run to resume was stopped MAX_RESUMES times by a dying worker: it was closed as failed."""


_EXPLANATION = """
           jsonb_build_object(
               'assessment', jsonb_build_object('date', to_char(s.assessed_on, 'YYYY-MM-DD')),
               'income', jsonb_build_object(
                   'verdict', s.v_income,
                   'code', CASE WHEN NOT s.assessed THEN 'no_assessment' WHEN s.n = 0 THEN 'no_members'
                                WHEN s.line_id IS NULL THEN 'no_line' ELSE 'compared' END,
                   -- Per capita, rounded half up for display (the verdict compares exactly).
                   'value', CASE WHEN s.assessed AND s.n > 0 THEN (s.monthly_income * 2 + s.n) / (2 * s.n) END,
                   'threshold', round(%(multiple)s * s.line_amount)::bigint,
                   'members', s.n,
                   'line', CASE WHEN s.line_id IS NOT NULL THEN jsonb_build_object(
                       'amount', s.line_amount, 'province', s.line_province, 'area', s.line_area,
                       'period', to_char(s.line_period, 'YYYY-MM-DD')) END),
               'kube', jsonb_build_object(
                   'verdict', s.v_kube,
                   'code', CASE WHEN s.best IS NULL THEN 'no_membership' ELSE 'member' END,
                   'value', s.best %% 10000,
                   'level', CASE (s.best %% 1000000) / 10000
                       WHEN 3 THEN %(maju)s WHEN 2 THEN %(berkembang)s WHEN 1 THEN %(tumbuh)s END,
                   'threshold', %(min_months)s,
                   'min_level', %(min_level)s::text),
               'assets', jsonb_build_object(
                   'verdict', s.v_assets,
                   'code', CASE WHEN NOT s.assessed THEN 'no_assessment' WHEN s.savings >= %(assets)s THEN 'savings'
                                WHEN s.productive_assets >= %(assets)s THEN 'assets' ELSE 'below' END,
                   'value', greatest(s.savings, s.productive_assets),
                   'savings', s.savings,
                   'assets', s.productive_assets,
                   'threshold', %(assets)s),
               'desil', jsonb_build_object('verdict', s.v_desil, 'value', s.desil, 'threshold', %(desil)s),
               'alamiah', jsonb_build_object(
                   'value', s.alamiah, 'pkh', s.receives_pkh, 'members', s.n, 'under_6', s.under_6,
                   'school_age', s.school_age, 'pregnant', s.pregnant, 'elderly', s.elderly, 'disabled', s.disabled)
           )
"""

_COMPUTE_CTES = """
WITH hh AS MATERIALIZED (
    SELECT h.id, h.region_code, h.is_urban, h.desil, h.receives_pkh
    FROM beneficiaries_household h
    WHERE h.is_active AND h.region_code LIKE %(prefix)s
      -- Only these households (recompute_households); NULL, the nightly's, folds away when planned.
      AND (%(household_ids)s::bigint[] IS NULL OR h.id = ANY(%(household_ids)s::bigint[]))
), line AS (
    SELECT DISTINCT ON (pl.area) pl.area = 'perkotaan' AS is_urban, pl.id, pl.amount, pl.province_id, pl.area,
           pl.period
    FROM graduation_povertyline pl
    WHERE pl.area IN ('perkotaan', 'perdesaan') AND pl.period <= %(run_date)s
      AND (pl.province_id = %(province)s OR pl.province_id IS NULL)
    ORDER BY pl.area, pl.province_id IS NULL, pl.period DESC
), facts AS (
    -- Per household, index lookups (LATERAL) rather than scans of whole tables: a province
    -- reads only its own households' members, assessments and memberships.
    SELECT hh.id, hh.region_code, hh.desil, hh.receives_pkh, l.household_id IS NOT NULL AS assessed,
           l.monthly_income, l.savings, l.productive_assets, l.assessed_on,
           m.n, m.under_6, m.school_age, m.pregnant, m.elderly, m.disabled, k.best,
           pl.id AS line_id, pl.amount AS line_amount, pl.province_id AS line_province, pl.area AS line_area,
           pl.period AS line_period
    FROM hh
    -- The latest assessment up to the run date.
    LEFT JOIN LATERAL (
        SELECT a.household_id, a.monthly_income, a.savings, a.productive_assets, a.assessed_on
        FROM graduation_householdassessment a
        WHERE a.household_id = hh.id AND a.assessed_on <= %(run_date)s
        ORDER BY a.assessed_on DESC, a.id DESC
        LIMIT 1
    ) l ON true
    -- Member count and the PKH components, by aggregates.
    CROSS JOIN LATERAL (
        SELECT count(*) AS n,
               count(*) FILTER (WHERE m.birth_date > %(born_after_6)s) AS under_6,
               count(*) FILTER (WHERE m.birth_date <= %(born_after_6)s AND m.birth_date > %(born_after_22)s)
                   AS school_age,
               count(*) FILTER (WHERE m.is_pregnant) AS pregnant,
               count(*) FILTER (WHERE m.birth_date <= %(born_by_60)s) AS elderly,
               count(*) FILTER (WHERE m.has_disability) AS disabled
        FROM beneficiaries_member m
        WHERE m.household_id = hh.id
    ) m
    -- The memberships current on the run date (joined, and not left or leaving later) of an active
    -- KUBE, as one number per membership so that an aggregate finds the one to show without sorting:
    -- qualifies × 1,000,000 + level rank × 10,000 + whole months (as groups.maturity.months_between).
    LEFT JOIN LATERAL (
        SELECT max((x.rank >= %(min_rank)s AND x.months >= %(min_months)s)::int * 1000000
                   + x.rank * 10000 + x.months) AS best
        FROM (
            SELECT CASE k.maturity_level WHEN %(maju)s THEN 3 WHEN %(berkembang)s THEN 2 ELSE 1 END AS rank,
                   %(run_month_index)s
                   - (date_part('year', ms.joined_on)::int * 12 + date_part('month', ms.joined_on)::int)
                   - (date_part('day', ms.joined_on)::int > %(run_day)s)::int AS months
            FROM groups_membership ms
            JOIN groups_kube k ON k.id = ms.kube_id
            WHERE ms.household_id = hh.id AND (ms.left_on IS NULL OR ms.left_on > %(run_date)s)
              AND k.status = %(kube_active)s AND ms.joined_on <= %(run_date)s
        ) x
    ) k ON true
    LEFT JOIN line pl ON pl.is_urban = hh.is_urban
), verdicts AS (
    SELECT f.*,
           CASE WHEN f.assessed AND f.n > 0 AND f.line_amount IS NOT NULL
                     AND f.monthly_income >= %(multiple)s * f.line_amount * f.n THEN 'met'
                ELSE 'not_met' END AS v_income,
           CASE WHEN f.best >= 1000000 THEN 'met' ELSE 'not_met' END AS v_kube,
           CASE WHEN f.assessed AND (f.savings >= %(assets)s OR f.productive_assets >= %(assets)s) THEN 'met'
                ELSE 'not_met' END AS v_assets,
           CASE WHEN f.desil IS NULL THEN 'unknown'
                WHEN f.desil > %(desil)s THEN 'met' ELSE 'not_met' END AS v_desil
    FROM facts f
), scored AS (
    SELECT v.*,
           (v.v_income = 'met')::int + (v.v_kube = 'met')::int + (v.v_assets = 'met')::int
               + (v.v_desil = 'met')::int AS met,
           3 + (v.v_desil <> 'unknown')::int AS counted,
           v.receives_pkh AND v.n > 0 AND v.under_6 + v.school_age + v.pregnant + v.elderly + v.disabled = 0
               AS alamiah
    FROM verdicts v
), judged AS (
    SELECT s.*,
           CASE WHEN s.met = 0 THEN 'belum' WHEN s.met = s.counted THEN 'siap' ELSE 'menuju' END AS state,
           s.met * 100 / s.counted AS score,
           -- Every input of the result and its explanation (graduation.readiness.Result.inputs): a row is
           -- rewritten only when these (or the criteria version) differ, so unchanged households cost no JSON.
           ARRAY[s.assessed::int, s.monthly_income, s.savings, s.productive_assets,
                 s.assessed_on - DATE '2000-01-01', s.n, s.under_6, s.school_age, s.pregnant, s.elderly,
                 s.disabled, s.best, s.line_id, s.line_amount, s.desil, s.receives_pkh::int]::bigint[] AS inputs
    FROM scored s
), old AS (
    -- The stored results of the province, by its region prefix (rows are clustered by province).
    SELECT gs.household_id, gs.region_code, gs.state, gs.score, gs.alamiah_candidate, gs.inputs, gs.criteria_id
    FROM graduation_graduationstatus gs
    WHERE gs.region_code LIKE %(prefix)s
      AND (%(household_ids)s::bigint[] IS NULL OR gs.household_id = ANY(%(household_ids)s::bigint[]))
), changed AS (
    SELECT j.*,
           -- The state before this run; a household that moved province is not in `old`.
           coalesce(o.state, (SELECT gs.state FROM graduation_graduationstatus gs WHERE gs.household_id = j.id))
               AS old_state
    FROM judged j
    LEFT JOIN old o ON o.household_id = j.id
    WHERE (o.region_code, o.inputs, o.criteria_id) IS DISTINCT FROM (j.region_code, j.inputs, %(criteria_id)s)
)
"""  # noqa: S608 - only our own SQL fragments are interpolated, values are parameters

_WRITE_SQL = (
    _COMPUTE_CTES  # noqa: S608 - constant SQL, values are parameters
    + """
, upserted AS (
    INSERT INTO graduation_graduationstatus AS gs
        (household_id, region_code, state, score, alamiah_candidate, needs_assessment, explanation, inputs,
         criteria_id, run_id, computed_at)
    SELECT s.id, s.region_code, s.state, s.score, s.alamiah, NOT s.assessed,
"""
    + _EXPLANATION
    + """,
           s.inputs, %(criteria_id)s, %(run_id)s, %(now)s
    FROM changed s
    ON CONFLICT (household_id) DO UPDATE
    SET region_code = EXCLUDED.region_code, state = EXCLUDED.state, score = EXCLUDED.score,
        alamiah_candidate = EXCLUDED.alamiah_candidate, needs_assessment = EXCLUDED.needs_assessment,
        explanation = EXCLUDED.explanation,
        inputs = EXCLUDED.inputs, criteria_id = EXCLUDED.criteria_id,
        run_id = EXCLUDED.run_id, computed_at = EXCLUDED.computed_at
    WHERE (gs.region_code, gs.inputs, gs.criteria_id)
          IS DISTINCT FROM (EXCLUDED.region_code, EXCLUDED.inputs, EXCLUDED.criteria_id)
    RETURNING gs.household_id, gs.state
), history AS (
    INSERT INTO graduation_graduationstatuschange (household_id, changed_on, from_state, to_state, run_id, created_at)
    SELECT u.household_id, %(run_date)s, coalesce(c.old_state, ''), u.state, %(run_id)s, %(now)s
    FROM upserted u
    JOIN changed c ON c.id = u.household_id
    WHERE c.old_state IS DISTINCT FROM u.state
    RETURNING 1
)
SELECT j.state, count(*), count(*) FILTER (WHERE j.alamiah), count(u.household_id),
       (SELECT count(*) FROM history)
FROM judged j
LEFT JOIN upserted u ON u.household_id = j.id
GROUP BY j.state
"""
)

_DRY_COUNTS_SQL = (
    _COMPUTE_CTES
    + """
SELECT j.state, count(*), count(*) FILTER (WHERE j.alamiah), count(c.id),
       count(*) FILTER (WHERE c.id IS NOT NULL AND c.old_state IS DISTINCT FROM c.state)
FROM judged j
LEFT JOIN changed c ON c.id = j.id
GROUP BY j.state
"""
)

_DRY_SAMPLE_SQL = (
    _COMPUTE_CTES
    + """
SELECT c.id, c.old_state, c.state, o.alamiah_candidate, c.alamiah, o.score, c.score
FROM changed c
LEFT JOIN old o ON o.household_id = c.id
ORDER BY c.id
LIMIT %(sample)s
"""
)


def _params(
    *,
    province: str,
    run_date: datetime.date,
    criteria: CriteriaSet,
    run_id: int | None,
    household_ids: list[int] | None = None,
) -> dict:
    return {
        "household_ids": household_ids,
        "prefix": f"{province}.%",
        "province": province,
        "run_date": run_date,
        "run_month_index": month_index(run_date),
        "run_day": run_date.day,
        **age_bounds(run_date),
        "maju": MaturityLevel.MAJU.value,
        "berkembang": MaturityLevel.BERKEMBANG.value,
        "tumbuh": MaturityLevel.TUMBUH.value,
        "kube_active": Status.AKTIF.value,
        "multiple": criteria.income_multiple,
        "min_rank": LEVEL_RANK[criteria.min_kube_level],
        "min_level": criteria.min_kube_level,
        "min_months": criteria.min_kube_months,
        "assets": criteria.assets_threshold,
        "desil": criteria.desil_threshold,
        "criteria_id": criteria.pk,
        "run_id": run_id,
        "now": timezone.now(),
        "sample": DRY_RUN_SAMPLE,
    }


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys([*STATE_KEYS, "alamiah", "changed", "state_changes"], 0)


def province_codes(province: str = "") -> list[str]:
    provinces = Region.objects.filter(level=Level.PROVINCE).order_by("code").values_list("code", flat=True)
    if province:
        provinces = provinces.filter(code=province)
    return list(provinces)


def recompute_province(*, run: RecomputeRun, province: str, criteria: CriteriaSet) -> dict[str, int]:
    """One province in one statement; its ledger progress commits with it."""
    started = time.monotonic()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Room for the per-province hash aggregates (members, memberships) without spilling to disk.
            cursor.execute("SET LOCAL work_mem = '32MB'")
            # A commit lost in a crash loses the province's results and its ledger entry together:
            # the next run recomputes it. So the commit need not wait for the WAL flush.
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(
                _WRITE_SQL, _params(province=province, run_date=run.run_date, criteria=criteria, run_id=run.pk)
            )
            rows = cursor.fetchall()
        counts = _empty_counts()
        for state, total, alamiah, changed, state_changes in rows:
            counts[state] += total
            counts["alamiah"] += alamiah
            counts["changed"] += changed
            # The history count is the same on every row of the statement's result.
            counts["state_changes"] = state_changes
        counts["seconds"] = round(time.monotonic() - started, 2)
        with connection.cursor() as cursor:
            # Merged in SQL: the run's row in memory may be older than the ledger.
            cursor.execute(
                "UPDATE graduation_recomputerun SET progress = progress || %s::jsonb WHERE id = %s",
                [json.dumps({province: counts}), run.pk],
            )
    return counts


def recompute_households(*, household_ids: list[int], run_date: datetime.date, criteria: CriteriaSet) -> int:
    """The nightly's statements restricted to these households, written as the live engine writes (no run).

    For the thousands of households of an import: the Python engine takes about a second per 2,300,
    this one statement per province a fraction of that. In the caller's transaction; returns how many
    rows changed. The property test holds it to the Python engine's results like the nightly's.
    """
    ids = sorted(set(household_ids))
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT substr(region_code, 1, 2) FROM beneficiaries_household WHERE id = ANY(%s::bigint[])",
            [ids],
        )
        provinces = sorted(row[0] for row in cursor.fetchall())
        changed = 0
        for province in provinces:
            params = _params(province=province, run_date=run_date, criteria=criteria, run_id=None, household_ids=ids)
            cursor.execute(_WRITE_SQL, params)
            changed += sum(row[3] for row in cursor.fetchall())
    return changed


def readiness_step(night: nightly.Night) -> dict:
    """The nightly step of this app: every active household's readiness, province by province.

    Each province commits with its entry in the ledger's progress, so a resumed run skips it.
    """
    run = night.ledger
    for code in province_codes(night.province):
        if code in run.progress:
            continue
        run.progress[code] = recompute_province(run=run, province=code, criteria=run.criteria)
        if night.on_progress is not None:
            night.on_progress(code)
    totals = _empty_counts()
    for counts in run.progress.values():
        for key in totals:
            totals[key] += counts.get(key, 0)
    run.counts = totals
    run.households_changed = totals["changed"]
    run.save(update_fields=["counts", "households_changed"])
    return totals


def _busy() -> RecomputeBusy:
    return RecomputeBusy(_("Proses graduasi lain sedang berjalan."))


def is_busy() -> bool:
    """Whether a run holds the lock now (from any connection)."""
    return locks.is_held(locks.Key.NIGHTLY)


def _start_or_resume(*, province: str, run_date: datetime.date, criteria: CriteriaSet, user) -> RecomputeRun:
    """Resume the unfinished run of the same day, criteria and scope; close any other unfinished one.

    Called with the lock held, so a run still marked running was killed.
    """
    unfinished = RecomputeRun.objects.exclude(status=RunStatus.DONE).filter(finished_at__isnull=True)
    for run in unfinished.order_by("-started_at"):
        if run.run_date == run_date and run.province == province and run.criteria_id == criteria.pk:
            if run.resumed_count + 1 >= MAX_RESUMES:
                _close(
                    run,
                    _("Terhenti %(count)d kali karena pemrosesnya mati; tidak dilanjutkan lagi.")
                    % {"count": MAX_RESUMES},
                )
                raise RecomputeGaveUp(run.error)
            run.status = RunStatus.RUNNING
            run.error = ""
            run.resumed_count += 1
            run.save(update_fields=["status", "error", "resumed_count"])
            return run
        _close(run, _("Terhenti dan tidak dilanjutkan."))
    return RecomputeRun.objects.create(
        run_date=run_date,
        province=province,
        criteria=criteria,
        provinces_total=len(province_codes(province)),
        triggered_by=user,
    )


def _close(run: RecomputeRun, why: str) -> None:
    run.status = RunStatus.FAILED
    run.finished_at = timezone.now()
    run.error = (run.error + "\n" if run.error else "") + why
    run.save(update_fields=["status", "finished_at", "error"])


def run_stalled(run: RecomputeRun | None) -> bool:
    """A run marked running that no process runs: its worker died (the lock went with it)."""
    return run is not None and run.status == RunStatus.RUNNING and not is_busy()


def recompute_runs_recover(*, today: datetime.date | None = None) -> list[int]:
    """Mark every run its worker left running as failed-and-resumable; queue its resumption.

    Run by Celery beat every minute and at worker start. A run of another day is closed (the
    night's run does the work again); one of today is resumed by a new task, which continues
    where it stopped. Returns the runs it queued.
    """
    today = today or timezone.localdate()
    resume = []
    try:
        # Holding the run lock proves no run is alive, and keeps one from starting meanwhile.
        with locks.exclusive(locks.Key.NIGHTLY, busy=_busy):
            for run in RecomputeRun.objects.filter(status=RunStatus.RUNNING):
                if run.run_date != today:
                    _close(run, _("Terhenti dan tidak dilanjutkan."))
                    continue
                # Failed but without an end: the task below resumes it (see _start_or_resume).
                run.status = RunStatus.FAILED
                run.error = _("Pemroses mati di tengah proses; proses dilanjutkan otomatis.")
                run.save(update_fields=["status", "error"])
                resume.append(run)
    except RecomputeBusy:
        return []
    queued = []
    for run in resume:
        try:
            enqueue(RECOMPUTE_TASK, province=run.province, user_id=run.triggered_by_id)
        except QueueUnavailable:
            continue  # the night's run (or "run now") resumes it
        queued.append(run.pk)
    return queued


def recompute_graduation(
    *,
    province: str = "",
    run_date: datetime.date | None = None,
    user=None,
    after_province: Callable[[RecomputeRun, str], None] | None = None,
    stdout=None,
) -> RecomputeRun:
    """The nightly run: its steps one after another, each recorded in the ledger. Raises RecomputeBusy."""
    run_date = run_date or timezone.localdate()
    # The nightly's own writes (maturity, readiness) are not in the audit trail (its own history tables
    # keep them); anything tracked it touches is recorded as this run's.
    with locks.exclusive(locks.Key.NIGHTLY, busy=_busy), write_context(Source.NIGHTLY):
        criteria = CriteriaSet.objects.active()
        run = _start_or_resume(province=province, run_date=run_date, criteria=criteria, user=user)
        add_to_context(run=run.pk)

        def province_done(code: str) -> None:
            if stdout is not None:
                stdout.write(f"  {code}: {run.progress[code]}\n")
            if after_province is not None:
                after_province(run, code)

        night = nightly.Night(run_date=run_date, province=province, ledger=run, on_progress=province_done)
        for step in nightly.steps(province=province):
            if step.name in run.steps:
                continue  # done before the run was stopped
            started = time.monotonic()
            try:
                result = step.run(night)
            except Exception as error:
                run.status = RunStatus.FAILED
                run.error = _("Proses gagal karena kesalahan di server (sudah dicatat): %(error)s") % {
                    "error": f"{type(error).__name__}: {error}"
                }
                run.save(update_fields=["status", "error"])
                raise
            run.steps[step.name] = {**result, "seconds": round(time.monotonic() - started, 2)}
            run.save(update_fields=["steps"])
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
    return run


@dataclass
class DryRun:
    run_date: datetime.date
    criteria: CriteriaSet
    #: {province: counts}
    provinces: dict[str, dict[str, int]] = field(default_factory=dict)
    #: (household id, province, before state, after state, before alamiah, after alamiah, before score, after score)
    sample: list[tuple] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        totals = _empty_counts()
        for counts in self.provinces.values():
            for key in totals:
                totals[key] += counts[key]
        return totals


def recompute_dry_run(*, province: str = "", run_date: datetime.date | None = None) -> DryRun:
    """What a run would change, without writing (the KUBE levels are read as they are stored)."""
    run_date = run_date or timezone.localdate()
    criteria = CriteriaSet.objects.active()
    result = DryRun(run_date=run_date, criteria=criteria)
    with connection.cursor() as cursor:
        for code in province_codes(province):
            params = _params(province=code, run_date=run_date, criteria=criteria, run_id=None)
            cursor.execute(_DRY_COUNTS_SQL, params)
            counts = _empty_counts()
            for state, total, alamiah, changed, state_changes in cursor.fetchall():
                counts[state] += total
                counts["alamiah"] += alamiah
                counts["changed"] += changed
                counts["state_changes"] += state_changes
            if not any(counts[state] for state in STATE_KEYS):
                continue
            result.provinces[code] = counts
            if len(result.sample) < DRY_RUN_SAMPLE:
                cursor.execute(_DRY_SAMPLE_SQL, params)
                result.sample += [(row[0], code, *row[1:]) for row in cursor.fetchall()]
    result.sample = result.sample[:DRY_RUN_SAMPLE]
    return result


__all__ = ["RecomputeBusy", "Verdict", "is_busy", "recompute_dry_run", "recompute_graduation"]
