"""The nightly run: its ledger, its lock, its resumption, and the readiness step (set-based SQL).

The run executes the nightly steps (`kube_portal.nightly`, each registered by its own app):
KUBE maturity for all groups (`groups.maturity`) → household readiness, one part per province
(here) → dashboard figures (`dashboards.refresh`, after a run over all provinces). Run by beat
or "Jalankan sekarang", it is a Celery canvas (graduation.tasks): maturity, then a group of one
task per province that any number of workers share, then a chord callback that totals the
provinces, refreshes the dashboards and closes the run; `manage.py recompute_graduation` (and
the benches and tests) run the same steps one after another in one process. Each finished part
and step goes into the ledger (`RecomputeRun`) with the worker that did it; a run that was
stopped is resumed where it stopped, its finished steps and provinces not done again. One run at
a time: the nightly advisory lock (`kube_portal.locks`), exclusive for a run in one process and
for starting or sweeping a run, shared by the tasks of a run on the workers; a second run raises
`RecomputeBusy`.

Each province is one `INSERT ... ON CONFLICT DO UPDATE ... WHERE <changed>` statement that
computes every active household of the province (CTEs: member counts and PKH flags, the latest
assessment, and the best current membership, each one hash aggregate over a bitmap scan of the
rows of the province's households; the applicable poverty line by DISTINCT ON
provincial-then-national) and, in the same statement, writes a history row for every changed
state. The statement and the ledger's progress for the province commit together, so a run
killed at any moment leaves finished provinces finished. A row is only rewritten when its
inputs differ, so a run on unchanged data writes nothing.

The rules are those of `graduation/readiness.py`, the plain-Python engine used live for one
household; the explanation is the same JSON of codes and numbers, never a sentence. A property
test (graduation/tests/test_readiness_engines.py) holds the two engines to identical rows.
"""

import contextlib
import datetime
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection, models, transaction
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
#: The task that publishes again what is left of a run on the workers (graduation.tasks).
RESUME_TASK = "graduation.tasks.recompute_resume_task"
#: A run on the workers of which nothing has gone for this long lost its messages: they are published again.
REQUEUE_AFTER = datetime.timedelta(minutes=10)
#: How long a task of a run waits for a start or a sweep (they hold the lock for a moment) before it gives way.
STAGE_LOCK_WAIT_SECONDS = 30


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
), mem AS (
    -- Member count and the PKH components of every household of the province: one hash aggregate over
    -- one bitmap scan of the members of the province's households (no loop of lookups per household,
    -- no scan of other provinces' members).
    SELECT m.household_id, count(*) AS n,
           count(*) FILTER (WHERE m.birth_date > %(born_after_6)s) AS under_6,
           count(*) FILTER (WHERE m.birth_date <= %(born_after_6)s AND m.birth_date > %(born_after_22)s)
               AS school_age,
           count(*) FILTER (WHERE m.is_pregnant) AS pregnant,
           count(*) FILTER (WHERE m.birth_date <= %(born_by_60)s) AS elderly,
           count(*) FILTER (WHERE m.has_disability) AS disabled
    FROM beneficiaries_member m
    WHERE m.household_id = ANY(ARRAY(SELECT id FROM hh))
    GROUP BY m.household_id
), asm AS (
    -- The latest assessment up to the run date: the greatest [day, id, figures] array per household,
    -- a hash aggregate (arrays compare element by element: the latest day, then the latest id).
    SELECT a.household_id,
           max(ARRAY[a.assessed_on - DATE '2000-01-01', a.id, a.monthly_income, a.savings, a.productive_assets])
               AS latest
    FROM graduation_householdassessment a
    WHERE a.household_id = ANY(ARRAY(SELECT id FROM hh)) AND a.assessed_on <= %(run_date)s
    GROUP BY a.household_id
), kb AS (
    -- The memberships current on the run date (joined, and not left or leaving later) of an active
    -- KUBE, as one number per membership so that an aggregate finds the one to show without sorting:
    -- qualifies × 1,000,000 + level rank × 10,000 + whole months (as groups.maturity.months_between).
    SELECT x.household_id,
           max((x.rank >= %(min_rank)s AND x.months >= %(min_months)s)::int * 1000000
               + x.rank * 10000 + x.months) AS best
    FROM (
        SELECT ms.household_id,
               CASE k.maturity_level WHEN %(maju)s THEN 3 WHEN %(berkembang)s THEN 2 ELSE 1 END AS rank,
               %(run_month_index)s
               - (date_part('year', ms.joined_on)::int * 12 + date_part('month', ms.joined_on)::int)
               - (date_part('day', ms.joined_on)::int > %(run_day)s)::int AS months
        FROM groups_membership ms
        JOIN groups_kube k ON k.id = ms.kube_id
        WHERE ms.household_id = ANY(ARRAY(SELECT id FROM hh)) AND (ms.left_on IS NULL OR ms.left_on > %(run_date)s)
          AND k.status = %(kube_active)s AND ms.joined_on <= %(run_date)s
    ) x
    GROUP BY x.household_id
), facts AS (
    SELECT hh.id, hh.region_code, hh.desil, hh.receives_pkh, asm.latest IS NOT NULL AS assessed,
           asm.latest[3] AS monthly_income, asm.latest[4] AS savings, asm.latest[5] AS productive_assets,
           DATE '2000-01-01' + asm.latest[1]::int AS assessed_on,
           coalesce(mem.n, 0) AS n, coalesce(mem.under_6, 0) AS under_6, coalesce(mem.school_age, 0) AS school_age,
           coalesce(mem.pregnant, 0) AS pregnant, coalesce(mem.elderly, 0) AS elderly,
           coalesce(mem.disabled, 0) AS disabled, kb.best,
           pl.id AS line_id, pl.amount AS line_amount, pl.province_id AS line_province, pl.area AS line_area,
           pl.period AS line_period
    FROM hh
    LEFT JOIN mem ON mem.household_id = hh.id
    LEFT JOIN asm ON asm.household_id = hh.id
    LEFT JOIN kb ON kb.household_id = hh.id
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


def recompute_province(*, run: RecomputeRun, province: str, criteria: CriteriaSet, worker: str = "") -> dict:
    """One province in one statement; its ledger progress (with the worker that did it) commits with it."""
    started = time.monotonic()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Room for the per-province hash aggregates (members, memberships) without spilling to disk.
            cursor.execute("SET LOCAL work_mem = '32MB'")
            # The planner's row estimates of the CTEs trip the JIT thresholds: compiling every province's
            # statement cost more than it saved (second run at 1 M: 49–74 s with JIT, 24–32 s without).
            cursor.execute("SET LOCAL jit = off")
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
        if worker:
            counts["worker"] = worker
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


def readiness_parts(night: nightly.Night) -> list[str]:
    """The parts of the readiness step: the provinces of the run."""
    return province_codes(night.province)


def readiness_part(night: nightly.Night, code: str) -> dict:
    """One province of the readiness step (committed with its entry in the ledger's progress)."""
    return recompute_province(run=night.ledger, province=code, criteria=night.ledger.criteria, worker=night.worker)


def readiness_step(night: nightly.Night) -> dict:
    """The readiness step once its provinces are done: the run's totals from the ledger's progress."""
    run = night.ledger
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


def _dispatched_runs():
    return RecomputeRun.objects.filter(status=RunStatus.RUNNING, dispatched_at__isnull=False)


def is_busy() -> bool:
    """Whether a run is going now: one process holds the lock, or a run's tasks are on the workers."""
    return locks.is_held(locks.Key.NIGHTLY) or _dispatched_runs().exists()


def _start_or_resume(*, province: str, run_date: datetime.date, criteria: CriteriaSet, user) -> RecomputeRun:
    """Resume the unfinished run of the same day, criteria and scope; close any other unfinished one.

    Called with the lock held exclusively, so a run still marked running in one process was killed;
    a run whose tasks are on the workers (dispatched) is going, and this one says busy.
    """
    unfinished = RecomputeRun.objects.exclude(status=RunStatus.DONE).filter(finished_at__isnull=True)
    for run in unfinished.order_by("-started_at"):
        if run.status == RunStatus.RUNNING and run.dispatched_at is not None and run.run_date == run_date:
            raise _busy()  # the sweep (recompute_runs_recover) looks after it
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
            # Run on by whoever resumes it: in one process, or published to the workers (run_begin).
            run.dispatched_at = None
            run.save(update_fields=["status", "error", "resumed_count", "dispatched_at"])
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


def _fail(run: RecomputeRun, error: Exception) -> None:
    """The run stops as failed with the reason; the next run of the day resumes it."""
    message = _("Proses gagal karena kesalahan di server (sudah dicatat): %(error)s") % {
        "error": f"{type(error).__name__}: {error}"
    }
    # Only a run still going: tasks of the run may finish or fail on other workers meanwhile.
    RecomputeRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(status=RunStatus.FAILED, error=message)
    run.status, run.error = RunStatus.FAILED, message


def run_stalled(run: RecomputeRun | None) -> bool:
    """A run marked running that nothing runs: its process died (the lock went with it)."""
    return run is not None and run.status == RunStatus.RUNNING and run.dispatched_at is None and not is_busy()


# --- The plan of a run: which steps and parts are left ----------------------------------------------


@dataclass
class Plan:
    """What is left of a run: steps before the step with parts, its parts, and the steps after (the finish)."""

    before: list[str]
    parted: str | None
    parts: list[str]
    after: list[str]


def plan(run: RecomputeRun) -> Plan:
    """The run's steps and parts not yet in its ledger, in order."""
    steps = nightly.steps(province=run.province)
    parted = next((index for index, step in enumerate(steps) if step.parts is not None), len(steps))
    night = _night(run)
    before = [step.name for step in steps[:parted] if step.name not in run.steps]
    if parted == len(steps):
        return Plan(before=before, parted=None, parts=[], after=[])
    step = steps[parted]
    parts = [] if step.name in run.steps else [code for code in step.parts(night) if code not in run.progress]
    after = [s.name for s in steps[parted:] if s.name not in run.steps]
    return Plan(before=before, parted=step.name, parts=parts, after=after)


def _night(run: RecomputeRun, *, worker: str = "") -> nightly.Night:
    return nightly.Night(run_date=run.run_date, province=run.province, ledger=run, worker=worker)


def _step(name: str) -> nightly.Step:
    return next(step for step in nightly.steps() if step.name == name)


def _run_step(run: RecomputeRun, name: str, night: nightly.Night, *, started: float | None = None) -> dict:
    """One step (for a step with parts: the total once they are done), recorded in the ledger.

    Its seconds count from `started` when given (a run in one process: from its first part).
    """
    started = time.monotonic() if started is None else started
    try:
        result = _step(name).run(night)
    except Exception as error:
        _fail(run, error)
        raise
    result = {**result, "seconds": round(time.monotonic() - started, 2)}
    # Merged in SQL: the parts of the run write their progress from other workers meanwhile.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE graduation_recomputerun SET steps = steps || %s::jsonb WHERE id = %s",
            [json.dumps({name: result}), run.pk],
        )
    run.steps[name] = result
    return result


def _done(run: RecomputeRun) -> None:
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])


# --- In one process: manage.py recompute_graduation, the benches, the tests ------------------------------


def recompute_graduation(
    *,
    province: str = "",
    run_date: datetime.date | None = None,
    user=None,
    after_province: Callable[[RecomputeRun, str], None] | None = None,
    stdout=None,
) -> RecomputeRun:
    """The nightly run in this process: its steps one after another, each recorded in the ledger.

    Holds the nightly lock for the whole run. Raises RecomputeBusy when another run goes.
    """
    run_date = run_date or timezone.localdate()
    # The nightly's own writes (maturity, readiness) are not in the audit trail (its own history tables
    # keep them); anything tracked it touches is recorded as this run's.
    with locks.exclusive(locks.Key.NIGHTLY, busy=_busy), write_context(Source.NIGHTLY):
        run = _start_or_resume(province=province, run_date=run_date, criteria=CriteriaSet.objects.active(), user=user)
        add_to_context(run=run.pk)

        def province_done(code: str) -> None:
            if stdout is not None:
                stdout.write(f"  {code}: {run.progress[code]}\n")
            if after_province is not None:
                after_province(run, code)

        night = _night(run, worker=worker_name())
        left = plan(run)
        for name in left.before:
            _run_step(run, name, night)
        parts_started = time.monotonic()
        for code in left.parts:
            try:
                run.progress[code] = _step(left.parted).run_part(night, code)
                province_done(code)
            except Exception as error:
                _fail(run, error)
                raise
        for name in left.after:
            _run_step(run, name, night, started=parts_started if name == left.parted else None)
        _done(run)
    return run


def worker_name() -> str:
    """This process, as the ledger names the worker of a part (a Celery task passes its worker's name)."""
    return f"{socket.gethostname()}:{os.getpid()}"


# --- Over Celery workers: the canvas of graduation.tasks ------------------------------------------------


def run_begin(*, province: str = "", run_date: datetime.date | None = None, user=None) -> tuple[RecomputeRun, Plan]:
    """Start (or resume) a run whose steps the workers take; returns it and what is left of it.

    Raises RecomputeBusy while another run goes (in one process, or on the workers).
    """
    run_date = run_date or timezone.localdate()
    with locks.exclusive(locks.Key.NIGHTLY, busy=_busy):
        run = _start_or_resume(province=province, run_date=run_date, criteria=CriteriaSet.objects.active(), user=user)
        run.dispatched_at = timezone.now()
        run.save(update_fields=["dispatched_at"])
    return run, plan(run)


@contextlib.contextmanager
def _stage(run_pk: int) -> Iterator[RecomputeRun | None]:
    """One task of a run on the workers: the run if it is still going (else None), in its audit context.

    Takes the nightly lock shared, so that tasks of the run go side by side on any number of workers
    while a run in one process, or a start or sweep deciding about the run, keeps them out.
    """
    held = contextlib.ExitStack()
    try:
        held.enter_context(locks.shared(locks.Key.NIGHTLY, wait_seconds=STAGE_LOCK_WAIT_SECONDS))
    except locks.Busy:
        yield None  # a run in one process holds it: that run does the work
        return
    with held:
        run = RecomputeRun.objects.select_related("criteria").filter(pk=run_pk).first()
        if run is None or run.status != RunStatus.RUNNING or run.dispatched_at is None:
            yield None  # finished, failed or taken over meanwhile: nothing to do
            return
        with write_context(Source.NIGHTLY, run=run.pk):
            yield run


def run_step_stage(run_pk: int, name: str, *, worker: str) -> dict:
    """A step without parts (KUBE maturity), as a task of the canvas."""
    with _stage(run_pk) as run:
        if run is None or name in run.steps:
            return {"skipped": True}
        return _run_step(run, name, _night(run, worker=worker))


def run_part_stage(run_pk: int, name: str, part: str, *, worker: str) -> dict:
    """One part (a province) of the step with parts, as a task of the canvas's group.

    Holds the part's own liveness lock while it works and marks it started in the ledger: a part
    started whose lock is free lost its worker (recompute_runs_recover publishes it again).
    """
    with _stage(run_pk) as run:
        if run is None or part in run.progress:
            return {"skipped": True}
        key = _part_key(run.pk, part)
        if not locks.job_hold(locks.Key.NIGHTLY_PARTS, key):
            return {"skipped": True}  # the same part on another worker (published again meanwhile)
        try:
            run.refresh_from_db(fields=["progress", "status"])
            if part in run.progress or run.status != RunStatus.RUNNING:
                return {"skipped": True}
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE graduation_recomputerun SET parts_started = parts_started || %s::jsonb WHERE id = %s",
                    [json.dumps({part: worker}), run.pk],
                )
            try:
                return _step(name).run_part(_night(run, worker=worker), part)
            except Exception as error:
                _fail(run, error)
                raise
        finally:
            locks.job_release(locks.Key.NIGHTLY_PARTS, key)


def run_finish_stage(run_pk: int, *, worker: str) -> dict:
    """The chord's callback: once every part is in the ledger, the steps after them, and the run is done.

    With a part missing (it failed, or it was published again after its worker died) it does nothing:
    the run has failed with the reason, or the sweep finishes it when the part is done.
    """
    with _stage(run_pk) as run:
        if run is None:
            return {"skipped": True}
        left = plan(run)
        if left.before or left.parts:
            return {"waiting": left.before + left.parts}
        night = _night(run, worker=worker)
        for name in left.after:
            _run_step(run, name, night)
        # Only once, should two callbacks of the run get here (a part published again has its own).
        if not RecomputeRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.DONE, finished_at=timezone.now()
        ):
            return {"skipped": True}
        return {"done": True}


def _part_key(run_pk: int, part: str) -> int:
    # Province codes are two digits: one key per (run, province).
    return run_pk * 100 + int(part)


def _dead_parts(run: RecomputeRun) -> list[str]:
    """Parts marked started, not done, whose worker's liveness lock is free: their worker died."""
    started = [part for part in run.parts_started if part not in run.progress]
    alive = locks.jobs_held(locks.Key.NIGHTLY_PARTS, [_part_key(run.pk, part) for part in started])
    run.refresh_from_db(fields=["progress"])  # a part that ended between the two reads is done, not dead
    return [part for part in started if part not in run.progress and _part_key(run.pk, part) not in alive]


def recompute_runs_recover(*, today: datetime.date | None = None, now: datetime.datetime | None = None) -> list[int]:
    """Look after the runs nothing runs any more; returns the runs it published again.

    Run by Celery beat every minute and at worker start:

    - a run in one process whose process died (marked running, lock free): of another day it is
      closed (the night's run does the work again); of today it is marked failed and a new task
      resumes it where it stopped;
    - a run on the workers: a part whose worker died is published again at once (with the chord's
      callback after it), so are the steps left when nothing of the run has been going for
      REQUEUE_AFTER (lost messages) or every part is done but the run not finished; after
      MAX_RESUMES lost workers the run ends as failed.
    """
    today = today or timezone.localdate()
    now = now or timezone.now()
    resume, republish = [], []
    for run in _dispatched_runs():
        dead = _dead_parts(run)
        if dead:
            RecomputeRun.objects.filter(pk=run.pk).update(
                resumed_count=models.F("resumed_count") + 1,
                parts_started=_without(run.parts_started, dead),
                dispatched_at=now,
            )
            run.refresh_from_db()
            if run.resumed_count >= MAX_RESUMES:
                _close(
                    run,
                    _("Terhenti %(count)d kali karena pemrosesnya mati; tidak dilanjutkan lagi.")
                    % {"count": MAX_RESUMES},
                )
                continue
            republish.append(run)
    try:
        # Holding the run lock proves no task of a run and no run in one process is going now.
        with locks.exclusive(locks.Key.NIGHTLY, busy=_busy):
            for run in RecomputeRun.objects.filter(status=RunStatus.RUNNING):
                if run.run_date != today:
                    _close(run, _("Terhenti dan tidak dilanjutkan."))
                    continue
                if run.dispatched_at is not None:
                    left = plan(run)
                    idle = now - run.dispatched_at > REQUEUE_AFTER
                    if (idle or not (left.before or left.parts)) and run not in republish:
                        RecomputeRun.objects.filter(pk=run.pk).update(dispatched_at=now)
                        republish.append(run)
                    continue
                # Failed but without an end: the task below resumes it (see _start_or_resume).
                run.status = RunStatus.FAILED
                run.error = _("Pemroses mati di tengah proses; proses dilanjutkan otomatis.")
                run.save(update_fields=["status", "error"])
                resume.append(run)
    except RecomputeBusy:
        pass
    queued = []
    for run in resume:
        try:
            enqueue(RECOMPUTE_TASK, province=run.province, user_id=run.triggered_by_id)
        except QueueUnavailable:
            continue  # the night's run (or "run now") resumes it
        queued.append(run.pk)
    for run in republish:
        try:
            enqueue(RESUME_TASK, run.pk)
        except QueueUnavailable:
            continue  # the next round
        queued.append(run.pk)
    return queued


def _without(mapping: dict, keys: list[str]) -> dict:
    return {key: value for key, value in mapping.items() if key not in keys}


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
